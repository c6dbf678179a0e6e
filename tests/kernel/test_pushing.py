"""Pushes (``supervision.pushing``): on channels-redis, what the committing thread sends is what the
layer's own ``group_send`` would have put in Redis — read back here by the layer's own ``receive``
— in two pipelined round trips per commit; any other layer through its ``group_send``, in order,
from one sending thread.

The Redis tests run where ``REDIS_URL`` is set (the PostgreSQL + Redis run of ``.ci/run``).
"""
import asyncio
import logging
import os
import uuid

import pytest
from asgiref.sync import async_to_sync

from supervision.pushing import Pusher, RedisBatchSender

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL")


def _layer(**config):
    from channels_redis.core import RedisChannelLayer

    return RedisChannelLayer(hosts=[REDIS_URL], prefix=f"test-push-{uuid.uuid4().hex[:8]}", **config)


def _event(n):
    return {"type": "notification.new", "notification": {"id": n, "message": f"第 {n} 条"}, "unread": n}


async def _receive_all(layer, channel, n):
    return [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(n)]


def _drained(layer, channel) -> bool:
    async def empty():
        try:
            await asyncio.wait_for(layer.receive(channel), 0.2)
        except TimeoutError:
            return True
        return False

    return async_to_sync(empty)()


@needs_redis
def test_every_member_of_a_group_gets_every_message_in_order():
    layer = _layer()

    async def members():
        local, plain = await layer.new_channel(), f"plain-{uuid.uuid4().hex[:6]}"
        await layer.group_add("notifications.user.7", local)
        await layer.group_add("notifications.user.7", plain)
        await layer.group_add("notifications.user.8", local)
        return local, plain

    local, plain = async_to_sync(members)()
    RedisBatchSender(layer).send([("notifications.user.7", _event(1)), ("notifications.user.8", _event(2)),
                                  ("notifications.user.7", _event(3)), ("notifications.user.9", _event(4))])
    got_local = async_to_sync(_receive_all)(layer, local, 3)
    got_plain = async_to_sync(_receive_all)(layer, plain, 2)
    assert [m["notification"]["id"] for m in got_local] == [1, 2, 3]
    assert [m["notification"]["id"] for m in got_plain] == [1, 3]
    assert got_local[0] == _event(1)  # the layer's own serialisation, read back whole
    assert _drained(layer, local) and _drained(layer, plain)


@needs_redis
def test_a_batch_costs_two_round_trips_whatever_its_size():
    layer = _layer()

    async def members():
        channels = [await layer.new_channel() for _ in range(10)]
        for i, ch in enumerate(channels):
            await layer.group_add(f"notifications.user.{i}", ch)
        return channels

    channels = async_to_sync(members)()
    sender = RedisBatchSender(layer)
    executed = []
    client = sender.clients[0]
    original = client.pipeline

    def pipeline(*args, **kwargs):
        pipe = original(*args, **kwargs)
        run = pipe.execute
        pipe.execute = lambda *a, **k: executed.append(len(pipe.command_stack)) or run(*a, **k)
        return pipe

    client.pipeline = pipeline
    sender.send([(f"notifications.user.{i % 10}", _event(i)) for i in range(30)])
    assert len(executed) == 2
    for i, ch in enumerate(channels):
        got = async_to_sync(_receive_all)(layer, ch, 3)
        assert [m["notification"]["id"] for m in got] == [i, i + 10, i + 20]

    executed.clear()  # nobody listening: the members' read only
    sender.send([("notifications.user.99", _event(1))])
    assert len(executed) == 1


@needs_redis
def test_a_full_channel_drops_like_the_layer_does(caplog):
    layer = _layer(capacity=3)
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("notifications.user.5", channel)
    with caplog.at_level(logging.INFO, logger="supervision.pushing"):
        RedisBatchSender(layer).send([("notifications.user.5", _event(i)) for i in range(5)])
    got = async_to_sync(_receive_all)(layer, channel, 3)
    assert [m["notification"]["id"] for m in got] == [0, 1, 2]
    assert _drained(layer, channel)
    assert "over capacity in group notifications.user.5" in caplog.text


