"""The transition path's statement budget and the live channel's delivery guarantees (issue 11).

- one township 签收 runs an exact, stated list of statements (no lazy loads, one UPDATE);
- the websocket consumer does no database work per pushed message (the unread count and the
  user's notification ``seq`` travel with it);
- a socket whose channel was full (pushes dropped) sees the gap in ``seq`` and gets every
  missed notification through the catch-up.
"""
import re
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.asgi import application
from supervision import access
from supervision.models import Notification, User
from supervision.notify import notify
from supervision.transitions import run_transition
from tests.workflows.notices.helpers import issue
from workflows.notices.models import NoticeAssignment

DML = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def _statements(captured):
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(DML)]


@pytest.mark.django_db
def test_one_transition_runs_the_stated_statements(users, townships, django_capture_on_commit_callbacks):
    """签收 by a township user: 6 statements in the transaction and 1 after commit (PostgreSQL: 3 in
    the transaction — the record's UPDATE rides with its history row's INSERT, and one statement
    takes the numbers, inserts the notifications and returns the unread counts — and none after
    commit) — stated here one by one, so a new lazy load or a repeated query fails this test."""
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    actor = User.objects.get(username="township_nanzhao")
    access.grants(actor)  # loaded once per request (the view's first check); not per transition
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        run_transition(model=NoticeAssignment, pk=a.pk, name="acknowledge", actor=actor)
    sql = _statements(ctx.captured_queries)
    assignment_table = NoticeAssignment._meta.db_table
    history_table = NoticeAssignment.history.model._meta.db_table
    expected = [
        # the row, locked, with notice, issuer and township joined, and in the same statement the
        # chain's head (no advisory lock: the row lock serialises the chain's writers), whether the
        # record has a handler, and the grants of the actor (when not loaded) and the recipients
        ("SELECT", assignment_table),
        ("UPDATE", assignment_table),  # state, fields and version in one conditional UPDATE
        ("INSERT", history_table),  # the history row
        ("INSERT", "supervision_notificationcounter"),  # the recipients' next seq
        ("INSERT", "supervision_notification"),  # the notifications
        ("SELECT", "supervision_notification"),  # after commit: unread counts for the push
    ]
    if connection.vendor == "postgresql":
        # the history row inserted and the record updated (with its version check) in one
        # statement; numbers taken, notifications inserted and the unread counts for the push
        # returned in one statement: nothing runs after commit
        expected[1:6] = [("WITH", history_table), ("WITH", "supervision_notificationcounter")]

    def target(statement):
        cte = re.match(r'WITH \w+ AS \(INSERT INTO "(\w+)"', statement)
        if cte:
            return cte.group(1)
        head = statement.split(" WHERE ")[0]
        if "pg_advisory_xact_lock" in head:
            return "pg_advisory_xact_lock"
        return next((t for _k, t in expected if f'"{t}"' in head), statement[:80])

    got = [(s.split()[0].upper(), target(s)) for s in sql]
    assert got == expected, "\n".join(sql)
    assert sum(s.count(f'UPDATE "{assignment_table}"') for s in sql) == 1
    a.refresh_from_db()
    assert a.state == "acknowledged" and a.version == 1
    row, first = a.history.order_by("-history_id")[:2]
    assert (row.transition, row.from_state, row.to_state, row.history_user_id) == (
        "acknowledge", "issued", "acknowledged", actor.pk)
    assert row.prev_hash == first.row_hash != ""  # linked to the head read after the lock
    told = Notification.objects.get(verb="notices.acknowledge")
    assert told.recipient == users["inspector"] and told.seq == 1


