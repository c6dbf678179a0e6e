"""The record cannot fork, be emptied or be rewritten unnoticed (issue 9): the fork constraint,
the append-only ORM and triggers, refused history-deleting commands, users who acted stay."""
import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import ProtectedError

from supervision.audit.chain import HistoryImmutable, audited_tables, historical_models, verify
from supervision.models import ReadAccess, User
from supervision.transitions import run_transition, save_with_history
from supervision.users import UserHasActed, user_deactivate, user_has_acted
from tests.concurrency import at_once
from tests.kernel.factories import widget
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _acted(users, townships):
    w = widget(townships["nanzhao"], actor=users["inspector"])
    run_transition(model=Widget, pk=w.pk, name="submit", actor=users["township_nanzhao"])
    return w


# --- 1. forks ------------------------------------------------------------------------------------

def test_every_history_table_refuses_a_second_row_with_the_same_predecessor_in_the_schema():
    with connection.cursor() as cursor:
        for model in historical_models():
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table)
            assert any(c["unique"] and c["columns"] == ["id", "prev_hash"] for c in found.values()), table


def test_an_insert_reusing_a_prev_hash_is_refused_by_the_database(users, townships):
    w = _acted(users, townships)
    hist = Widget.history.model
    last = hist.objects.filter(id=w.pk).order_by("-history_id").first()
    fork = hist(**{f.attname: getattr(last, f.attname) for f in hist._meta.concrete_fields
                   if f.attname != "history_id"})
    fork.history_change_reason = "a second successor of the same row"
    with pytest.raises(IntegrityError), transaction.atomic():
        hist.objects.bulk_create([fork])  # bypasses save(): only the constraint stands in the way
    assert verify().ok


def test_every_write_path_links_to_the_newest_row(users, townships):
    """A plain save (admin, service, command) chains like a transition does."""
    w = _acted(users, townships)
    w.title = "改了标题"
    w.save()  # no save_with_history, no transition
    rows = list(w.history.order_by("history_id"))
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert verify().ok


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plain_writes_to_one_record_queue_and_keep_one_chain(users, townships):
    w = widget(townships["nanzhao"])

    def write(title):
        obj = Widget.objects.get(pk=w.pk)
        obj.title = title
        save_with_history(obj, actor=users["inspector"], reason=title)
        return "ok"

    assert at_once(*[lambda t=t: write(t) for t in ("甲", "乙", "丙", "丁")]) == ["ok"] * 4
    rows = list(Widget.history.model.objects.filter(id=w.pk).order_by("history_id"))
    assert len(rows) == 5 and len({r.prev_hash for r in rows}) == 5
    assert verify().ok


# --- 4. append-only -----------------------------------------------------------------------------

def test_history_and_read_log_rows_cannot_be_changed_or_deleted_through_the_orm(users, townships):
    w = _acted(users, townships)
    row = w.history.first()
    row.history_change_reason = "forged"
    read = ReadAccess.objects.create(user=users["auditor"], record_type="kernelflow.widget", object_id=str(w.pk))
    read.via = "forged"
    for attempt in (row.save, row.delete, lambda: Widget.history.filter(id=w.pk).update(history_change_reason="x"),
                    lambda: Widget.history.filter(id=w.pk).delete(), read.save, read.delete,
                    lambda: ReadAccess.objects.all().delete()):
        with pytest.raises(HistoryImmutable), transaction.atomic():
            attempt()
    assert verify().ok and ReadAccess.objects.count() == 1


@pytest.mark.parametrize("command", ["clean_old_history", "clean_duplicate_history", "populate_history"])
def test_history_deleting_commands_refuse(command, users, townships):
    _acted(users, townships)
    before = verify()
    with pytest.raises(CommandError, match="append-only"):
        call_command(command, "--auto")
    after = verify()
    assert after.ok and (after.rows, after.head) == (before.rows, before.head)


@pytest.mark.postgres
@on_postgres
def test_postgres_refuses_truncate_update_delete_on_history_and_read_log(users, townships):
    w = _acted(users, townships)
    ReadAccess.objects.create(user=users["auditor"], record_type="kernelflow.widget", object_id=str(w.pk))
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
    for table in (Widget.history.model._meta.db_table, ReadAccess._meta.db_table):
        for sql in (f"TRUNCATE {table}", f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
                c.execute(sql)
    assert set(audited_tables()) >= {Widget.history.model._meta.db_table, ReadAccess._meta.db_table}
    assert verify().ok and ReadAccess.objects.count() == 1


# --- 3. actors ----------------------------------------------------------------------------------

def test_history_foreign_keys_cannot_rewrite_a_row():
    for model in historical_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey):
                continue
            if f.name == "history_user":
                assert f.remote_field.on_delete is models.PROTECT, model
            else:
                assert f.remote_field.on_delete is models.DO_NOTHING and not f.db_constraint, (model, f.name)


def test_the_actor_is_kept_as_written(users, townships):
    w = _acted(users, townships)
    user = users["township_nanzhao"]
    row = w.history.filter(history_user=user).get()
    assert (row.history_username, row.actor_name) == ("township_nanzhao", user.display_name())
    user.username, user.first_name = "renamed", "改名"
    user.save()
    row = w.history.filter(history_user=user).get()
    assert (row.actor_username, row.history_username) == ("township_nanzhao", "township_nanzhao")
    assert verify().ok


def test_a_user_who_acted_is_never_deleted_only_deactivated(users, townships):
    _acted(users, townships)
    user = users["township_nanzhao"]
    assert user_has_acted(user)
    with pytest.raises(UserHasActed, match="停用"):
        user.delete()
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=user.pk).delete()
    assert User.objects.filter(pk=user.pk).exists()
    user_deactivate(actor=users["admin"], user=user)
    assert not User.objects.get(pk=user.pk).is_active
    assert verify().ok


def test_a_user_who_never_acted_can_be_deleted(county):
    user = User.objects.create(username="typo_account")
    assert not user_has_acted(user)
    user.delete()
    assert not User.objects.filter(username="typo_account").exists()


def test_admin_refuses_deleting_a_user_who_acted_and_offers_deactivation(users, townships, web):
    _acted(users, townships)
    admin_client = web(users["admin"])
    target = users["township_nanzhao"]
    r = admin_client.post(f"/admin/supervision/user/{target.pk}/delete/", {"post": "yes"}, follow=True)
    assert r.status_code == 200 and "不能删除" in r.content.decode()
    assert User.objects.filter(pk=target.pk).exists()
    actions = site._registry[User].get_actions(r.wsgi_request)
    assert "delete_selected" not in actions and "deactivate_users" in actions
    r = admin_client.post("/admin/supervision/user/", {"action": "deactivate_users", "_selected_action": [target.pk]})
    assert r.status_code == 302 and not User.objects.get(pk=target.pk).is_active
    assert verify().ok