@needs_redis
def test_expired_group_members_get_nothing_and_are_dropped():
    layer = _layer(group_expiry=60)
    stale, fresh = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("notifications.user.3", fresh)
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    key = layer._group_key("notifications.user.3")
    client.zadd(key, {stale: 1})  # added long ago, never renewed
    RedisBatchSender(layer).send([("notifications.user.3", _event(1))])
    assert async_to_sync(_receive_all)(layer, fresh, 1)[0]["notification"]["id"] == 1
    assert _drained(layer, stale)
    assert client.zrange(key, 0, -1) == [fresh.encode()]


@needs_redis
def test_on_channels_redis_the_committing_thread_sends_before_send_returns():
    layer = _layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("notifications.user.4", channel)
    pusher = Pusher()
    for i in range(20):
        pusher.send(layer, [("notifications.user.4", _event(i))])
    assert pusher._thread is None  # no sending thread, nothing queued
    got = async_to_sync(_receive_all)(layer, channel, 20)
    assert [m["notification"]["id"] for m in got] == list(range(20))
    assert len(pusher._senders) == 1  # one sender (and connection pool) per layer


def test_a_broker_that_does_not_answer_holds_no_request_up(caplog, settings):
    """The plain client times out (NOTIFY_PUSH_TIMEOUT); after a failure the process sends
    nothing for NOTIFY_PUSH_BACKOFF seconds, so later commits do not wait for the broker again."""
    import socket
    import time

    from channels_redis.core import RedisChannelLayer

    settings.SUPERVISION = {**settings.SUPERVISION, "NOTIFY_PUSH_TIMEOUT": 0.2, "NOTIFY_PUSH_BACKOFF": 60}
    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        layer = RedisChannelLayer(hosts=[f"redis://127.0.0.1:{silent.getsockname()[1]}/0"], prefix="test-silent")
        pusher = Pusher()
        with caplog.at_level(logging.DEBUG, logger="supervision.pushing"):
            t = time.monotonic()
            pusher.send(layer, [("notifications.user.1", _event(1))])  # logged, not raised
            first = time.monotonic() - t
            (sender,) = pusher._senders.values()
            tried = []
            sender.send = tried.append
            for i in range(5):
                pusher.send(layer, [("notifications.user.1", _event(i))])
    finally:
        silent.close()
    assert first < 5  # bounded by the socket timeout, not hanging on the broker
    assert tried == []  # during the back-off the broker is not tried at all
    assert caplog.text.count("notification push failed") == 1
    assert caplog.text.count("push skipped") == 5


class _RecordingLayer:
    """Not channels-redis: sent to through its own ``group_send``."""

    def __init__(self, fail_on=None):
        self.sent, self.fail_on, self.loops = [], fail_on, set()

    async def group_send(self, group, message):
        self.loops.add(id(asyncio.get_running_loop()))
        if message.get("n") == self.fail_on:
            raise ConnectionError("broker down")
        self.sent.append((group, message["n"]))


def test_another_layer_gets_its_group_send_from_one_loop_in_order(caplog):
    layer = _RecordingLayer(fail_on=2)
    pusher = Pusher()
    with caplog.at_level(logging.ERROR, logger="supervision.pushing"):
        for n in range(5):
            pusher.send(layer, [("g.a", {"n": n}), ("g.b", {"n": n + 10})])
        pusher.flush(timeout=5)
    assert [n for g, n in layer.sent if g == "g.a"] == [0, 1, 3, 4]  # the failed one logged, the rest sent
    assert [n for g, n in layer.sent if g == "g.b"] == [10, 11, 12, 13, 14]
    assert len(layer.loops) == 1
    assert "notification push to g.a failed" in caplog.text


def test_flush_without_a_thread_returns_at_once():
    Pusher().flush(timeout=0.1)