@pytest.mark.django_db
def test_the_lock_statement_brings_the_grants_the_handler_and_the_head(users, townships,
                                                                       django_capture_on_commit_callbacks):
    """An actor whose grants this request has not loaded: they come with the row lock (no statement of
    their own), equal to what the grants loader reads — the recipients' too — and a record with a
    handler is seen to have one."""
    from unittest import mock

    from supervision import handlers

    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    handlers.handler_take(actor=users["township_nanzhao"], model=NoticeAssignment, pk=a.pk)  # 承办人 set
    actor = User.objects.get(username="township_nanzhao")
    seen = {}
    real = access.can

    def spy(user, right, obj):
        if right == "view":  # the actor's scope check, then the recipients'
            seen.setdefault(user.username, getattr(user, "_supervision_grants", None))
        return real(user, right, obj)

    with (CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True),
          mock.patch.object(access, "can", spy),
          mock.patch.object(handlers, "after_transition", wraps=handlers.after_transition) as released):
        run_transition(model=NoticeAssignment, pk=a.pk, name="acknowledge", actor=actor)
    sql = _statements(ctx.captured_queries)
    # before the UPDATE (on PostgreSQL riding with the history row's INSERT), the lock's statement
    # alone (later: the handler's row, its own grants)
    write = "WITH" if connection.vendor == "postgresql" else "UPDATE"
    assert [s.split()[0] for s in sql[:2]] == ["SELECT", write], "\n".join(sql)
    assert f'UPDATE "{NoticeAssignment._meta.db_table}"' in sql[1]
    loaded = access._load_grants([actor.pk, users["inspector"].pk])
    assert seen[actor.username] == loaded[actor.pk] != []
    assert seen["inspector"] == loaded[users["inspector"].pk] != []
    assert released.call_args.args[0].has_handler is True
    row, first = a.history.order_by("-history_id")[:2]
    assert row.prev_hash == first.row_hash != ""


@pytest.mark.django_db
def test_a_lock_statement_that_cannot_carry_the_reads_falls_back_to_one_more(users, townships, monkeypatch):
    """Where the added columns cannot be kept (no plan), the three reads run as a statement of their
    own after the lock: same grants, same chain."""
    from supervision import transitions
    from supervision.models import rowsql

    monkeypatch.setattr(rowsql, "_KEYED", {})
    monkeypatch.setattr(transitions, "_lock_columns", lambda rt, compiler, connection: [])
    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    actor = User.objects.get(username="township_nanzhao")
    with CaptureQueriesContext(connection) as ctx:
        run_transition(model=NoticeAssignment, pk=a.pk, name="acknowledge", actor=actor)
    sql = _statements(ctx.captured_queries)
    assert sql[1].startswith("SELECT 'h'"), "\n".join(sql)
    assert actor._supervision_grants == access._load_grants([actor.pk])[actor.pk]
    row, first = a.history.order_by("-history_id")[:2]
    assert row.prev_hash == first.row_hash != ""
    assert NoticeAssignment.objects.get(pk=a.pk).state == "acknowledged"


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_and_changes_nothing(users, townships):
    from supervision.errors import Conflict

    notice = issue(users, townships, targets=("nanzhao",))
    a = notice.assignments.get()
    with pytest.raises(Conflict):
        run_transition(model=NoticeAssignment, pk=a.pk, name="acknowledge", actor=users["township_nanzhao"],
                       version=a.version + 5)
    a.refresh_from_db()
    assert a.state == "issued" and a.history.count() == 1


def _session_cookie(client, user):
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _connect(cookie):
    comm = WebsocketCommunicator(application, "/ws/notifications/",
                                 headers=[(b"origin", b"http://testserver"), (b"cookie", cookie.encode())])
    connected, _code = await comm.connect()
    assert connected
    return comm


def _notify_committed(user, messages):
    with transaction.atomic():
        for m in messages:
            notify(recipients=[user], verb="t", message=m)


