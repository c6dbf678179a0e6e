"""``/ws/notifications/``: one group per user; anonymous sockets are refused.

A pushed message costs the consumer no database work: the unread count and the user's
notification ``seq`` travel in the event (``notify.push``). The database is read only when the
socket opens and when the browser asks to catch up (after a gap in ``seq`` or a quiet period).
While the socket is open its group membership is renewed, so a tab left open for days keeps
receiving pushes although the channel layer expires memberships (``group_expiry``).
"""
import asyncio
import contextlib
import functools
import os
import queue
import threading
from concurrent.futures import Executor, Future

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import notify, socket_auth


def renew_seconds() -> float:
    return float(settings.SUPERVISION.get("NOTIFY_GROUP_RENEW_SECONDS", 1200))


class SocketDBThreads(Executor):
    """The threads the consumers' database calls run on (``NOTIFY_SOCKET_DB_THREADS`` of them).

    ``database_sync_to_async`` is thread-sensitive by default: outside a request, every
    consumer's call in the process then queues for one shared thread, so a thousand sockets
    opening at once (a worker restart) open one after another. These calls share no thread-bound
    state, so they run on a few threads in parallel, bounded so that sockets never hold more than
    that many of the worker's pooled connections (``DB_POOL_MAX_SIZE``) while pages wait.

    And ``database_sync_to_async`` returns the connection to the pool after every call, each
    checkout then running the pool's check (a round trip): through a burst of sockets opening the
    checkouts cost as much as the two statements each socket needs. Here a thread keeps its
    connection from one call to the next and gives it back when it finds no call waiting, just
    before it waits itself, so between bursts the sockets hold no connection. A kept connection
    that broke in between (a database restart) is dropped and the call run once more on a fresh,
    checked one; these calls only read (and, on a session that no longer verifies, flush it)."""

    def __init__(self, max_workers: int):
        self.max_workers = max(1, max_workers)
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        self._calls.put((future, fn, args, kwargs))
        with self._lock:
            if len(self._threads) < self.max_workers:
                t = threading.Thread(target=self._work, name=f"notify-socket-db-{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
        return future

    def _work(self):
        from django.db import close_old_connections

        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                close_old_connections()  # nothing waiting: the connection goes back to the pool
                call = self._calls.get()
            future, fn, args, kwargs = call
            if not future.set_running_or_notify_cancel():
                continue  # its socket was gone before its turn came
            try:
                result = _on_kept_connection(fn, args, kwargs)
            except BaseException as exc:  # noqa: BLE001 (handed to the awaiting coroutine)
                future.set_exception(exc)
            else:
                future.set_result(result)


def _on_kept_connection(fn, args, kwargs):
    from django.db import close_old_connections, connection
    from django.db.utils import InterfaceError, OperationalError

    reused = connection.connection is not None
    if reused and connection.in_atomic_block:
        connection.close()  # a call left a transaction open: never carry it into the next one
        reused = False
    if not reused:
        close_old_connections()
    try:
        try:
            return fn(*args, **kwargs)
        except (InterfaceError, OperationalError):
            if not reused or connection.in_atomic_block:
                raise
            connection.close()  # it broke while kept: once more on a fresh, checked connection
            return fn(*args, **kwargs)
    except BaseException:
        connection.close()  # never keep a connection a call failed on
        raise


_executor = None
_executor_lock = threading.Lock()


def _forget_executor_after_fork():
    """A forked process (a live-server or daphne child) has none of its parent's threads: it
    starts its own executor rather than queue calls for threads that do not exist."""
    global _executor, _executor_lock
    _executor, _executor_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_executor_after_fork)


def db_executor() -> SocketDBThreads:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = SocketDBThreads(int(settings.SUPERVISION.get("NOTIFY_SOCKET_DB_THREADS", 4)))
        return _executor


def _in_db_thread(func):
    """``func`` on ``db_executor()``, on the thread's kept connection (``SocketDBThreads``)."""
    async def call(*args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(db_executor(), functools.partial(func, *args, **kwargs))
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
