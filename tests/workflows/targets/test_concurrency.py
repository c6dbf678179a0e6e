"""Concurrent writers (PostgreSQL): the constraint and the village lock decide, never a 500."""
import pytest
from django.db import connection

from supervision.errors import ValidationError
from tests.concurrency import at_once
from workflows.targets import services
from workflows.targets.models import CollectiveIncome, VillagerGroup

from .conftest import YEAR, village

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def test_one_income_per_village_and_year_under_a_race(users, townships):
    v = village(townships)
    outcomes = at_once(*[
        lambda who=who: services.record_create(actor=users[who], key="incomes",
                                               data={"village": v.pk, "year": YEAR, "amount": "20000"})
        for who in ("township_nanzhao", "organization")])
    kinds = sorted("400" if isinstance(o, ValidationError) else "ok" if not isinstance(o, Exception) else repr(o)
                   for o in outcomes)
    assert kinds == ["400", "ok"]
    refused = next(o for o in outcomes if isinstance(o, ValidationError))
    assert refused.message_dict == {"year": ["该村该年度的集体经济收入已填报，请修改原记录。"]}
    assert CollectiveIncome.objects.filter(village=v, year=YEAR).count() == 1


def test_two_groups_at_once_get_consecutive_codes(users, townships):
    v = village(townships)
    outcomes = at_once(*[
        lambda name=name: services.record_create(actor=users["township_nanzhao"], key="villager-groups",
                                                 data={"village": v.pk, "name": name, "party_members": 2})
        for name in ("一组", "二组")])
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(VillagerGroup.objects.filter(village=v).values_list("region__code", flat=True)) == [
        f"{v.code}001", f"{v.code}002"]
