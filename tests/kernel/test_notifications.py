"""Notifications: persisted, pushed to the user's socket only after commit, never after rollback."""
import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from config.asgi import application
from supervision.models import Notification
from supervision.notify import notify

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(client, user):
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _connect(cookie=None, origin=b"http://testserver"):
    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    comm = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await comm.connect()
    return comm, connected, code


def test_pushed_after_commit_not_after_rollback(client, users):
    user = users["township_nanzhao"]
    cookie = _session_cookie(client, user)

    async def scenario():
        comm, connected, _ = await _connect(cookie)
        assert connected
        hello = await comm.receive_json_from(timeout=5)
        assert hello == {"type": "hello", "unread": 0, "seq": 0}

        def rolled_back():
            try:
                with transaction.atomic():
                    notify(recipients=[user], verb="t", message="不会送达")
                    raise RuntimeError
            except RuntimeError:
                pass

        def committed():
            with transaction.atomic():
                notify(recipients=[user], verb="t", message="已送达")
                pushed_inside = Notification.objects.filter(message="已送达").exists()
            return pushed_inside

        from channels.db import database_sync_to_async

        await database_sync_to_async(rolled_back)()
        assert await comm.receive_nothing(timeout=0.3)
        assert await database_sync_to_async(committed)()
        msg = await comm.receive_json_from(timeout=5)
        assert msg["type"] == "notification"
        assert msg["notification"]["message"] == "已送达" and msg["unread"] == 1
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()

    async_to_sync(scenario)()
    assert list(Notification.objects.filter(recipient=user).values_list("message", flat=True)) == ["已送达"]


def test_nothing_pushed_before_commit(client, users):
    user = users["inspector"]
    cookie = _session_cookie(client, user)

    async def scenario():
        import time

        from channels.db import database_sync_to_async

        comm, connected, _ = await _connect(cookie)
        await comm.receive_json_from(timeout=5)

        def notify_then_wait_inside_transaction():
            with transaction.atomic():
                notify(recipients=[user], verb="t", message="提交后才送达")
                time.sleep(0.3)
                return comm.output_queue.empty()

        assert await database_sync_to_async(notify_then_wait_inside_transaction)() is True
        msg = await comm.receive_json_from(timeout=5)
        assert msg["notification"]["message"] == "提交后才送达"
        await comm.disconnect()

    async_to_sync(scenario)()


def test_anonymous_socket_is_refused():
    async def scenario():
        comm, connected, code = await _connect()
        assert not connected
        assert code == 4401

    async_to_sync(scenario)()


def test_foreign_origin_is_refused(client, users):
    cookie = _session_cookie(client, users["inspector"])

    async def scenario():
        comm, connected, _ = await _connect(cookie, origin=b"http://evil.example")
        assert not connected

    async_to_sync(scenario)()


def test_catch_up_returns_what_was_missed(client, users):
    user = users["township_dacang"]
    first = notify(recipients=[user], verb="t", message="第一条")[0]
    notify(recipients=[user], verb="t", message="第二条")
    notify(recipients=[users["inspector"]], verb="t", message="别人的")
    cookie = _session_cookie(client, user)

    async def scenario():
        comm, connected, _ = await _connect(cookie)
        await comm.receive_json_from(timeout=5)
        await comm.send_json_to({"type": "catch_up", "after": first.pk})
        msg = await comm.receive_json_from(timeout=5)
        assert [n["message"] for n in msg["notifications"]] == ["第二条"]
        assert msg["unread"] == 2
        await comm.disconnect()

    async_to_sync(scenario)()
    feed = client.get(reverse("notification-feed") + f"?after={first.pk}").json()
    assert [n["message"] for n in feed["notifications"]] == ["第二条"]


def test_list_badge_and_mark_read(client, users):
    user = users["township_niujie"]
    n = notify(recipients=[user, user, users["leader"]], verb="t", message="请处理")
    assert len(n) == 2  # deduplicated per recipient
    client.force_login(user)
    page = client.get(reverse("notification-list")).content.decode()
    assert "请处理" in page and 'data-count="1"' in page
    client.post(reverse("notification-mark-read"), {"id": n[0].pk})
    assert 'data-count="0"' in client.get(reverse("home")).content.decode()
    assert Notification.objects.get(pk=n[1].pk).read_at is None  # the leader's is untouched


def test_actor_is_not_notified_of_own_action(users):
    assert notify(recipients=[users["leader"]], verb="t", message="x", exclude=users["leader"]) == []


def test_recipients_who_cannot_see_the_record_are_dropped(users, townships):
    from tests.kernel.factories import widget

    w = widget(townships["nanzhao"])
    sent = notify(recipients=[users["township_nanzhao"], users["township_miaojie"], users["discipline"]],
                  verb="t", message="只给能看见的人", target=w)
    assert [n.recipient.username for n in sent] == ["township_nanzhao"]


def test_scope_check_of_many_recipients_is_one_query(users, townships):
    from supervision.models import User
    from tests.helpers import assert_max_queries
    from tests.kernel.factories import widget

    w = widget(townships["nanzhao"])
    recipients = list(User.objects.filter(username__startswith="township_"))
    with assert_max_queries(4, "notify"):  # grants, insert (+ savepoint bookkeeping)
        sent = notify(recipients=recipients, verb="t", message="m", target=w, url="/x/")
    assert [n.recipient.username for n in sent] == ["township_nanzhao"]


def test_unread_counts_stop_at_the_cap_and_the_badge_says_99_plus(client, users):
    """A user with more unread notifications than the badge shows costs a count of UNREAD_CAP rows:
    the page, the socket's hello, the push and the feed all say 100, the bell "99+"."""
    from supervision import notify as notify_module

    user, other = users["township_nanzhao"], users["township_miaojie"]
    cap = notify_module.UNREAD_CAP
    Notification.objects.bulk_create([Notification(recipient=user, verb="t", message=f"第{i}条", seq=0)
                                      for i in range(cap + 19)])
    Notification.objects.bulk_create([Notification(recipient=other, verb="t", message="一条", seq=0)])
    assert notify_module.unread_count(user) == cap and notify_module.unread_count(other) == 1
    assert notify_module.unread_and_seq(user)[0] == cap
    assert notify_module.unread_counts([user.pk, other.pk]) == {user.pk: cap, other.pk: 1}
    cookie = _session_cookie(client, user)
    page = client.get(reverse("home")).content.decode()
    assert f'data-count="{cap}" data-cap="{cap}">{cap - 1}+</span>' in page

    async def scenario():
        comm, connected, _ = await _connect(cookie)
        assert connected
        assert (await comm.receive_json_from(timeout=5))["unread"] == cap

        def told():
            with transaction.atomic():
                notify(recipients=[user, other], verb="t", message="再来一条")

        from asgiref.sync import sync_to_async

        await sync_to_async(told)()
        assert (await comm.receive_json_from(timeout=5))["unread"] == cap  # still capped, not 120
        await comm.disconnect()

    async_to_sync(scenario)()
    assert notify_module.unread_count(other) == 2  # each recipient's own count
    for n in Notification.objects.filter(recipient=user)[:30]:
        n.read_at = n.created_at
        n.save(update_fields=["read_at"])
    assert notify_module.unread_count(user) == cap - 10  # 120 - 30 = 90
