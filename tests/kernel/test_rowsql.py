"""The record's versioned UPDATE and the history row's INSERT, built once per table
(``supervision.models.rowsql``), write what Django's compiler writes, and step aside otherwise."""
import pytest
from django.db import connection, transaction
from django.db.models import F

from supervision.audit import chain
from supervision.errors import Conflict
from supervision.models import rowsql
from supervision.transitions import run_transition, save_with_history
from tests.workflows.notices.helpers import issue
from workflows.notices.models import NoticeAssignment

# what differs between two records by nature (ids, times, the township and its user, the chain)
SKIP = {"history_id", "history_date", "id", "acknowledged_at", "updated_at", "created_at", "prev_hash", "row_hash",
        "notice_id", "township_id", "history_user_id", "history_username", "history_user_name"}


def _acknowledge(users, township):
    a = NoticeAssignment.objects.get(township__name=township, notice__title="同一通知")
    actor = users[f"township_{township_key(township)}"]
    run_transition(model=NoticeAssignment, pk=a.pk, name="acknowledge", actor=actor)
    return NoticeAssignment.objects.get(pk=a.pk)


def township_key(name):
    return {"南诏镇": "nanzhao", "庙街镇": "miaojie"}[name]


def _spy(real, name, used, args, kwargs):
    result = real(*args, **kwargs)
    used.append((name, result is not None))
    return result


def _last_row(obj):
    row = obj.history.order_by("-history_id").first()
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname not in SKIP}, row


@pytest.mark.django_db
def test_rows_are_the_rows_django_writes(users, townships, monkeypatch):
    issue(users, townships, title="同一通知", targets=("nanzhao", "miaojie"))
    used = []
    for name in ("update_versioned", "insert_returning"):
        real = getattr(rowsql, name)
        monkeypatch.setattr(rowsql, name, lambda *a, _real=real, _name=name, **k: _spy(_real, _name, used, a, k))
    fast = _acknowledge(users, "南诏镇")
    assert ("update_versioned", True) in used and ("insert_returning", True) in used  # the built statements ran
    monkeypatch.setattr(rowsql, "update_versioned", lambda *a, **k: None)  # Django compiles both
    monkeypatch.setattr(rowsql, "insert_returning", lambda *a, **k: None)
    slow = _acknowledge(users, "庙街镇")
    fast_row, fast_h = _last_row(fast)
    slow_row, slow_h = _last_row(slow)
    assert fast_row == slow_row and fast_row["transition"] == "acknowledge"
    assert (fast.state, fast.version, fast.acknowledged_at is not None) == (slow.state, slow.version, True)
    for obj, row in ((fast, fast_h), (slow, slow_h)):
        assert row.prev_hash and row.row_hash == chain.row_digest(row)
        assert row.acknowledged_at == obj.acknowledged_at and row.updated_at == obj.updated_at
    assert chain.verify().ok


@pytest.mark.django_db
def test_a_stale_version_matches_no_row(users, townships):
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    a.referral_reason = "改"
    a._expected_version = a.version + 3  # as run_transition sets it, from a read that is now stale
    a.version += 4
    with pytest.raises(Conflict), transaction.atomic():
        save_with_history(a, actor=users["inspector"], reason="测试")
    a.refresh_from_db()
    assert a.referral_reason == "" and a.history.count() == 1


@pytest.mark.django_db
def test_an_expression_goes_to_django(users, townships):
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    values = [(NoticeAssignment._meta.get_field("escalation"), None, F("escalation") + 1)]
    assert rowsql.update_versioned(a, connection.alias, a.pk, values, a.version) is None
    a.escalation = F("escalation") + 1  # still saved, through Django's compiler
    a._expected_version = a.version
    a.version += 1
    save_with_history(a, actor=users["inspector"], reason="测试")
    a.refresh_from_db()
    assert a.escalation == 1 and a.version == 1


@pytest.mark.django_db
def test_postgresql_prepares_a_statement_it_runs_again(users, townships):
    """The transition's statements are bound on the server and prepared after a few runs, so
    PostgreSQL plans them once per connection (DB_SERVER_SIDE_BINDING, DB_PREPARE_THRESHOLD)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    with connection.cursor() as cursor:
        before = cursor.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
    for _ in range(6):
        with transaction.atomic():
            rowsql.keyed_get(("test", "prepared"), lambda: NoticeAssignment.objects.select_for_update(of=("self",)),
                             a.pk, connection.alias)
    with connection.cursor() as cursor:
        statements = [s for (s,) in cursor.execute("SELECT statement FROM pg_prepared_statements").fetchall()]
    assert len(statements) > before
    assert any("FOR UPDATE" in s and NoticeAssignment._meta.db_table in s for s in statements)


@pytest.mark.django_db
def test_a_deferred_update_no_history_row_takes_runs_on_its_own(users, townships):
    """run_transition's save defers the record's UPDATE to ride with its history row (PostgreSQL);
    a save that writes no history row still runs it — and still refuses a stale version."""
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    a.referral_reason = "无历史"
    a.skip_history_when_saving = True
    a._expected_version = a.version
    a.version += 1
    with transaction.atomic():
        save_with_history(a, actor=users["inspector"], reason="测试")
    assert rowsql.PENDING_UPDATE not in a.__dict__ and rowsql.DEFER_UPDATE not in a.__dict__
    fresh = NoticeAssignment.objects.get(pk=a.pk)
    assert (fresh.referral_reason, fresh.version) == ("无历史", 1) and fresh.history.count() == 1
    a.referral_reason = "过期"
    a._expected_version = 0  # the read this save was based on is stale
    a.version = 1
    with pytest.raises(Conflict), transaction.atomic():
        save_with_history(a, actor=users["inspector"], reason="测试")
    fresh.refresh_from_db()
    assert (fresh.referral_reason, fresh.version) == ("无历史", 1)


@pytest.mark.django_db
def test_on_postgresql_the_update_rides_with_the_history_insert(users, townships):
    """One statement for both: the history row is inserted, the record updated under its version
    check, and a stale version inserts nothing (the row and the transaction roll back)."""
    from django.test.utils import CaptureQueriesContext

    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    a.referral_reason = "同行"
    a._expected_version = a.version
    a.version += 1
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        save_with_history(a, actor=users["inspector"], reason="测试", transition="edit")
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "WITH"))]
    table = NoticeAssignment._meta.db_table
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH h AS (INSERT INTO") and f'UPDATE "{table}"' in writes[0]
    else:
        assert [w.split()[0] for w in writes] == ["UPDATE", "INSERT"]
    row = a.history.order_by("-history_id").first()
    assert (row.referral_reason, row.version, row.transition) == ("同行", 1, "edit") and row.pk == a.history.latest(
        "history_id").pk
    assert row.row_hash == chain.row_digest(row) and chain.verify().ok
    assert NoticeAssignment.objects.get(pk=a.pk).referral_reason == "同行"
