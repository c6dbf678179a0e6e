"""Sending committed notifications to the sockets' groups (``notify.push`` hands them over here).

With channels-redis (production) the committing thread sends, right after its commit, without the
layer's asyncio client: ``RedisBatchSender`` does what ``RedisChannelLayer.group_send`` does for
every message of the commit, in two pipelined round trips with redis-py's plain client (one when
no socket of the recipients is open) — the groups' members (expired ones dropped), then every
message with the layer's capacity rule, in the same Redis keys and the same serialised form as
the layer's own ``group_send``, so the consumers' ``receive`` reads them as before.

Measured (issue 11, the transition bench): the asyncio path cost about 0.4 ms of CPU per commit;
handing each commit to a sending thread cost 0.43 ms of CPU and 0.4 ms of the request's time
(the queue, waking the thread, the two threads taking turns at the GIL), against 0.09 ms of CPU
and 0.13 ms of waiting for the send itself. So the commit's own thread sends. A broker that does
not answer cannot hold requests up: the plain client's socket times out after
``NOTIFY_PUSH_TIMEOUT`` seconds, and after a failure the process sends nothing for
``NOTIFY_PUSH_BACKOFF`` seconds (delivery is at-most-once; the browsers' catch-up by ``seq``
fetches what did not arrive).

Any other layer is sent to through its own ``group_send``: the in-memory layer (development,
tests) belongs to the server's loop, so through ``async_to_sync`` in the committing thread; the
rest (a sentinel-configured Redis, say) from a long-lived event loop in one sending thread per
process, in order.
"""
from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
from collections import defaultdict

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer

log = logging.getLogger(__name__)

# channels-redis' own group_send script: add the message to each channel's sorted set unless the
# channel is at capacity; returns how many channels were over capacity.
GROUP_SEND_LUA = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


async def send_all(layer, events) -> None:
    """One batch through the layer's own ``group_send``: different users' groups concurrently,
    one user's in order."""
    by_group: dict[str, list] = {}
    for group, event in events:
        by_group.setdefault(group, []).append(event)

    async def to_group(group, group_events):
        for event in group_events:
            try:
                await layer.group_send(group, event)
            except Exception:  # a broker outage must not fail a committed request
                log.exception("notification push to %s failed", group)

    if len(by_group) == 1:
        await to_group(*next(iter(by_group.items())))
    else:
        await asyncio.gather(*(to_group(g, evs) for g, evs in by_group.items()))


def _is_batchable(layer) -> bool:
    try:
        from channels_redis.core import RedisChannelLayer
    except ImportError:  # pragma: no cover - channels-redis is in the lock file
        return False
    return (type(layer) is RedisChannelLayer
            and all("master_name" not in host for host in layer.hosts))


class RedisBatchSender:
    """``group_send`` of many (group, message) pairs on a ``channels_redis.core.RedisChannelLayer``
    in two round trips per Redis host, from a plain thread.

    The same steps as the layer's ``group_send``, per message: drop the group's members older
    than ``group_expiry``, read the rest, drop each channel's messages older than ``expiry``, add
    the message (serialised per channel key by the layer itself, with ``__asgi_channel__``) to
    every channel under its capacity. Each message gets a score above the one before, so one
    channel's messages leave in the order they were sent."""

    def __init__(self, layer, timeout: float | None = None):
        import redis

        self.layer = layer
        self.clients = []
        for host in layer.hosts:
            host = dict(host)
            if timeout is not None:  # the committing thread waits at most this long for the broker
                host.setdefault("socket_timeout", timeout)
                host.setdefault("socket_connect_timeout", timeout)
            address = host.pop("address", None)
            pool = (redis.ConnectionPool.from_url(address, **host) if address is not None
                    else redis.ConnectionPool(**host))
            self.clients.append(redis.Redis(connection_pool=pool))
        self.scripts = [client.register_script(GROUP_SEND_LUA) for client in self.clients]
        self._last_score = 0.0
        self._score_lock = threading.Lock()

    def _score(self) -> float:
        with self._score_lock:  # request threads of one process share the sender
            self._last_score = max(time.time(), self._last_score + 1e-6)
            return self._last_score

    def send(self, events) -> None:
        layer = self.layer
        by_host: dict[int, list] = defaultdict(list)
        for group, event in events:
            assert layer.require_valid_group_name(group), "Group name not valid"
            by_host[layer.consistent_hash(group)].append((group, event))
        members_cutoff = int(time.time()) - layer.group_expiry
        deliveries: dict[int, list] = defaultdict(list)
        for index, items in by_host.items():
            pipe = self.clients[index].pipeline(transaction=False)
            for group, _event in items:
                key = layer._group_key(group)
                pipe.zremrangebyscore(key, min=0, max=members_cutoff)
                pipe.zrange(key, 0, -1)
            replies = pipe.execute()
            for (group, event), members in zip(items, replies[1::2], strict=True):
                if not members:
                    continue
                names = [m.decode("utf8") for m in members]
                host_keys, key_message, key_capacity = layer._map_channel_keys_to_connection(names, event)
                for host, keys in host_keys.items():
                    deliveries[host].append((group, keys, [key_message[k] for k in keys],
                                             [key_capacity[k] for k in keys]))
        messages_cutoff = int(time.time()) - int(layer.expiry)
        for host, batch in deliveries.items():
            pipe = self.clients[host].pipeline(transaction=False)
            for _group, keys, messages, capacities in batch:
                for key in keys:
                    pipe.zremrangebyscore(key, min=0, max=messages_cutoff)
                self.scripts[host](keys=keys, args=[*messages, *capacities, self._score(), layer.expiry],
                                   client=pipe)
            replies = iter(pipe.execute())
            for group, keys, _m, _c in batch:  # per message: one reply per key, then the script's
                for _key in keys:
                    next(replies)
                over = next(replies)
                if over:
                    log.info("%s of %s channels over capacity in group %s", over, len(keys), group)


