"""A municipality's administrator cannot reach another municipality's back office or API.

The administrator role is used so that each refusal on Timișoara's host can only come
from the municipality boundary: at home the same pages and endpoint answer 200.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Response, expect

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import PASSWORD, DepartmentFactory

from .conftest import BOTOSANI_EN, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMISOARA_DEPARTMENT = "Direcția Secretă Timișoara"
DEPARTMENTS_API = "/api/v1/backoffice/departments/"


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("button", name="Log out")).to_be_visible()


def visit(page: Page, url: str) -> Response:
    response = page.goto(url)
    assert response is not None
    return response


def test_isolation_browser(
    botosani_admin: StaffMembership,
    timisoara: Municipality,
    timisoara_admin: StaffMembership,
    sites: Sites,
    page: Page,
) -> None:
    DepartmentFactory(
        municipality=timisoara,
        name=TIMISOARA_DEPARTMENT,
        name_ro=TIMISOARA_DEPARTMENT,
        name_en=TIMISOARA_DEPARTMENT,
    )
    email = botosani_admin.user.email
    assert botosani_admin.department is not None
    botosani_department = botosani_admin.department.name
    seen: list[str] = []

    # Given Botoșani's administrator logged in on Botoșani's host
    log_in(page, sites.botosani, email)

    # When they open the back office, its departments and the departments API there
    dashboard = visit(page, sites.botosani + "/backoffice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Back office")
    seen.append(page.content())
    department_page = visit(page, sites.botosani + "/backoffice/departments/")
    expect(page.get_by_role("main")).to_contain_text(botosani_department)
    seen.append(page.content())
    api = visit(page, sites.botosani + DEPARTMENTS_API)
    seen.append(api.text())

    # Then all open, and list Botoșani's department only
    assert (dashboard.status, department_page.status, api.status) == (200, 200, 200)
    listed = json.loads(api.text())
    assert [department["name"] for department in listed["results"]] == [botosani_department]

    # Given the same person on Timișoara's host, where they must log in again
    page.goto(sites.timisoara + "/backoffice/")
    expect(page).to_have_url(sites.timisoara + "/accounts/login/?next=/backoffice/")
    log_in(page, sites.timisoara, email)
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Back office")).to_have_count(0)
    seen.append(page.content())

    # When they open Timișoara's back office
    response = visit(page, sites.timisoara + "/backoffice/")

    # Then it is refused, with the reason and a way to their own back office
    assert response.status == 403
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    expect(main).to_contain_text("Your account is not on the staff of")
    expect(main.get_by_role("link", name=BOTOSANI_EN)).to_have_attribute(
        "href", sites.botosani + "/backoffice/"
    )
    seen.append(page.content())

    # And so is its departments page
    response = visit(page, sites.timisoara + "/backoffice/departments/")
    assert response.status == 403
    seen.append(page.content())

    # When they call Timișoara's departments API with their session
    response = visit(page, sites.timisoara + DEPARTMENTS_API)

    # Then it is refused as well, in JSON
    assert response.status == 403
    assert response.headers["content-type"].startswith("application/json")
    assert json.loads(response.text()) == {
        "detail": "You are not on the staff of this municipality."
    }
    seen.append(response.text())

    # And nothing they saw showed Timișoara's departments or staff
    for content in seen:
        assert TIMISOARA_DEPARTMENT not in content
        assert timisoara_admin.user.email not in content
