"""The NGO registry's public side: registration (CUI checks, duplicates, accounts, rate
limit, staff notified), the directory of verified organisations and its filters, an
organisation's page with its links to the plans, a person's registrations, and the request
to join a working group."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import Municipality, Notification, StaffMembership, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import (
    Organisation,
    OrganisationField,
    OrganisationLinkKind,
    OrganisationStatus,
)
from digiplace.participation.services.organisations import MAX_REGISTRATIONS_PER_DAY
from digiplace.participation.tests.factories_organisations import (
    OrganisationFactory,
    OrganisationLinkFactory,
    cui_valid,
    cui_wrong,
)
from digiplace.plans import links as plans_links
from digiplace.plans.models import Project, WorkingGroup
from digiplace.plans.tests.factories import PlanFactory, ProjectFactory, WorkingGroupFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
LIST = "/participation/organisations/"
REGISTER = "/participation/organisations/register/"
MINE = "/participation/organisations/mine/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plans_links() -> None:
    # The plans module registers its link kinds when it starts; registering again is harmless
    # and makes the dependency explicit.
    plans_links.register()


@pytest.fixture
def participation_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="participare@botosani.example", preferred_language="en"),
        modules=["participation"],
    )


@pytest.fixture
def signed_in(resident: User, client: Client) -> Client:
    client.force_login(resident)
    client.cookies["digiplace_language"] = "en"
    return client


def _form(**values: str) -> dict[str, str]:
    data = {
        "name": "Asociația Tinerilor Activi",
        "cui": "RO 410000000",
        "field": OrganisationField.EDUCATION,
        "description": "Voluntariat pentru tineri.",
        "contact_email": "Contact@Tineri.example",
        "contact_phone": "0231 111 222",
        "website": "https://tineri.example",
    }
    data.update(values)
    return data


# Registration


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_written(
    botosani: Municipality, client: Client
) -> None:
    page = client.get(REGISTER, HTTP_HOST=BOTOSANI)
    sent = client.post(REGISTER, _form(), HTTP_HOST=BOTOSANI)

    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert sent.status_code == 302 and "/accounts/login/" in sent["Location"]
    assert Organisation.objects.count() == 0


def test_an_account_with_an_unconfirmed_email_is_refused(
    botosani: Municipality, client: Client
) -> None:
    person = UserFactory.create(email="new@example.org", email_confirmed_at=None)
    client.force_login(person)
    client.cookies["digiplace_language"] = "en"

    page = client.get(REGISTER, HTTP_HOST=BOTOSANI)
    sent = client.post(REGISTER, _form(), HTTP_HOST=BOTOSANI)

    assert page.status_code == 403
    assert "Confirm your email address first" in page.content.decode()
    assert sent.status_code == 403
    assert Organisation.objects.count() == 0


def test_registration_stores_the_cui_digits_waits_for_verification_and_notifies_staff(
    botosani: Municipality,
    timisoara: Municipality,
    resident: User,
    participation_staff: StaffMembership,
    botosani_staff: StaffMembership,
    botosani_admin: StaffMembership,
    timisoara_admin: StaffMembership,
    signed_in: Client,
) -> None:
    signed_in.cookies["digiplace_language"] = "ro"

    response = signed_in.post(REGISTER, _form(), HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert response["Location"] == MINE
    organisation = Organisation.objects.get()
    assert organisation.cui == "410000000"
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.municipality == botosani
    assert organisation.created_by == resident
    assert organisation.contact_email == "contact@tineri.example"
    notified = Notification.objects.filter(kind="participation.organisation_registered")
    # Staff with the participation module and the city's administrator; not staff without
    # the module, nor another city's administrator.
    assert sorted(notification.recipient.email for notification in notified) == [
        "admin@botosani.example",
        "participare@botosani.example",
    ]
    # Written in the recipient's language, whatever the page's.
    in_english = notified.get(recipient=participation_staff.user)
    assert in_english.language == "en"
    assert in_english.subject == "New organisation to verify: Asociația Tinerilor Activi"
    assert in_english.url == f"/backoffice/participation/organisations/{organisation.pk}/"
    assert in_english.municipality == botosani


@pytest.mark.parametrize(
    ("cui", "message"),
    [
        (cui_wrong("41000000"), "Ultima cifră a acestui CUI nu se potrivește cu celelalte"),
        ("RO41A0000", "Un CUI (cod fiscal) conține numai cifre, precedate opțional de RO."),
        ("12345678901", "Un CUI are între 2 și 10 cifre; acesta are 11."),
        ("", "Acest câmp este obligatoriu."),
    ],
    ids=["wrong-control-digit", "letters", "too-long", "empty"],
)
def test_an_invalid_cui_is_refused_in_the_page_language_and_nothing_is_written(
    cui: str,
    message: str,
    botosani: Municipality,
    participation_staff: StaffMembership,
    signed_in: Client,
) -> None:
    signed_in.cookies["digiplace_language"] = "ro"

    response = signed_in.post(REGISTER, _form(cui=cui), HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organisation.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_cui_already_registered_in_the_city_is_refused_with_a_clear_message(
    botosani: Municipality, timisoara: Municipality, signed_in: Client
) -> None:
    OrganisationFactory.create(municipality=botosani, cui="410000000")

    response = signed_in.post(REGISTER, _form(cui="RO410000000"), HTTP_HOST=BOTOSANI)
    elsewhere = signed_in.post(REGISTER, _form(cui="410000000"), HTTP_HOST=TIMISOARA)

    assert response.status_code == 400
    assert (
        "An organisation with this fiscal code is already registered in this city."
        in response.content.decode()
    )
    assert Organisation.objects.filter(municipality=botosani).count() == 1
    # The same fiscal code is free in another city.
    assert elsewhere.status_code == 302
    assert Organisation.objects.filter(municipality=timisoara, cui="410000000").count() == 1


def test_other_bad_fields_are_refused_with_their_messages(
    botosani: Municipality, signed_in: Client
) -> None:
    response = signed_in.post(
        REGISTER,
        _form(name="", contact_email="not-an-email", field="astrology"),
        HTTP_HOST=BOTOSANI,
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in content
    assert "Enter a valid email address." in content
    assert "Select a valid choice. astrology is not one of the available choices." in content
    assert Organisation.objects.count() == 0


def test_registrations_are_rate_limited_per_person(
    botosani: Municipality, signed_in: Client
) -> None:
    for number in range(MAX_REGISTRATIONS_PER_DAY):
        accepted = signed_in.post(
            REGISTER,
            _form(name=f"Asociația {number}", cui=cui_valid(str(42000000 + number))),
            HTTP_HOST=BOTOSANI,
        )
        assert accepted.status_code == 302

    refused = signed_in.post(
        REGISTER, _form(name="Una prea multe", cui=cui_valid("42000099")), HTTP_HOST=BOTOSANI
    )

    assert refused.status_code == 429
    assert "You have registered 3 organisations in the last day" in refused.content.decode()
    assert Organisation.objects.count() == MAX_REGISTRATIONS_PER_DAY


# The directory


def test_the_directory_lists_only_the_city_s_verified_organisations(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    OrganisationFactory.create(municipality=botosani, name="Verificată")
    OrganisationFactory.create(
        municipality=botosani, name="În așteptare", status=OrganisationStatus.PENDING
    )
    OrganisationFactory.create(
        municipality=botosani, name="Respinsă", status=OrganisationStatus.REJECTED
    )
    OrganisationFactory.create(municipality=timisoara, name="Din Timișoara")

    content = client.get(LIST, HTTP_HOST=BOTOSANI).content.decode()

    assert "Verificată" in content
    assert "În așteptare" not in content
    assert "Respinsă" not in content
    assert "Din Timișoara" not in content


def test_each_card_shows_the_organisation_s_public_details(
    botosani: Municipality, client: Client
) -> None:
    OrganisationFactory.create(
        municipality=botosani,
        name="Eco Botoșani",
        cui="410000000",
        field=OrganisationField.ENVIRONMENT,
        description="Plantăm copaci.",
        contact_email="salut@eco.example",
        website="https://eco.example",
    )
    client.cookies["digiplace_language"] = "en"

    content = client.get(LIST, HTTP_HOST=BOTOSANI).content.decode()

    for text in (
        "Eco Botoșani",
        "410000000",
        "Environment",
        "Plantăm copaci.",
        "mailto:salut@eco.example",
        "https://eco.example",
    ):
        assert text in content


def test_the_directory_filters_by_field_and_by_words(
    botosani: Municipality, client: Client
) -> None:
    OrganisationFactory.create(
        municipality=botosani, name="Verde", field=OrganisationField.ENVIRONMENT
    )
    OrganisationFactory.create(
        municipality=botosani,
        name="Cod pentru Botoșani",
        field=OrganisationField.DIGITAL,
        description="Tehnologie civică și date deschise.",
    )
    OrganisationFactory.create(
        municipality=botosani, name="Sprijin", field=OrganisationField.SOCIAL
    )

    by_field = client.get(LIST, {"field": "environment"}, HTTP_HOST=BOTOSANI).content.decode()
    by_words = client.get(LIST, {"q": "date deschise"}, HTTP_HOST=BOTOSANI).content.decode()
    both = client.get(LIST, {"q": "date", "field": "social"}, HTTP_HOST=BOTOSANI).content.decode()

    assert "Verde" in by_field and "Cod pentru" not in by_field and "Sprijin" not in by_field
    assert "Cod pentru Botoșani" in by_words and "Verde" not in by_words
    assert "Cod pentru" not in both and "Sprijin" not in both


def test_htmx_filtering_returns_only_the_results(botosani: Municipality, client: Client) -> None:
    OrganisationFactory.create(municipality=botosani, name="Verde", field="environment")
    OrganisationFactory.create(municipality=botosani, name="Sprijin", field="social")

    response = client.get(LIST, {"field": "social"}, HTTP_HOST=BOTOSANI, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Sprijin" in content and "Verde" not in content
    assert "HX-Request" in response["Vary"]


def test_an_unknown_field_is_a_clear_error(botosani: Municipality, client: Client) -> None:
    client.cookies["digiplace_language"] = "en"

    response = client.get(LIST, {"field": "astrology"}, HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert "astrology is not one of the available choices" in response.content.decode()


def test_the_directory_is_paginated(botosani: Municipality, client: Client) -> None:
    for number in range(23):
        OrganisationFactory.create(municipality=botosani, name=f"Org {number:02d}")

    first = client.get(LIST, HTTP_HOST=BOTOSANI).content.decode()
    second = client.get(LIST, {"page": "2"}, HTTP_HOST=BOTOSANI).content.decode()

    assert "Org 00" in first and "Org 19" in first and "Org 20" not in first
    assert "Org 20" in second and "Org 22" in second and "Org 00" not in second


def test_public_pages_show_nothing_of_the_person_who_registered(
    botosani: Municipality, client: Client
) -> None:
    person = UserFactory.create(email="ion.ionescu@personal.example", full_name="Ion Ionescu")
    organisation = OrganisationFactory.create(municipality=botosani, created_by=person)

    pages = [
        client.get(LIST, HTTP_HOST=BOTOSANI).content.decode(),
        client.get(f"{LIST}{organisation.pk}/", HTTP_HOST=BOTOSANI).content.decode(),
    ]

    for content in pages:
        assert organisation.name in content
        assert "ion.ionescu@personal.example" not in content
        assert "Ion Ionescu" not in content
        assert organisation.contact_phone not in content


# An organisation's page


@pytest.fixture
def plan_records(botosani: Municipality) -> tuple[WorkingGroup, Project]:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    group = WorkingGroupFactory.create(
        municipality=botosani,
        plan=plan,
        key="monitoring-wg",
        name_ro="Grupul de monitorizare",
        name_en="Monitoring working group",
    )
    project = ProjectFactory.create(
        municipality=botosani,
        pillar__plan=plan,
        pillar__municipality=botosani,
        key="1.2",
        title_ro="Autobuze electrice",
        title_en="Electric buses",
    )
    return group, project


def test_the_page_lists_working_groups_and_projects_through_the_link_registry(
    botosani: Municipality, plan_records: tuple[WorkingGroup, Project], client: Client
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani)
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=organisation,
        kind=OrganisationLinkKind.WORKING_GROUP,
        target_ref="plans.working_group:iap/monitoring-wg",
    )
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=organisation,
        kind=OrganisationLinkKind.LOCAL_ACTOR,
        target_ref="plans.project:iap/1.2",
    )
    # A link to a record that is gone shows nothing (and no error).
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=organisation,
        kind=OrganisationLinkKind.LOCAL_ACTOR,
        target_ref="plans.project:iap/9.9",
    )

    response = client.get(f"{LIST}{organisation.pk}/", HTTP_HOST=BOTOSANI)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Grupul de monitorizare" in content
    assert "/plans/iap/#governance" in content
    assert "Autobuze electrice" in content
    assert "/plans/iap/projects/1.2/" in content
    assert "9.9" not in content


@pytest.mark.parametrize("status", [OrganisationStatus.PENDING, OrganisationStatus.REJECTED])
def test_an_unverified_organisation_has_no_public_page(
    status: str, botosani: Municipality, client: Client
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani, status=status)

    assert client.get(f"{LIST}{organisation.pk}/", HTTP_HOST=BOTOSANI).status_code == 404


def test_another_city_s_organisation_is_not_found(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    organisation = OrganisationFactory.create(municipality=timisoara)

    assert client.get(f"{LIST}{organisation.pk}/", HTTP_HOST=BOTOSANI).status_code == 404
    assert client.get(f"{LIST}{organisation.pk}/", HTTP_HOST=TIMISOARA).status_code == 200


# A person's registrations


def test_my_organisations_show_their_status_and_the_city_s_note(
    botosani: Municipality, resident: User, signed_in: Client
) -> None:
    OrganisationFactory.create(
        municipality=botosani, created_by=resident, name="Prima", status="pending"
    )
    OrganisationFactory.create(
        municipality=botosani,
        created_by=resident,
        name="A doua",
        status=OrganisationStatus.REJECTED,
        review_note="Codul fiscal este al altei organizații.",
    )
    OrganisationFactory.create(municipality=botosani, name="A altcuiva")

    content = signed_in.get(MINE, HTTP_HOST=BOTOSANI).content.decode()

    assert "Prima" in content and "Waiting for verification" in content
    assert "A doua" in content and "Not verified" in content
    assert "Codul fiscal este al altei organizații." in content
    assert "A altcuiva" not in content


def test_my_organisations_needs_an_account(botosani: Municipality, client: Client) -> None:
    response = client.get(MINE, HTTP_HOST=BOTOSANI)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Asking to join a working group


def test_the_registrant_asks_to_join_a_working_group_and_staff_are_notified(
    botosani: Municipality,
    resident: User,
    participation_staff: StaffMembership,
    plan_records: tuple[WorkingGroup, Project],
    signed_in: Client,
) -> None:
    organisation = OrganisationFactory.create(
        municipality=botosani, created_by=resident, name="Eco Botoșani"
    )
    detail = signed_in.get(f"{LIST}{organisation.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    form = signed_in.get(f"{LIST}{organisation.pk}/join/", HTTP_HOST=BOTOSANI)

    response = signed_in.post(
        f"{LIST}{organisation.pk}/join/",
        {"target": "plans.working_group:iap/monitoring-wg", "message": "Avem experiență."},
        HTTP_HOST=BOTOSANI,
    )

    assert "Join a working group" in detail
    assert "Monitoring working group" in form.content.decode()
    assert response.status_code == 302
    notification = Notification.objects.get(kind="participation.organisation_join_request")
    assert notification.recipient == participation_staff.user
    assert "Eco Botoșani" in notification.body
    assert "Monitoring working group" in notification.body
    assert "Avem experiență." in notification.body
    # Staff add the link; the request itself links nothing.
    assert organisation.links.count() == 0


def test_only_the_registrant_of_a_verified_organisation_may_ask(
    botosani: Municipality,
    resident: User,
    plan_records: tuple[WorkingGroup, Project],
    signed_in: Client,
    client: Client,
) -> None:
    someone_elses = OrganisationFactory.create(municipality=botosani)
    pending = OrganisationFactory.create(
        municipality=botosani, created_by=resident, status=OrganisationStatus.PENDING
    )
    data = {"target": "plans.working_group:iap/monitoring-wg"}

    responses = [
        signed_in.post(f"{LIST}{someone_elses.pk}/join/", data, HTTP_HOST=BOTOSANI).status_code,
        signed_in.post(f"{LIST}{pending.pk}/join/", data, HTTP_HOST=BOTOSANI).status_code,
    ]
    detail = signed_in.get(f"{LIST}{someone_elses.pk}/", HTTP_HOST=BOTOSANI).content.decode()

    assert responses == [404, 404]
    assert "Join a working group" not in detail
    assert Notification.objects.count() == 0


def test_a_group_that_is_not_offered_is_refused(
    botosani: Municipality,
    timisoara: Municipality,
    resident: User,
    participation_staff: StaffMembership,
    plan_records: tuple[WorkingGroup, Project],
    signed_in: Client,
) -> None:
    organisation = OrganisationFactory.create(municipality=botosani, created_by=resident)
    other_plan = PlanFactory.create(municipality=timisoara, key="smart")
    WorkingGroupFactory.create(municipality=timisoara, plan=other_plan, key="pt-a1")
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=organisation,
        target_ref="plans.working_group:iap/monitoring-wg",
    )

    already = signed_in.post(
        f"{LIST}{organisation.pk}/join/",
        {"target": "plans.working_group:iap/monitoring-wg"},
        HTTP_HOST=BOTOSANI,
    )
    other_city = signed_in.post(
        f"{LIST}{organisation.pk}/join/",
        {"target": "plans.working_group:smart/pt-a1"},
        HTTP_HOST=BOTOSANI,
    )

    assert already.status_code == 400 and other_city.status_code == 400
    assert "Select a valid choice." in other_city.content.decode()
    assert "There is no working group the organisation could join now." not in (
        already.content.decode()
    )
    assert Notification.objects.count() == 0


# Cost


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HOST=BOTOSANI).status_code == 200
    return len(captured)


def test_the_directory_and_a_page_cost_the_same_queries_however_many_records(
    botosani: Municipality, plan_records: tuple[WorkingGroup, Project], client: Client
) -> None:
    first = OrganisationFactory.create(municipality=botosani)
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=first,
        target_ref="plans.working_group:iap/monitoring-wg",
    )
    _queries(client, f"{LIST}?warm=1")  # the first request reads the city, versions, catalogue
    few_list = _queries(client, f"{LIST}?try=1")
    few_page = _queries(client, f"{LIST}{first.pk}/?try=1")
    for _number in range(15):
        OrganisationFactory.create(municipality=botosani, field=OrganisationField.SOCIAL)
    OrganisationLinkFactory.create(
        municipality=botosani,
        organisation=first,
        kind=OrganisationLinkKind.LOCAL_ACTOR,
        target_ref="plans.project:iap/1.2",
    )
    _queries(client, f"{LIST}?warm=2")  # new versions after the writes: read once
    many_list = _queries(client, f"{LIST}?try=2")
    many_page = _queries(client, f"{LIST}{first.pk}/?try=2")

    assert many_list == few_list
    assert many_page <= few_page + 1  # one more kind of link: one more resolve query
