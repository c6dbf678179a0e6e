"""Run callables at the same moment in threads, each on its own database connection."""
import threading

from django.db import connections


def at_once(*jobs):
    """Start every job together (a barrier) and return, in job order, what each returned or
    the exception it raised. Each thread closes its own connections when done."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            outcomes[i] = job()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
