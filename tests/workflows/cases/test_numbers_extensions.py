"""Yearly case numbers from a race-safe counter, and limited extensions approved by another."""
import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from supervision.errors import Conflict, PermissionDenied
from tests.concurrency import at_once
from workflows.cases.models import Case, CaseCounter
from workflows.cases.services import case_number_take

from .conftest import advance, fire, register


@pytest.mark.django_db
def test_numbers_run_per_year(users, townships, settings):
    today = timezone.localdate()
    if today.month == 1 and today.day < 3:
        pytest.skip("needs two earlier days of this year")
    # A clue received on paper last December, entered now (within the back-dating window whatever today is).
    settings.CASES = {"BACKDATE_MAX_DAYS": 400}
    last_year = today.replace(year=today.year - 1, month=12, day=31)
    a = register(users, townships, received_on=today - dt.timedelta(days=1))
    b = register(users, townships)
    c = register(users, townships, received_on=last_year)
    base = Case.objects.filter(number_year=today.year).exclude(pk__in=[a.pk, b.pk]).count()
    assert (a.number_seq, b.number_seq) == (base + 1, base + 2)
    assert c.number_year == today.year - 1 and c.number == f"巍纪〔{today.year - 1}〕{c.number_seq}号"
    assert a.number == f"巍纪〔{today.year}〕{base + 1}号"


@pytest.mark.django_db
def test_two_in_2026_and_one_in_2027_get_1_2_1():
    assert [case_number_take(year=y)[1] for y in (2031, 2031, 2032)] == [1, 2, 1]
    assert case_number_take(year=2031)[2] == "巍纪〔2031〕3号"


@pytest.mark.django_db
def test_counter_starts_after_the_highest_number_used(users, townships):
    """Numbers given before the counter existed (the data migration stored them) are kept."""
    case = register(users, townships)
    Case.objects.filter(pk=case.pk).update(number_year=2035, number_seq=41, number="巍纪〔2035〕41号")
    CaseCounter.objects.filter(year=2035).delete()
    assert case_number_take(year=2035)[1] == 42


@pytest.mark.django_db
def test_a_number_never_changes(users, townships):
    case = register(users, townships)
    number = case.number
    case = fire(fire(case, "propose_disposition", users["discipline"], {"target": "inquiry"}), "approve",
                users["discipline_head"])
    assert Case.objects.get(pk=case.pk).number == number
    assert Case.objects.filter(number=number).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_intakes_get_ten_consecutive_numbers(users, townships):
    from rest_framework.test import APIClient

    def intake(i):
        client = APIClient()
        client.force_authenticate(users["discipline"])
        return lambda: client.post("/api/v1/cases/", {"source": "petition", "category": "other",
                                                      "description": f"并发登记 {i}", "reporter_anonymous": True},
                                   format="json").status_code

    assert at_once(*[intake(i) for i in range(10)]) == [201] * 10
    seqs = sorted(Case.objects.filter(description__startswith="并发登记").values_list("number_seq", flat=True))
    assert len(set(seqs)) == 10 and seqs == list(range(seqs[0], seqs[0] + 10))


# --- extensions ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_second_verification_extension_is_refused(api, users, townships):
    case = advance(register(users, townships), users, "verification")
    case = fire(fire(case, "propose_extension", users["discipline"]), "approve", users["discipline_head"])
    assert case.verification_extensions == 1
    r = api(users["discipline"]).post(f"/api/v1/cases/{case.pk}/transitions/propose_extension/",
                                      {"comment": "再延一个月"}, format="json")
    assert r.status_code == 409 and "延期次数已用完" in r.json()["detail"]
    assert "propose_extension" not in api(users["discipline"]).get(
        f"/api/v1/cases/{case.pk}/").json()["available_transitions"]


@pytest.mark.django_db
def test_second_investigation_extension_needs_the_principal_head(api, users, townships):
    case = advance(register(users, townships), users, "investigating")
    case = fire(fire(case, "propose_extension", users["discipline"], {"days": 60}), "approve",
                users["discipline_head"])
    assert case.investigation_extensions == 1
    case = fire(case, "propose_extension", users["discipline"], {"days": 30})
    for head in ("discipline_head", "discipline_head2"):
        with pytest.raises(PermissionDenied):
            fire(case, "approve", users[head])
    before = case.investigation_due
    case = fire(case, "approve", users["discipline_principal"])
    assert case.investigation_extensions == 2 and case.investigation_due > before
    with pytest.raises(Conflict):
        fire(case, "propose_extension", users["discipline"], {"days": 10})


@pytest.mark.django_db
def test_the_principal_cannot_approve_their_own_extension(users, townships):
    from supervision.models import RoleAssignment, User

    principal = users["discipline_principal"]
    RoleAssignment.objects.create(user=principal, role="discipline")
    principal = User.objects.get(pk=principal.pk)
    case = advance(register(users, townships), users, "investigating")
    case = fire(fire(case, "propose_extension", users["discipline"], {"days": 60}), "approve",
                users["discipline_head"])
    case = fire(case, "propose_extension", principal, {"days": 30})
    with pytest.raises(PermissionDenied):
        fire(case, "approve", principal)


@pytest.mark.django_db
@override_settings(CASES={"EXTENSIONS": {"verification": ["head", "head", "principal"]}})
def test_extension_policy_is_a_setting(users, townships):
    case = advance(register(users, townships), users, "verification")
    for _ in range(2):
        case = fire(fire(case, "propose_extension", users["discipline"]), "approve", users["discipline_head"])
    case = fire(case, "propose_extension", users["discipline"])
    with pytest.raises(PermissionDenied):
        fire(case, "approve", users["discipline_head"])
    assert fire(case, "approve", users["discipline_principal"]).verification_extensions == 3
