"""The sweep runner: each job isolated, its runs recorded, overdue jobs flagged in the admin,
and on PostgreSQL one machine at a time per job (advisory lock)."""
import datetime as dt
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from supervision import registry
from supervision.models import SweepJob
from supervision.sweep import ADVISORY_NAMESPACE, job_lock, run_sweep_jobs, run_sweeps
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def boom(now):
    raise RuntimeError("举报库连接失败")


@pytest.fixture
def failing_first(monkeypatch):
    """The kernelflow workflow with a failing job registered before its real one."""
    wf = registry.get_workflow("kernelflow")
    monkeypatch.setattr(wf, "sweeps", [boom, *wf.sweeps])
    return wf


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others_and_is_recorded(failing_first, users, townships):
    late = widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    outcomes = {o.label: o for o in run_sweep_jobs(NOW)}
    assert outcomes["kernelflow.boom"].status == "failed"
    assert "举报库连接失败" in outcomes["kernelflow.boom"].error
    assert outcomes["kernelflow.sweep_overdue"].status == "ok" and outcomes["kernelflow.sweep_overdue"].count == 1
    assert Widget.objects.get(pk=late.pk).state == "overdue"  # the job after the failing one ran

    failed = SweepJob.objects.get(name="kernelflow.boom")
    assert failed.last_success_at is None and failed.last_failure_at is not None
    assert failed.consecutive_failures == 1 and "RuntimeError: 举报库连接失败" in failed.last_error
    assert failed.last_host
    ok = SweepJob.objects.get(name="kernelflow.sweep_overdue")
    assert ok.last_success_at is not None and ok.last_count == 1 and ok.consecutive_failures == 0
    assert not ok.is_overdue() and ok.is_overdue(timezone.now() + dt.timedelta(hours=1))

    run_sweep_jobs(NOW)
    assert SweepJob.objects.get(name="kernelflow.boom").consecutive_failures == 2
    late2 = widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    with pytest.raises(RuntimeError, match="举报库连接失败"):  # the dict form raises, after running the rest
        run_sweeps(NOW)
    assert Widget.objects.get(pk=late2.pk).state == "overdue"


@pytest.mark.django_db
def test_command_reports_the_failure_and_exits_non_zero(failing_first, users, townships, capsys):
    widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    with pytest.raises(CommandError, match="kernelflow.boom"):
        call_command("run_sweeps", now="2026-11-05", workflow="kernelflow")
    out, err = capsys.readouterr()
    assert "kernelflow.sweep_overdue: 1" in out and "kernelflow.boom: FAILED" in err


@pytest.mark.django_db
def test_min_interval_skips_a_job_that_just_succeeded(users, townships, capsys):
    assert {o.status for o in run_sweep_jobs(NOW, only="kernelflow")} == {"ok"}
    again = run_sweep_jobs(NOW, only="kernelflow", min_interval=dt.timedelta(minutes=5))
    assert [o.status for o in again] == ["fresh"]
    SweepJob.objects.filter(name="kernelflow.sweep_overdue").update(
        last_success_at=timezone.now() - dt.timedelta(minutes=6))
    assert [o.status for o in run_sweep_jobs(NOW, only="kernelflow", min_interval=dt.timedelta(minutes=5))] == ["ok"]
    call_command("run_sweeps", workflow="kernelflow", min_interval=300)
    assert "kernelflow.sweep_overdue: skipped (ran recently)" in capsys.readouterr().out


@pytest.mark.django_db
def test_admin_warns_about_overdue_failing_and_never_run_jobs(failing_first, users, townships, web, settings):
    from supervision.models import User

    admin = User.objects.create_superuser("sweep_admin", password="x")
    client = web(admin)
    never = client.get("/admin/")
    assert never.status_code == 200
    assert "个定时任务逾期、失败或从未运行：" in never.text and "kernelflow.sweep_overdue" in never.text

    run_sweep_jobs(NOW)
    page = client.get("/admin/supervision/sweepjob/")
    assert page.status_code == 200
    assert "定时任务 kernelflow.boom 最近 1 次运行失败：RuntimeError: 举报库连接失败" in page.text
    assert "kernelflow.sweep_overdue 从未" not in page.text and "kernelflow.sweep_overdue 已逾期" not in page.text

    SweepJob.objects.filter(name="kernelflow.sweep_overdue").update(
        last_success_at=timezone.now() - dt.timedelta(minutes=settings.SUPERVISION["SWEEP_OVERDUE_MINUTES"] + 1))
    page = client.get("/admin/supervision/sweepjob/")
    assert "定时任务 kernelflow.sweep_overdue 已逾期" in page.text
    assert '<td class="field-health">逾期</td>' in page.text
    assert "kernelflow.sweep_overdue" in client.get("/admin/").text
    SweepJob.objects.update(last_success_at=timezone.now(), consecutive_failures=0)
    assert "sweep-warnings" not in client.get("/admin/").text  # nothing to say when all is well
    assert client.get(f"/admin/supervision/sweepjob/{SweepJob.objects.first().pk}/change/").status_code == 200
    assert client.post("/admin/supervision/sweepjob/add/", {}).status_code == 403  # a status board, not a form


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_job_running_on_another_machine_is_skipped_not_repeated(users, townships):
    widget(townships["nanzhao"], due=dt.date(2026, 11, 1))
    held, release = threading.Event(), threading.Event()

    def other_machine():
        try:
            with job_lock("kernelflow.sweep_overdue") as acquired:
                assert acquired
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_machine)
    thread.start()
    try:
        assert held.wait(timeout=30)
        assert [(o.label, o.status) for o in run_sweep_jobs(NOW, only="kernelflow")] == [
            ("kernelflow.sweep_overdue", "busy")]
        assert Widget.objects.get().state == "draft"
    finally:
        release.set()
        thread.join(timeout=30)
    assert [o.status for o in run_sweep_jobs(NOW, only="kernelflow")] == ["ok"]
    assert Widget.objects.get().state == "overdue"
    with connection.cursor() as cursor:  # and nothing is left locked (in this database: the other test
        # worker's database may hold a job's lock of its own right now)
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND database = "
                       "(SELECT oid FROM pg_database WHERE datname = current_database())", [ADVISORY_NAMESPACE])
        assert cursor.fetchone()[0] == 0
