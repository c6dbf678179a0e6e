"""The OpenAPI schema matches the responses (issue 10 item 3): schemathesis generates requests from
``/api/schema/`` for every operation, for several roles, and checks each response — no server
error, a documented status, the documented content type and body schema.

Bounded and deterministic: a fixed number of examples per operation (``EXAMPLES``), derandomised,
no example database, one demo county.
"""
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

pytestmark = pytest.mark.django_db
EXAMPLES = 3
ROLES = ["inspector", "township_nanzhao", "discipline", "leader", "auditor"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """The app is called through WSGI in this process: keep the test's connection open between
    requests, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _fuzz(operation, role, headers, failures, calls):
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        calls[0] += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
            detail = "; ".join(" / ".join(str(e).splitlines()[:6]) for e in getattr(exc, "exceptions", [exc])[:1])
            failures.append(f"{role} {operation.label}: {detail[:300]}")

    run()


def test_schema_matches_the_responses_for_every_operation_and_role(users, keep_connection):
    call_command("seed_demo", quiet_logins=True, stdout=open("/dev/null", "w"))
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    failures, calls = [], [0]
    for role in ROLES:
        headers = {"Authorization": f"Token {Token.objects.get_or_create(user=users[role])[0].key}"}
        for operation in operations:
            _fuzz(operation, role, headers, failures, calls)
    assert calls[0] >= len(operations) * len(ROLES)
    kinds = Counter(f.split(" ", 1)[1] for f in failures)
    assert not failures, f"{len(failures)} of {calls[0]} calls failed:\n" + "\n".join(
        f"{n} × {kind}" for kind, n in kinds.most_common())
