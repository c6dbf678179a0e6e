"""Two heads approve the same proposal at once: one wins, the other gets 409 (PostgreSQL row lock)."""
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from workflows.cases.models import Case

from .conftest import fire, register


def _race(pk, name, actors, data):
    barrier = threading.Barrier(len(actors))
    results = []

    def post(actor):
        client = APIClient()
        client.force_authenticate(actor)
        try:
            barrier.wait()
            r = client.post(f"/api/v1/cases/{pk}/transitions/{name}/", data, format="json")
            results.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)


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
    barrier = threading.Barrier(2)
    results = []

    def post(actor, name):
        client = APIClient()
        client.force_authenticate(actor)
        try:
            barrier.wait()
            results.append(client.post(f"/api/v1/cases/{case.pk}/transitions/{name}/", {"comment": "意见"},
                                       format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(users["discipline_head"], "approve")),
               threading.Thread(target=post, args=(users["discipline_head2"], "reject_proposal"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
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
