"""Two heads approve the same proposal at once: one wins, the other gets 409 (PostgreSQL row lock)."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.concurrency import at_once
from workflows.cases.models import Case

from .conftest import fire, register


def _race(pk, name, actors, data):
    clients = []
    for actor in actors:
        client = APIClient()
        client.force_authenticate(actor)
        clients.append(client)
    outcomes = at_once(*[lambda c=c: c.post(f"/api/v1/cases/{pk}/transitions/{name}/", data, format="json")
                         for c in clients])
    return sorted(o.status_code for o in outcomes)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_heads_approve_at_once(users, townships):
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "verification"})
    assert _race(case.pk, "approve", [users["discipline_head"], users["discipline_head2"]],
                 {"comment": "同意"}) == [200, 409]
    case = Case.objects.get(pk=case.pk)
    assert case.state == "verification" and not case.pending_kind
    assert case.history.filter(transition="approve").count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_approve_races_reject(users, townships):
    case = fire(register(users, townships), "propose_disposition",
                users["discipline"], {"target": "inquiry"})
    def post(actor, name):
        client = APIClient()
        client.force_authenticate(actor)
        return lambda: client.post(f"/api/v1/cases/{case.pk}/transitions/{name}/", {"comment": "意见"},
                                   format="json").status_code

    results = at_once(post(users["discipline_head"], "approve"), post(users["discipline_head2"], "reject_proposal"))
    assert sorted(results) == [200, 409]
    assert Case.objects.get(pk=case.pk).history.filter(transition__in=["approve", "reject_proposal"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_second_approval_is_a_conflict_everywhere(api, users, townships):
    """On SQLite too: whoever comes second (or from a stale page) gets 409, nothing written twice."""
    case = fire(register(users, townships), "propose_disposition", users["discipline"], {"target": "verification"})
    url = f"/api/v1/cases/{case.pk}/transitions/approve/"
    assert api(users["discipline_head"]).post(url, {"comment": "同意"}, format="json").status_code == 200
    assert api(users["discipline_head2"]).post(url, {"comment": "同意"}, format="json").status_code == 409
    assert Case.objects.get(pk=case.pk).history.filter(transition="approve").count() == 1
