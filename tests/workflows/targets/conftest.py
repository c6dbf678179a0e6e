import datetime as dt

import pytest
from django.utils import timezone

from supervision.models import Region
from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from workflows.targets import services

TODAY = timezone.localdate()
YEAR = TODAY.year


def village(townships, pinyin="nanzhao", index=0):
    """The index-th village of a township (demo: index 0, 3, 6 are poor villages)."""
    return Region.objects.filter(parent=townships[pinyin], level=Region.Level.VILLAGE).order_by("code")[index]


def create(user, key, **data):
    return services.record_create(actor=user, key=key, data={k: v for k, v in data.items() if v is not None})


def reserve_data(v, **extra):
    return {
        "village": v.pk,
        "name": "李明",
        "gender": "male",
        "birth_date": "1992-05-01",
        "education": "college",
        "background": "graduate",
        "entered_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        **extra,
    }


MAKERS = {
    "reserve-cadres": lambda v: reserve_data(v),
    "villager-groups": lambda v: {"village": v.pk, "name": "一组", "party_members": 3},
    "incomes": lambda v: {"village": v.pk, "year": YEAR, "amount": "21000"},
    "village-cadres": lambda v: {"village": v.pk, "name": "王红", "post": "secretary", "started_on": "2024-01-10"},
    "talents": lambda v: {
        "village": v.pk,
        "talent_name": "赵农艺",
        "unit": "县农业农村局",
        "specialty": "核桃",
        "started_on": "2026-02-01" if YEAR >= 2026 else f"{YEAR}-01-01",
    },
    "households": lambda v: {"village": v.pk, "household_no": f"{v.code}0001", "head_name": "罗某", "members": 4},
}


@pytest.fixture
def make(users, townships):
    """make(key, user="township_nanzhao", **overrides) → a row in 南诏镇's first (poor) village."""

    def _make(key, user="township_nanzhao", v=None, **overrides):
        v = v or village(townships)
        if key in MAKERS:
            data = {**MAKERS[key](v), **overrides}
        elif key == "trainings":
            data = {
                "level": "township",
                "township": v.parent_id,
                "title": "村级后备力量培训班",
                "start_date": TODAY.isoformat(),
                "end_date": TODAY.isoformat(),
                **overrides,
            }
        elif key == "aid-pairings":
            data = {
                "kind": "leader",
                "village": v.pk,
                "helper_name": "王县长",
                "helper_unit": "县人民政府",
                "started_on": (TODAY - dt.timedelta(days=10)).isoformat(),
                **overrides,
            }
        elif key == "shops":
            data = {"township": v.parent_id, "name": "党建+电商服务站", "operator": "鸡碧村党总支", **overrides}
        else:
            raise KeyError(key)
        if key == "households" and user == "township_nanzhao":
            user = "organization"
        return create(users[user], key, **data)

    return _make
