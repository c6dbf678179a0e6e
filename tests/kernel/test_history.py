import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from supervision.audit.chain import verify
from supervision.transitions import run_transition
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db


def _some_history(users, townships):
    w = widget(townships["nanzhao"], amount="12.5")
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    run_transition(model=Widget, pk=w.pk, name="approve", actor=users["inspector"], comment="同意")
    return w


def test_verify_history_ok(users, townships, capsys):
    _some_history(users, townships)
    call_command("verify_history")
    out = capsys.readouterr().out
    assert out.startswith("OK, ") and " rows" in out and "head " in out


def test_chain_links_rows_of_one_record(users, townships):
    w = _some_history(users, townships)
    rows = list(w.history.order_by("history_id"))
    assert rows[0].prev_hash == ""
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]


def test_a_table_is_read_by_one_statement_in_history_order_whatever_its_size(users, townships, monkeypatch):
    """``verify`` streams each table from one ordered statement, ``CHUNK`` rows per fetch: keyset
    pages were a statement each, and on a table without statistics each was a scan of all of it."""
    from django.test.utils import CaptureQueriesContext

    from supervision.audit import chain

    for _ in range(3):
        _some_history(users, townships)
    model = Widget.history.model
    monkeypatch.setattr(chain, "CHUNK", 2)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(chain.stream_rows(model))
        state, broken, _ = chain.verify_table(model)
    reads = [q["sql"] for q in ctx.captured_queries if model._meta.db_table in q["sql"]]
    assert len(reads) == 2  # one per walk, not one per two rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows) and len(rows) == model.objects.count() >= 9
    assert broken is None and state.rows == len(rows)
    after = rows[4][0]
    assert [r[0] for r in chain.stream_rows(model, after_history_id=after)] == [r[0] for r in rows[5:]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="on PostgreSQL the UPDATE is refused (next test)")
def test_tampering_is_found_and_named(users, townships):
    w = _some_history(users, townships)
    row = w.history.order_by("history_id")[1]
    table = Widget.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET history_change_reason = 'forged' WHERE history_id = %s", [row.history_id])
    result = verify()
    assert not result.ok
    assert (result.broken_table, result.broken_history_id) == (table, row.history_id)
    with pytest.raises(Exception) as exc:
        call_command("verify_history")
    assert f"history_id={row.history_id}" in str(exc.value)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
def test_postgres_refuses_update_and_delete_of_history(users, townships):
    _some_history(users, townships)
    table = Widget.history.model._meta.db_table
    for sql in (f"UPDATE {table} SET history_change_reason = 'forged'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert verify().ok


def test_history_page_and_api_show_diffs_with_actor(web, api, users, townships):
    w = _some_history(users, townships)
    page = web(users["inspector"]).get(reverse("record-history", args=["kernelflow.widget", w.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "通过" in html and "同意" in html and "已报送 → 已通过" in html
    body = api(users["auditor"]).get(f"/api/v1/widgets/{w.pk}/history/").json()
    assert [e["transition"] for e in body] == ["", "submit", "approve"]
    assert body[2]["username"] == "inspector" and body[2]["reason"] == "同意"
    assert {"field": "state", "label": "状态", "old": "已报送", "new": "已通过"} in body[2]["changes"]


def test_masked_field_stays_masked_in_history_and_api(api, users, townships):
    w = widget(townships["nanzhao"], secret="举报人张三")
    for username in ("auditor", "township_nanzhao"):
        body = api(users[username]).get(f"/api/v1/widgets/{w.pk}/history/").json()
        assert "举报人张三" not in str(body)
        assert api(users[username]).get(f"/api/v1/widgets/{w.pk}/").json()["secret"] == "***"
    assert "举报人张三" in str(api(users["inspector"]).get(f"/api/v1/widgets/{w.pk}/history/").json())


def test_command_writes_history_as_system_actor(county, townships):
    from supervision.audit.actor import acting_as, system_actor

    with acting_as(system_actor()):
        w = widget(townships["nanzhao"])
    assert w.history.first().history_user.username == "system"


def test_web_request_sets_history_user(web, users, townships):
    w = widget(townships["nanzhao"])
    web(users["township_nanzhao"]).post(reverse("record-transition", args=["kernelflow.widget", w.pk, "submit"]))
    assert w.history.order_by("-history_id").first().history_user == users["township_nanzhao"]


def test_read_access_log(users, townships):
    from supervision.audit.readlog import log_read
    from supervision.models import ReadAccess

    w = widget(townships["nanzhao"])
    log_read(users["auditor"], w)
    assert ReadAccess.objects.filter(user=users["auditor"], record_type="kernelflow.widget",
                                     object_id=str(w.pk)).count() == 1


def _history_values(w):
    """Every column of the widget's history rows but those that differ by construction (keys,
    times, hashes, the record's own id and stamps)."""
    model = Widget.history.model
    skip = {"history_id", "history_date", "prev_hash", "row_hash", "id", "created_at", "updated_at"}
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    return [tuple(row[n] for n in names) for row in w.history.order_by("history_id").values(*names)]


def test_history_rows_made_without_init_and_save_are_the_rows_django_makes(users, townships, monkeypatch):
    """A history row is built without ``Model.__init__`` and inserted without ``save_base`` where
    that is the same (issue 11): the same story told through Django's own steps (a ``pre_init``
    and a ``pre_save`` receiver force them) writes the same rows, chained the same way."""
    from django.db.models.signals import pre_init, pre_save

    from supervision.models import audit

    made, inserted = [], []
    monkeypatch.setattr(audit, "_new_history", lambda *a, _f=audit._new_history: made.append(1) or _f(*a))
    real_insert = audit.ChainedHistoryModel._insert_now
    monkeypatch.setattr(audit.ChainedHistoryModel, "_insert_now",
                        lambda self, using: real_insert(self, using) and not inserted.append(1))
    fast = _some_history(users, townships)
    assert len(made) == len(inserted) == 3  # created, submitted, approved: the short path each time
    calls = []

    def receiver(sender, **kwargs):
        calls.append(sender)

    pre_init.connect(receiver)
    pre_save.connect(receiver, sender=Widget.history.model)
    try:
        slow = _some_history(users, townships)
    finally:
        pre_init.disconnect(receiver)
        pre_save.disconnect(receiver, sender=Widget.history.model)
    assert Widget.history.model in calls and len(made) == len(inserted) == 3  # Django's path did run
    assert _history_values(fast) == _history_values(slow) and len(_history_values(fast)) == 3
    for w in (fast, slow):
        rows = list(w.history.order_by("history_id"))
        assert [r.prev_hash for r in rows] == ["", *(r.row_hash for r in rows[:-1])]
        assert rows[-1].history_user_id == users["inspector"].pk and rows[-1].history_username == "inspector"
    from supervision.audit.chain import verify_table

    _state, broken, _ = verify_table(Widget.history.model)
    assert broken is None
