"""Bounded queries on the board, its export and the registers, at 5 and at 500 villages."""

import datetime as dt
import decimal

import pytest

from supervision.models import Region
from supervision.transitions import save_with_history
from workflows.targets.models import CollectiveIncome, ReserveCadre, VillagerGroup

from .conftest import YEAR

BOUND = {"board": 24, "register": 18, "api": 16, "export": 16}


@pytest.fixture
def big_township(county, users):
    def make(n):
        town = Region(code="532927999", name="测试乡", pinyin="ceshi", level="township", parent=county)
        save_with_history(town, actor=users["admin"], reason="test")
        for i in range(n):
            v = Region(
                code=f"532927999{i:03d}", name=f"测试{i}村", level="village", parent=town, is_poor_village=i % 2 == 0
            )
            save_with_history(v, actor=users["admin"], reason="test")
            save_with_history(
                CollectiveIncome(village=v, year=YEAR, amount=decimal.Decimal(15000 + 20 * i)),
                actor=users["organization"],
                reason="test",
            )
            save_with_history(
                ReserveCadre(
                    village=v,
                    name=f"后备{i}",
                    gender="male",
                    birth_date=dt.date(1990, 1, 1),
                    education="college",
                    background="veteran",
                    entered_on=dt.date(YEAR, 1, 1),
                ),
                actor=users["organization"],
                reason="t",
            )
            g = Region(code=f"532927999{i:03d}001", name="一组", level="group", parent=v)
            save_with_history(g, actor=users["admin"], reason="test")
            save_with_history(
                VillagerGroup(region=g, village=v, name="一组", party_members=i % 3),
                actor=users["organization"],
                reason="test",
            )
        return town

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 500])
def test_bounded(n, big_township, users, web, api, django_assert_max_num_queries):
    town = big_township(n)
    client = web(users["inspector"])
    with django_assert_max_num_queries(BOUND["board"]):
        r = client.get(f"/targets/board/?year={YEAR}&township={town.pk}")
    assert r.status_code == 200 and r.content.decode().count('class="village-row') == n
    with django_assert_max_num_queries(BOUND["board"]):
        assert client.get(f"/targets/board/export.xlsx?year={YEAR}&township={town.pk}").status_code == 200
    with django_assert_max_num_queries(BOUND["board"]):
        assert client.get(f"/targets/board/data/?year={YEAR}&township={town.pk}").status_code == 200
    for key in ("incomes", "reserve-cadres", "villager-groups"):
        with django_assert_max_num_queries(BOUND["register"]):
            r = client.get(f"/targets/r/{key}/?township={town.pk}")
        assert r.status_code == 200 and r.content.decode().count("<tr data-id=") == min(n, 50)
        with django_assert_max_num_queries(BOUND["export"]):
            assert client.get(f"/targets/r/{key}/export.xlsx?township={town.pk}").status_code == 200
    for path in ("collective-incomes", "reserve-cadres", "villager-groups"):
        with django_assert_max_num_queries(BOUND["api"]):
            r = api(users["inspector"]).get(f"/api/v1/{path}/?township={town.pk}")
        assert r.status_code == 200 and r.json()["count"] == n
