"""``/ws/notifications/``: one group per user; anonymous sockets are refused.

A pushed message costs the consumer no database work: the unread count and the user's
notification ``seq`` travel in the event (``notify.push``). The database is read only when the
socket opens and when the browser asks to catch up (after a gap in ``seq`` or a quiet period).
While the socket is open its group membership is renewed, so a tab left open for days keeps
receiving pushes although the channel layer expires memberships (``group_expiry``).
"""
import asyncio
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import notify, socket_auth


def renew_seconds() -> float:
    return float(settings.SUPERVISION.get("NOTIFY_GROUP_RENEW_SECONDS", 1200))


_executor = None
_executor_lock = threading.Lock()


def db_executor() -> ThreadPoolExecutor:
    """The threads the consumers' database calls run on (``NOTIFY_SOCKET_DB_THREADS`` of them).

    ``database_sync_to_async`` is thread-sensitive by default: outside a request, every
    consumer's call in the process then queues for one shared thread, so a thousand sockets
    opening at once (a worker restart) open one after another. These calls share no thread-bound
    state (each closes its connection, returning it to the pool), so they run on a few threads in
    parallel, bounded so that sockets never hold more than that many of the worker's pooled
    connections (``DB_POOL_MAX_SIZE``) while pages wait."""
    global _executor
    with _executor_lock:
        if _executor is None:
            size = int(settings.SUPERVISION.get("NOTIFY_SOCKET_DB_THREADS", 4))
            _executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="notify-socket-db")
        return _executor


_waiting = 0  # calls submitted to db_executor() that no thread has started yet
_waiting_lock = threading.Lock()


class _Call:
    """One queued database call; ``start()`` is True once, for whoever takes it first (the
    thread that runs it, or the coroutine that was cancelled before any thread did)."""

    __slots__ = ("taken",)

    def __init__(self):
        global _waiting
        self.taken = False
        with _waiting_lock:
            _waiting += 1

    def take(self) -> bool:
        global _waiting
        with _waiting_lock:
            if self.taken:
                return False
            self.taken = True
            _waiting -= 1
            return True


def _held_connection_call(ticket, func, args, kwargs):
    """Run ``func`` on this socket thread's database connection, kept while more calls wait.

    ``database_sync_to_async`` returns the connection to the pool after every call, and every
    checkout runs the pool's check (a round trip): on a burst of a thousand sockets opening (a
    worker restart), the checkouts cost as much as the two statements each socket needs. Here a
    thread keeps its connection while calls are queued behind it and returns it to the pool as
    soon as none is, so between bursts the sockets hold no connection. A kept connection that
    has broken in between (a database restart) is dropped and the call run once more on a fresh,
    checked one; these calls only read (and, on a session that no longer verifies, flush it)."""
    from django.db import close_old_connections, connection
    from django.db.utils import InterfaceError, OperationalError

    if not ticket.take():
        return None  # its socket was gone before its turn came
    reused = connection.connection is not None
    if not reused:
        close_old_connections()
    try:
        try:
            return func(*args, **kwargs)
        except (InterfaceError, OperationalError):
            if not reused or connection.in_atomic_block:
                raise
            connection.close()
            return func(*args, **kwargs)
    except BaseException:
        connection.close()  # never keep a connection a call failed on
        raise
    finally:
        with _waiting_lock:
            idle = _waiting <= 0
        if idle:
            close_old_connections()  # back to the pool: nothing is waiting for this thread


def _in_db_thread(func):
    """``func`` on ``db_executor()``, on a connection kept through a burst (``_held_connection_call``)."""
    async def call(*args, **kwargs):
        ticket = _Call()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                db_executor(), _held_connection_call, ticket, func, args, kwargs)
        finally:
            ticket.take()  # cancelled before a thread started it: no longer waiting
    return call


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Mounted behind ``SessionMiddlewareStack`` (config/asgi.py), not ``AuthMiddlewareStack``:
    opening a socket resolves the user *and* reads its notification state in one database call
    (one pooled connection, one thread hop, two statements: the session row, then the user row
    with its unread count and ``seq``; see ``socket_auth``) instead of two calls with their own
    connections."""

    async def connect(self):
        opened = await self._open()
        if opened is None:
            await self.close(code=4401)
            return
        user, unread, seq = opened
        self.scope["user"] = user
        self.group = notify.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self._renewal = asyncio.ensure_future(self._renew_membership())
        # A notification committed between the read above and group_add is not pushed here; its
        # number is, with the next push (a gap: live.js catches up) or the quiet-period check.
        await self.send_json({"type": "hello", "unread": unread, "seq": seq})

    async def disconnect(self, code):
        renewal = getattr(self, "_renewal", None)
        if renewal is not None:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await renewal
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _renew_membership(self):
        """Re-add the channel to its group well before the layer's group_expiry drops it."""
        while True:
            await asyncio.sleep(renew_seconds())
            with contextlib.suppress(Exception):  # a broker hiccup: try again next round
                await self.channel_layer.group_add(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # {"type": "catch_up", "after_seq": <last seq seen>} (or "after": <last id seen>)
        # → what was missed while offline or dropped by a full channel.
        if not isinstance(content, dict) or content.get("type") != "catch_up":
            return
        after_seq = _int(content.get("after_seq"))
        after = _int(content.get("after")) or 0
        missed, unread = await self._since(after, after_seq)
        await self.send_json({"type": "catch_up", "notifications": missed, "unread": unread})

    async def notification_new(self, event):
        message = {"type": "notification", "notification": event["notification"]}
        if "unread" in event:
            message["unread"] = event["unread"]
        await self.send_json(message)

    @_in_db_thread
    def _open(self):
        user = self.scope.get("user")  # a test or an outer auth middleware may have set it
        if user is not None and getattr(user, "is_authenticated", False):
            unread, seq = notify.unread_and_seq(user)
            return user, unread, seq
        return socket_auth.open_state(self.scope.get("session"))

    @_in_db_thread
    def _since(self, after, after_seq):
        user = self.scope["user"]
        items = [n.as_payload() for n in notify.notifications_since(user, after, after_seq=after_seq)]
        return items, notify.unread_count(user)


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
