"""The sockets' database threads (supervision.consumers): through a burst of calls a thread keeps
its connection (no checkout, with its check, per call), and returns it once nothing waits; a kept
connection that broke in between is replaced and the call runs again."""
import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.utils import OperationalError

from supervision import consumers

pytestmark = pytest.mark.django_db(transaction=True)


def _threads():
    return consumers.db_executor().max_workers


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
    assert _idle_threads_hold_no_connection()  # all returned once the burst was over


def _idle_threads_hold_no_connection(rounds: int = 20) -> bool:
    """A thread that finished the burst's last call may find the probes already queued (so, rightly,
    keep its connection for them): it returns it when the queue is empty, so probe again after."""
    for _ in range(rounds):
        if all(_each_thread_has_no_connection()):
            return True
        time.sleep(0.05)
    return False


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
        assert consumers._on_kept_connection(select, (1,), {}) == 1
        assert connection.connection is not None  # kept for the next call
        return consumers._on_kept_connection(broken_once, (2,), {})

    out = _in_one_thread(scenario)
    assert out == {"value": 2} and runs == [2, 2]  # failed on the kept connection, ran again on a fresh one


def test_a_fresh_connection_that_fails_fails_the_call():
    def fails():
        raise OperationalError("could not connect to server")

    def scenario():
        try:
            return consumers._on_kept_connection(fails, (), {})
        finally:
            assert connection.connection is None  # not kept after a failure

    out = _in_one_thread(scenario)
    assert isinstance(out.get("error"), OperationalError)


def test_a_call_cancelled_before_its_turn_never_runs():
    gate = threading.Event()
    ran = []

    def slow(i):
        gate.wait(10)
        ran.append(i)

    call = consumers._in_db_thread(slow)

    async def scenario():
        busy = [asyncio.ensure_future(call(i)) for i in range(_threads())]
        await asyncio.sleep(0.2)
        queued = asyncio.ensure_future(call("queued"))
        await asyncio.sleep(0.05)
        queued.cancel()
        await asyncio.sleep(0.05)  # the cancellation reaches the queued call on the loop's next turns
        gate.set()
        await asyncio.gather(*busy)
        with pytest.raises(asyncio.CancelledError):
            await queued

    async_to_sync(scenario)()
    assert sorted(ran) == list(range(_threads())) and _idle_threads_hold_no_connection()


def test_a_forked_process_starts_threads_of_its_own():
    """A live-server or daphne child forked after the parent used its threads must not queue calls
    for threads it does not have."""
    import multiprocessing

    consumers.db_executor().submit(lambda: None).result(timeout=10)  # the parent's threads are running
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()

    def child():
        fut = consumers.db_executor().submit(lambda: "ran")
        out.put(fut.result(timeout=10))

    p = ctx.Process(target=child)
    p.start()
    p.join(30)
    assert out.get(timeout=5) == "ran"
