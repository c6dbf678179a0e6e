"""Fixtures for the postings tests. Browser fixtures are re-exported from the shared harness."""
import datetime as dt

import pytest

from supervision.models import Region, Unit
from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from workflows.postings.models import Posting

from . import factories


@pytest.fixture
def units(county):
    """{name: Unit} for the demo dispatching units."""
    return {u.name: u for u in Unit.objects.filter(is_dispatching=True)}


@pytest.fixture
def villages(county):
    """{township pinyin: [villages]} in code order."""
    found = {}
    for v in Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent").order_by("code"):
        found.setdefault(v.parent.pinyin, []).append(v)
    return found


@pytest.fixture
def make_posting(users, villages, units):
    """make_posting(township="nanzhao", index=0, ...) → an active Posting (created directly)."""

    def make(township="nanzhao", index=0, **kw):
        if "village" not in kw:
            # One active first secretary per village is a database rule: the first village from
            # ``index`` on that has none (a team member once every village has one).
            ring = villages[township][index:] + villages[township][:index]
            taken = set(Posting.objects.filter(state="active", role="first_secretary", village__in=ring)
                        .values_list("village_id", flat=True))
            free = [v for v in ring if v.pk not in taken]
            kw["village"] = free[0] if free else ring[0]
            if not free and kw.get("role", "first_secretary") == "first_secretary":
                kw["role"] = "member"
        kw.setdefault("unit", units["县财政局"])
        kw.setdefault("actor", users["organization"])
        return factories.posting(**kw)

    return make


@pytest.fixture
def today():
    return dt.date.today()
