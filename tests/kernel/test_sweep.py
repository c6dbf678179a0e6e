import datetime as dt

import pytest
from django.core.management import call_command

from supervision.models import SweepMark
from supervision.sweep import claim_once, run_sweeps
from tests.concurrency import at_once
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget


@pytest.mark.django_db
def test_sweep_marks_overdue_once_even_when_run_twice(users, townships):
    late = widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    on_time = widget(townships["nanzhao"], due=dt.date(2026, 12, 1))
    now = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    assert run_sweeps(now)["kernelflow.sweep_overdue"] == 1
    assert run_sweeps(now)["kernelflow.sweep_overdue"] == 0
    assert Widget.objects.get(pk=late.pk).state == "overdue"
    assert Widget.objects.get(pk=on_time.pk).state == "draft"
    row = late.history.get(transition="mark_overdue")
    assert row.history_user.username == "system" and row.history_change_reason == "到期未办"


@pytest.mark.django_db
def test_run_sweeps_command(users, townships, capsys):
    widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    call_command("run_sweeps", now="2026-11-05")
    assert "kernelflow.sweep_overdue: 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_claim_once(townships):
    w = widget(townships["nanzhao"])
    assert claim_once("remind", w, "2026-11") is True
    assert claim_once("remind", w, "2026-11") is False
    assert claim_once("remind", w, "2026-12") is True


@pytest.mark.django_db(transaction=True)
def test_two_processes_at_once_claim_once(townships):
    w = widget(townships["nanzhao"])
    # SQLite may report a locked database for the loser: that counts as "not claimed".
    results = at_once(lambda: claim_once("remind", w, "p"), lambda: claim_once("remind", w, "p"))
    assert results.count(True) == 1
    assert SweepMark.objects.count() == 1
