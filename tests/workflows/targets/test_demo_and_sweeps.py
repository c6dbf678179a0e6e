import datetime as dt
import io

import pytest
from django.utils import timezone

from supervision import registry
from supervision.models import Notification
from supervision.sweep import run_sweeps
from workflows.targets import evaluate
from workflows.targets.models import CollectiveIncome, ReserveCadre, VillagerGroup

from .conftest import YEAR, village


@pytest.mark.django_db
def test_seed_demo_shows_all_three_colours_and_is_idempotent(county, users):
    for name in ("postings", "targets"):
        registry.get_workflow(name).seed_demo(io.StringIO())
    counts = (
        VillagerGroup.objects.count(),
        ReserveCadre.objects.count(),
        CollectiveIncome.objects.count(),
        VillagerGroup.history.count(),
    )
    villages = county.children.model.objects.filter(level="village")
    assert set(VillagerGroup.objects.values_list("village", flat=True)) == set(villages.values_list("pk", flat=True))
    board = evaluate.board_for(user=users["inspector"], year=timezone.localdate().year)
    for target in ("reserves", "groups"):
        assert {"met", "at_risk", "missed"} <= set(board.totals[target]), (target, board.totals)
    assert "met" in board.totals["income"] and {"at_risk", "missed"} & set(board.totals["income"])
    seen = {s for counts_ in board.totals.values() for s in counts_}
    assert {"met", "at_risk", "missed"} <= seen
    amounts = list(CollectiveIncome.objects.values_list("amount", flat=True))
    assert min(amounts) < 20000 <= max(amounts)
    registry.get_workflow("targets").seed_demo(io.StringIO())
    assert counts == (
        VillagerGroup.objects.count(),
        ReserveCadre.objects.count(),
        CollectiveIncome.objects.count(),
        VillagerGroup.history.count(),
    )


@pytest.mark.django_db
def test_december_reminder_once_per_township_and_year(users, townships, make, django_capture_on_commit_callbacks):
    make("incomes", amount="25000")  # 南诏镇's first poor village is fine; the others are not
    with django_capture_on_commit_callbacks(execute=True):
        early = run_sweeps(now=timezone.make_aware(dt.datetime(YEAR, 11, 30, 9)))["targets.remind_income_shortfalls"]
        done = run_sweeps(now=timezone.make_aware(dt.datetime(YEAR, 12, 2, 9)))["targets.remind_income_shortfalls"]
        again = run_sweeps(now=timezone.make_aware(dt.datetime(YEAR, 12, 3, 9)))["targets.remind_income_shortfalls"]
    assert (early, done, again) == (0, 10, 0)
    note = Notification.objects.get(recipient=users["township_nanzhao"], verb="targets.income_reminder")
    assert village(townships).name not in note.message and village(townships, index=3).name in note.message
    assert not Notification.objects.filter(recipient=users["township_miaojie"], message__contains="南诏").exists()
