"""The sockets' database threads (supervision.consumers): through a burst of calls a thread keeps
its connection (no checkout, with its check, per call), and returns it once nothing waits; a kept
connection that broke in between is replaced and the call runs again."""
import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.utils import OperationalError

from supervision import consumers

pytestmark = pytest.mark.django_db(transaction=True)


def _threads():
    return consumers.db_executor()._max_workers


def _each_thread_has_no_connection():
    """Run one probe on every executor thread at once (a barrier keeps each on its own thread)."""
    n = _threads()
    barrier = threading.Barrier(n, timeout=10)

    def probe():
        barrier.wait()
        return connection.connection is None

    futures = [consumers.db_executor().submit(probe) for _ in range(n)]
    return [f.result(timeout=20) for f in futures]


def test_a_burst_checks_out_a_connection_per_thread_not_per_call():
    opened = []
    gate = threading.Event()

    def count(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    def read(i):
        gate.wait(10)  # the first calls hold their threads while the rest queue behind them
        with connection.cursor() as c:
            c.execute("SELECT %s", [i])
            return c.fetchone()[0]

    call = consumers._in_db_thread(read)

    async def burst():
        tasks = [asyncio.ensure_future(call(i)) for i in range(40)]
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(*tasks)

    connection_created.connect(count)
    try:
        assert async_to_sync(burst)() == list(range(40))
    finally:
        connection_created.disconnect(count)
    assert 1 <= len(opened) <= _threads(), opened  # not 40
    assert consumers._waiting == 0
    assert all(_each_thread_has_no_connection())  # all returned once the burst was over


def _in_one_thread(fn):
    """``fn()`` on a thread of its own (its own connection), its result or exception returned."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except Exception as exc:  # noqa: BLE001 (handed back to the test)
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(20)
    return out


def test_a_kept_connection_that_broke_is_replaced_and_the_call_runs_again():
    runs = []

    def select(i):
        with connection.cursor() as c:
            c.execute("SELECT %s", [i])
            return c.fetchone()[0]

    def broken_once(i):
        runs.append(i)
        if len(runs) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return select(i)

    def scenario():
        first, second = consumers._Call(), consumers._Call()  # two calls queued
        assert consumers._held_connection_call(first, select, (1,), {}) == 1
        kept = connection.connection
        assert kept is not None  # the second call waits: the connection is kept for it
        value = consumers._held_connection_call(second, broken_once, (2,), {})
        return value, connection.connection is None

    out = _in_one_thread(scenario)
    assert out == {"value": (2, True)} and runs == [2, 2]  # retried once on a fresh connection, then returned
    assert consumers._waiting == 0


def test_a_fresh_connection_that_fails_fails_the_call():
    def fails():
        raise OperationalError("could not connect to server")

    def scenario():
        return consumers._held_connection_call(consumers._Call(), fails, (), {})

    out = _in_one_thread(scenario)
    assert isinstance(out.get("error"), OperationalError) and consumers._waiting == 0


def test_a_call_cancelled_before_its_turn_is_not_left_waiting():
    gate = threading.Event()

    def slow():
        gate.wait(10)

    call = consumers._in_db_thread(slow)

    async def scenario():
        busy = [asyncio.ensure_future(call()) for _ in range(_threads())]
        await asyncio.sleep(0.2)
        queued = asyncio.ensure_future(call())
        await asyncio.sleep(0.05)
        queued.cancel()
        gate.set()
        await asyncio.gather(*busy)
        with pytest.raises(asyncio.CancelledError):
            await queued

    async_to_sync(scenario)()
    assert consumers._waiting == 0 and all(_each_thread_has_no_connection())
