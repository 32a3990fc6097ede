"""Schemathesis against the served OpenAPI schema, in-process through the WSGI app.

Every operation of ``/api/schema/`` gets generated requests, anonymous and with a token of
an administrator who also has the plans module, and each answer must be one the schema
declares: status code, content type, body schema, and never a server error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from digiplace.core import services
from digiplace.core.models import Municipality, StaffMembership, StaffRole
from digiplace.core.notifications import notification_send
from digiplace.core.tests.factories import (
    DepartmentFactory,
    StaffMembershipFactory,
    UserFactory,
)
from digiplace.plans.tests.factories import (
    ActivityFactory,
    KpiFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
)
from digiplace.reports.models import AttributeDatatype
from digiplace.reports.tests.factories import (
    CategoryAttributeFactory,
    CategoryFactory,
    ReportFactory,
)

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

HOST = "botosani.localhost"
# Generated requests per operation and identity: about 900 in all, about a minute.
EXAMPLES_PER_OPERATION = 20
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PATH_PARAMETER = re.compile(r"{(\w+)}")


@dataclass
class Run:
    """What one pass over the schema sent and which distinct failures it saw."""

    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def record(self, label: str, group: FailureGroup) -> None:
        for failure in group.exceptions:
            first_line = failure.message.strip().splitlines()[0] if failure.message else ""
            key = f"{label}: {failure.title}: {first_line}"
            self.failures.setdefault(key, failure.message[:600])

    def summary(self, identity: str, started: float) -> str:
        seconds = time.monotonic() - started
        return f"{identity}: {self.cases} cases, {len(self.failures)} failures in {seconds:.0f} s"

    def report(self) -> str:
        return "\n\n".join(f"{key}\n{message}" for key, message in sorted(self.failures.items()))


def _fuzz(
    schema: Any,
    *,
    run: Run,
    known_path_values: dict[str, str],
    headers: dict[str, str],
    before_each: Callable[[], None] = lambda: None,
) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        names = PATH_PARAMETER.findall(operation.path)
        strategy = operation.as_strategy()
        if names and all(name in known_path_values for name in names):
            # Half the cases reach real objects, so the code behind the 404 runs too.
            real = {name: known_path_values[name] for name in names}
            strategy = st.one_of(strategy, operation.as_strategy(path_parameters=real))

        _fuzz_operation(strategy, label=label, run=run, headers=headers, before_each=before_each)


def _fuzz_operation(
    strategy: st.SearchStrategy[Any],
    *,
    label: str,
    run: Run,
    headers: dict[str, str],
    before_each: Callable[[], None],
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        before_each()
        run.cases += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            run.record(label, group)

    send()


@pytest.fixture
def schema(botosani: Municipality) -> Iterator[Any]:
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), headers={"Host": HOST})
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def plans_admin(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="admin@botosani.example"),
        role=StaffRole.ADMIN,
        modules=["plans"],
    )


@pytest.fixture
def known_path_values(botosani: Municipality, plans_admin: StaffMembership) -> dict[str, str]:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="T1")
    project = ProjectFactory.create(municipality=botosani, pillar=pillar, key="1.1")
    ActivityFactory.create(municipality=botosani, project=project, number="1.1.1")
    KpiFactory.create(municipality=botosani, plan=plan, key="K-air")
    department = DepartmentFactory.create(municipality=botosani)
    category = CategoryFactory.create(municipality=botosani, service_code="pothole")
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="size",
        datatype=AttributeDatatype.SINGLE,
        values=[{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
    )
    report = ReportFactory.create(municipality=botosani, category=category)
    notification = notification_send(
        recipient=plans_admin.user, kind="test", subject="Hello", body="", url="/"
    )
    assert notification is not None
    return {
        "slug": botosani.slug,
        "plan_key": plan.key,
        "project_key": "1.1",
        "kpi_key": "K-air",
        "department_id": str(department.pk),
        "notification_id": str(notification.pk),
        "service_code": category.service_code,
        "service_request_id": str(report.pk),
        "token": str(report.token),
        "format": "json",
    }


def test_anonymous_answers_conform_to_the_schema(
    schema: Any, known_path_values: dict[str, str]
) -> None:
    run = Run()
    started = time.monotonic()

    _fuzz(schema, run=run, known_path_values=known_path_values, headers={"Host": HOST})

    print(run.summary("anonymous", started))
    assert run.cases > 0
    assert run.failures == {}, run.report()


def test_answers_with_a_token_conform_to_the_schema(
    schema: Any, known_path_values: dict[str, str], plans_admin: StaffMembership
) -> None:
    headers = {"Host": HOST}
    run = Run()
    started = time.monotonic()

    def token_kept() -> None:
        # The revoke operation is fuzzed too: the next case gets a token again.
        token = services.api_token_create(user=plans_admin.user)
        headers["Authorization"] = f"Token {token.key}"

    _fuzz(
        schema,
        run=run,
        known_path_values=known_path_values,
        headers=headers,
        before_each=token_kept,
    )

    print(run.summary("token", started))
    assert run.cases > 0
    assert run.failures == {}, run.report()