@pytest.mark.django_db(transaction=True)
def test_consumer_opens_no_database_connection_per_message(client, users):
    user = users["township_qinghua"]
    cookie = _session_cookie(client, user)
    opened = []

    def count(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    async def scenario():
        comm = await _connect(cookie)
        assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
        connection_created.connect(count)
        try:
            for i in range(5):  # sent from this thread, over its already open connection
                await sync_to_async(_notify_committed)(user, [f"第{i}条"])
            got = [await comm.receive_json_from(timeout=5) for _ in range(5)]
        finally:
            connection_created.disconnect(count)
        assert [m["notification"]["message"] for m in got] == [f"第{i}条" for i in range(5)]
        assert [m["unread"] for m in got] == [1, 2, 3, 4, 5]
        assert [m["notification"]["seq"] for m in got] == [1, 2, 3, 4, 5]
        await comm.disconnect()

    async_to_sync(scenario)()
    # The pushes' unread counts were read by the sender (this thread); the consumer's database
    # threads opened no connection at all.
    assert set(opened) <= {threading.current_thread().name}, opened


class FullChannelLayer(InMemoryChannelLayer):
    """The in-memory layer, except that the channel is "full" while ``full`` is set: a send then
    raises ChannelFull, which group_send swallows, exactly as channels-redis does over capacity."""

    full = False

    async def send(self, channel, message):
        if FullChannelLayer.full:
            raise ChannelFull(channel)
        return await super().send(channel, message)


@pytest.mark.django_db(transaction=True)
def test_pushes_dropped_by_a_full_channel_come_back_through_the_catch_up(client, users, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.kernel.test_live.FullChannelLayer"}}
    user = users["township_wuyin"]
    cookie = _session_cookie(client, user)

    async def scenario():
        comm = await _connect(cookie)
        hello = await comm.receive_json_from(timeout=5)
        assert hello["seq"] == 0
        await database_sync_to_async(_notify_committed)(user, ["一"])
        first = await comm.receive_json_from(timeout=5)
        assert first["notification"]["message"] == "一" and first["notification"]["seq"] == 1
        # The channel is full: two pushes are dropped silently.
        FullChannelLayer.full = True
        try:
            await database_sync_to_async(_notify_committed)(user, ["二", "三"])
        finally:
            FullChannelLayer.full = False
        assert await comm.receive_nothing(timeout=0.3)
        # The next push shows the gap (seq 4 after 1) …
        await database_sync_to_async(_notify_committed)(user, ["四"])
        fourth = await comm.receive_json_from(timeout=5)
        last_seen = first["notification"]["seq"]
        assert fourth["notification"]["seq"] > last_seen + 1
        # … so the browser asks for everything after the last unbroken number (live.js does this).
        await comm.send_json_to({"type": "catch_up", "after_seq": last_seen})
        caught = await comm.receive_json_from(timeout=5)
        assert [n["message"] for n in caught["notifications"]] == ["二", "三", "四"]
        assert [n["seq"] for n in caught["notifications"]] == [2, 3, 4]
        assert caught["unread"] == 4
        await comm.disconnect()

    async_to_sync(scenario)()
    feed = client.get(reverse("notification-feed") + "?after_seq=1").json()
    assert [n["message"] for n in feed["notifications"]] == ["二", "三", "四"]


@pytest.mark.django_db(transaction=True)
def test_an_open_socket_renews_its_group_membership(client, users, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                           "CONFIG": {"group_expiry": 3600}}}
    settings.SUPERVISION = {**settings.SUPERVISION, "NOTIFY_GROUP_RENEW_SECONDS": 0.05}
    user = users["township_zijin"]
    cookie = _session_cookie(client, user)

    async def scenario():
        import asyncio

        from channels.layers import get_channel_layer

        from supervision.notify import user_group

        comm = await _connect(cookie)
        await comm.receive_json_from(timeout=5)
        layer = get_channel_layer()
        group = user_group(user.pk)
        # The layer forgets the membership (as group_expiry would) …
        layer.groups.pop(group, None)
        await asyncio.sleep(0.3)
        # … and the open socket has joined again.
        assert layer.groups.get(group)
        await comm.disconnect()
        assert not layer.groups.get(group)

    async_to_sync(scenario)()


def test_channel_layer_limits_are_set_on_purpose():
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    assert config["capacity"] >= 1000
    assert config["group_expiry"] > settings.SUPERVISION["NOTIFY_GROUP_RENEW_SECONDS"] * 2
    assert config["expiry"] > 0


@pytest.mark.django_db
def test_the_head_read_after_the_lock_links_one_history_row_only(users, townships):
    """The chain head read after the row lock (transitions._read_after_lock, the fallback) serves the record's
    next history row only; a second save in the same transaction links to that row, not to the
    head read before it, and the whole chain verifies."""
    from supervision import registry
    from supervision.audit.chain import KNOWN_HEAD
    from supervision.transitions import _read_after_lock, save_with_history
    from tests.kernel.factories import widget
    from tests.kernelflow.models import Widget

    w = widget(townships["nanzhao"], title="链头")
    with transaction.atomic():
        obj = Widget.objects.select_for_update().get(pk=w.pk)
        _read_after_lock(obj, registry.for_model(Widget))
        assert KNOWN_HEAD in obj.__dict__
        save_with_history(obj, actor=users["inspector"], reason="一")
        assert KNOWN_HEAD not in obj.__dict__
        save_with_history(obj, actor=users["inspector"], reason="二")
    rows = list(w.history.order_by("history_id"))
    assert len(rows) == 3 and rows[0].prev_hash == ""
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