def _settings() -> tuple[float, float]:
    from django.conf import settings

    conf = settings.SUPERVISION
    return float(conf.get("NOTIFY_PUSH_TIMEOUT", 0.5)), float(conf.get("NOTIFY_PUSH_BACKOFF", 5))


class Pusher:
    """``send(layer, events)`` after a commit: on channels-redis at once, from the calling thread
    (``RedisBatchSender``, one per layer); the in-memory layer through ``async_to_sync``; any
    other layer queued for one sending thread per process (started on first use, and again after
    a fork) that sends everything queued so far as one batch, in order, from its own event loop."""

    def __init__(self):
        self._thread = None
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._senders: dict[int, RedisBatchSender] = {}
        self._loop = None
        self._quiet_until = 0.0  # after a failed send: monotonic time before which nothing is sent

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._queue = queue.Queue()  # a forked child's copy may hold its parent's items
                self._thread = threading.Thread(target=self._run, name="notify-push", daemon=True)
                self._thread.start()
                atexit.register(self.flush)

    def _run(self) -> None:
        q = self._queue
        while True:
            batch = [q.get()]
            while True:
                try:
                    batch.append(q.get_nowait())
                except queue.Empty:
                    break
            try:
                self._send_batch(batch)
            except Exception:
                log.exception("notification push failed")
            finally:
                for _item in batch:
                    q.task_done()

    def _send_batch(self, batch) -> None:
        # consecutive items for the same layer go out together (usually all of them: one layer)
        runs: list[tuple[object, list]] = []
        for layer, events in batch:
            if runs and runs[-1][0] is layer:
                runs[-1][1].extend(events)
            else:
                runs.append((layer, list(events)))
        for layer, events in runs:
            try:
                if self._loop is None:
                    self._loop = asyncio.new_event_loop()
                self._loop.run_until_complete(send_all(layer, events))
            except Exception:  # a broker outage must not fail a committed request
                log.exception("notification push failed")

    def _sender(self, layer) -> RedisBatchSender | None:
        """The layer's sender if it is channels-redis (made on first use), else None."""
        sender = self._senders.get(id(layer))
        if sender is not None and sender.layer is layer:
            return sender
        if not _is_batchable(layer):
            return None
        with self._lock:
            sender = self._senders.get(id(layer))
            if sender is None or sender.layer is not layer:
                sender = self._senders[id(layer)] = RedisBatchSender(layer, timeout=_settings()[0])
        return sender

    def _send_now(self, sender, events) -> None:
        if time.monotonic() < self._quiet_until:
            log.debug("notification push skipped: the broker failed less than the back-off ago")
            return
        try:
            sender.send(events)
        except Exception:  # a broker outage must not fail a committed request, nor hold the next up
            self._quiet_until = time.monotonic() + _settings()[1]
            log.exception("notification push failed; none sent from this process for %s s", _settings()[1])

    def send(self, layer, events) -> None:
        if isinstance(layer, InMemoryChannelLayer):
            try:
                async_to_sync(send_all)(layer, events)
            except Exception:
                log.exception("notification push failed")
            return
        sender = self._sender(layer)
        if sender is not None:
            self._send_now(sender, events)
            return
        self._ensure_thread()
        self._queue.put((layer, events))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait (bounded) until the pushes queued for the sending thread are sent (tests, exiting
        commands); a channels-redis push is sent before ``send`` returns."""
        if self._thread is None or not self._thread.is_alive():
            return
        q = self._queue
        with q.all_tasks_done:
            q.all_tasks_done.wait_for(lambda: not q.unfinished_tasks, timeout)
