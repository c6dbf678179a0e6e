"""Kernel pages and endpoints run a bounded number of queries whatever the row count."""
import pytest
from django.urls import reverse

from supervision import registry
from supervision.notify import notify
from supervision.transitions import run_transition
from tests.helpers import assert_max_queries
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def _rows(n, users, townships):
    for i in range(n):
        w = widget(townships["nanzhao"], title=f"事项{i}")
        if i % 2:
            run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    notify(recipients=[users["township_nanzhao"]] * 1, verb="t", message="m")
    for i in range(n):
        notify(recipients=[users["township_nanzhao"]], verb="t", message=f"通知{i}")


def _count(fn, limit, label):
    with assert_max_queries(limit, label) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [5, 120])
def test_bounded(n, users, townships, web, api):
    _rows(n, users, townships)
    township = web(users["township_nanzhao"])
    inspector = web(users["inspector"])
    auditor = web(users["auditor"])
    w = Widget.objects.first()
    pages = {
        "home(township)": (lambda: township.get(reverse("home")), 12),
        "home(inspector)": (lambda: inspector.get(reverse("home")), 12),
        "notifications": (lambda: township.get(reverse("notification-list")), 12),
        "feed": (lambda: township.get(reverse("notification-feed")), 8),
        "history": (lambda: inspector.get(reverse("record-history", args=["kernelflow.widget", w.pk])), 12),
        "api list": (lambda: api(users["inspector"]).get("/api/v1/widgets/"), 8),
        "api detail": (lambda: api(users["inspector"]).get(f"/api/v1/widgets/{w.pk}/"), 8),
        "api history": (lambda: api(users["inspector"]).get(f"/api/v1/widgets/{w.pk}/history/"), 8),
        "api me": (lambda: api(users["township_nanzhao"]).get("/api/v1/me/"), 5),
        # Two queries per registered record type (its history rows, then the records' names).
        "audit search": (lambda: auditor.get(reverse("audit-search")), 8 + 2 * len(registry.record_types())),
    }
    for name, (fn, limit) in pages.items():
        try:
            _count(fn, limit, name)
        except BaseException as exc:
            raise AssertionError(f"{name} with {n} rows: {exc}") from None
