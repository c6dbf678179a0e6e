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


def test_a_kept_connection_that_broke_is_replaced_and_the_call_runs_again():
    gate = threading.Event()
    broken = []

    def read(i):
        gate.wait(10)
        # call 0 is first on its thread (a fresh, checked connection): its error is the caller's;
        # call 9 is queued behind the first calls, so it runs on a kept connection
        if i == 0 or (i == 9 and 9 not in broken):
            broken.append(i)
            raise OperationalError("server closed the connection unexpectedly")
        with connection.cursor() as c:
            c.execute("SELECT 1")
        return i

    call = consumers._in_db_thread(read)

    async def burst():
        tasks = [asyncio.ensure_future(call(i)) for i in range(12)]
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = async_to_sync(burst)()
    assert isinstance(results[0], OperationalError)
    assert results[1:] == list(range(1, 12)) and broken == [0, 9]  # 9 failed once, then ran again
    assert consumers._waiting == 0 and all(_each_thread_has_no_connection())


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
