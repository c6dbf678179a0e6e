"""Signed checkpoints outside the database (issue 9 item 5): truncation, removed newest rows and a
recomputed chain are found and named; an untouched database verifies; incremental reads only
what came after the checkpoint."""
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from supervision.audit import checkpoint as cp
from supervision.audit.chain import row_digest, verify
from supervision.sweep import run_sweeps
from supervision.transitions import run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db
KEY = "k" * 40
TABLE = Widget.history.model._meta.db_table


@pytest.fixture(autouse=True)
def key(settings):
    settings.HISTORY_CHECKPOINT_KEY = KEY


def _history(users, townships, n=3):
    made = []
    for i in range(n):
        w = widget(townships["nanzhao"], title=f"事项{i}")
        run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
        made.append(w)
    return made


def _verify(path, *extra):
    call_command("verify_history", "--checkpoint", str(path), *extra)


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # what a superuser who disables the triggers can do
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred checks
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_untouched_database_verifies_against_its_checkpoint(users, townships, tmp_path, capsys):
    _history(users, townships)
    call_command("history_checkpoint", str(tmp_path))
    files = list(tmp_path.glob("checkpoint-*.json"))
    assert len(files) == 1
    body = json.loads(files[0].read_text())["body"]
    assert body["tables"][TABLE]["rows"] == 6 and len(body["tables"][TABLE]["records"]) == 3
    assert KEY not in files[0].read_text()
    _verify(tmp_path)
    _verify(files[0], "--incremental")
    out = capsys.readouterr().out
    assert out.count("OK, ") == 2 and "every checkpointed row present and unchanged" in out


def test_incremental_reads_only_rows_after_the_checkpoint(users, townships, tmp_path):
    made = _history(users, townships)
    call_command("history_checkpoint", str(tmp_path))
    run_transition(model=Widget, pk=made[0].pk, name="approve", actor=users["inspector"], comment="同意")
    widget(townships["nanzhao"], title="新事项")
    body = cp.load(tmp_path)
    incremental = cp.verify_with_checkpoint(body, incremental=True)
    full = cp.verify_with_checkpoint(body)
    assert incremental.ok and full.ok and incremental.head == full.head == verify().head
    new_rows = verify().rows - body["rows"]
    assert new_rows >= 2 and incremental.rows_read == new_rows and full.rows_read == verify().rows
    # A later checkpoint in the same directory is taken incrementally and chains on.
    call_command("history_checkpoint", str(tmp_path))
    assert len(list(tmp_path.glob("checkpoint-*.json"))) == 2
    _verify(tmp_path, "--incremental")


@pytest.mark.parametrize("incremental", [False, True])
def test_removing_a_records_newest_row_is_found(users, townships, tmp_path, incremental):
    made = _history(users, townships)
    call_command("history_checkpoint", str(tmp_path))
    newest = Widget.history.filter(id=made[1].pk).order_by("-history_id").first()
    _sql(f"DELETE FROM {TABLE} WHERE history_id = %s", [newest.history_id])
    assert verify().ok  # the chain alone cannot see it: what is left still links
    with pytest.raises(CommandError) as exc:
        _verify(tmp_path, *(["--incremental"] if incremental else []))
    assert TABLE in str(exc.value) and f"record id={made[1].pk}" in str(exc.value)


@pytest.mark.parametrize("incremental", [False, True])
def test_truncating_a_history_table_is_found(users, townships, tmp_path, incremental):
    _history(users, townships)
    call_command("history_checkpoint", str(tmp_path))
    _sql(f"DELETE FROM {TABLE}" if connection.vendor == "sqlite" else f"TRUNCATE {TABLE}")
    assert verify().ok
    with pytest.raises(CommandError) as exc:
        _verify(tmp_path, *(["--incremental"] if incremental else []))
    assert TABLE in str(exc.value) and "gone" in str(exc.value)


@pytest.mark.parametrize("incremental", [False, True])
def test_a_chain_recomputed_with_the_projects_own_digest_is_found(users, townships, tmp_path, incremental):
    made = _history(users, townships)
    call_command("history_checkpoint", str(tmp_path))
    hist = Widget.history.model
    rows = list(hist.objects.filter(id=made[2].pk).order_by("history_id"))
    rows[0].title = "改写过的标题"
    prev = ""
    for row in rows:  # rewrite the record's chain so that it links perfectly again
        row.prev_hash = prev
        row.row_hash = row_digest(row)
        _sql(f"UPDATE {TABLE} SET title = %s, prev_hash = %s, row_hash = %s WHERE history_id = %s",
             [row.title, row.prev_hash, row.row_hash, row.history_id])
        prev = row.row_hash
    assert verify().ok  # the recomputed chain is consistent
    with pytest.raises(CommandError) as exc:
        _verify(tmp_path, *(["--incremental"] if incremental else []))
    assert f"record id={made[2].pk}" in str(exc.value) and "rewritten" in str(exc.value)


def test_a_forged_or_unsigned_checkpoint_is_refused(users, townships, tmp_path, settings):
    _history(users, townships, n=1)
    call_command("history_checkpoint", str(tmp_path / "cp.json"))
    data = json.loads((tmp_path / "cp.json").read_text())
    data["body"]["tables"][TABLE]["rows"] = 1
    (tmp_path / "forged.json").write_text(json.dumps(data))
    with pytest.raises(CommandError, match="signature"):
        _verify(tmp_path / "forged.json")
    settings.HISTORY_CHECKPOINT_KEY = "another key of forty characters, not it!"
    with pytest.raises(CommandError, match="signature"):
        _verify(tmp_path / "cp.json")
    settings.HISTORY_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="HISTORY_CHECKPOINT_KEY"):
        call_command("history_checkpoint", str(tmp_path))


def test_no_checkpoint_over_a_broken_chain(users, townships, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the UPDATE is refused by the trigger on PostgreSQL")
    made = _history(users, townships, n=1)
    _sql(f"UPDATE {TABLE} SET title = 'forged' WHERE id = %s", [made[0].pk])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("history_checkpoint", str(tmp_path))
    assert not list(tmp_path.glob("checkpoint-*.json"))


def test_the_sweep_writes_one_checkpoint_a_day(users, townships, tmp_path, settings):
    settings.HISTORY_CHECKPOINT_DIR = str(tmp_path)
    _history(users, townships, n=1)
    day = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
    assert run_sweeps(day)["kernel.history_checkpoint"] == 1
    assert run_sweeps(day + dt.timedelta(hours=1))["kernel.history_checkpoint"] == 0
    widget(townships["nanzhao"], title="次日")
    assert run_sweeps(day + dt.timedelta(days=1))["kernel.history_checkpoint"] == 1
    assert len(list(tmp_path.glob("checkpoint-*.json"))) == 2
    _verify(tmp_path, "--incremental")
    settings.HISTORY_CHECKPOINT_DIR = ""
    assert run_sweeps(day + dt.timedelta(days=2))["kernel.history_checkpoint"] == 0
