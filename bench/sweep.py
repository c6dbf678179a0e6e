"""The sweep over the province's open items (run ``bench/province.py`` first), twice.

    python bench/sweep.py [--profile FILE]

The first run reminds what falls due within the reminder window and marks the overdue (through
the transition path, each with history and notifications); the second run finds nothing to do.
Changes the bench data (overdue marks, reminders), like a real first sweep: copy the database
from a template between runs. Prints, per run, the seconds, the marks inserted, what each job did
and the statements and seconds each job took. ``--profile`` writes the first run's cProfile
statistics to FILE (and prints the top functions by cumulative time).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="write the first sweep's cProfile statistics to this file")
    args = parser.parse_args(argv)
    common.setup(migrate=False)
    from django.db import connection
    from django.utils import timezone

    from supervision import notify
    from supervision import sweep as sweep_module
    from supervision.models import SweepMark
    from supervision.sweep import run_sweeps
    from workflows.notices.choices import OPEN_STATES
    from workflows.notices.models import NoticeAssignment

    per_job: dict[str, list] = {}
    current = [None]
    run_job = sweep_module._run_job

    def counting_run_job(label, job, now, min_interval):
        current[0] = label
        t = time.perf_counter()
        try:
            return run_job(label, job, now, min_interval)
        finally:
            per_job.setdefault(label, [0, 0.0])[1] += time.perf_counter() - t
            current[0] = None

    def count(execute, sql, params, many, context):
        if current[0] is not None:
            per_job.setdefault(current[0], [0, 0.0])[0] += 1
        return execute(sql, params, many, context)

    sweep_module._run_job = counting_run_job
    open_items = NoticeAssignment.objects.filter(state__in=OPEN_STATES).count()
    print(f"sweep over {open_items} open notice assignments ({common.load_note()})")
    now = timezone.now()
    for label in ("first", "second"):
        per_job.clear()
        marks = SweepMark.objects.count()
        profiler = None
        if args.profile and label == "first":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t = time.perf_counter()
        with connection.execute_wrapper(count):
            result = run_sweeps(now)
        notify.flush_pushes(timeout=60)
        elapsed = time.perf_counter() - t
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        done = {k: v for k, v in result.items() if v}
        print(f"  {label} sweep: {elapsed:.1f} s, {SweepMark.objects.count() - marks} marks inserted, did {done} "
              f"({common.load_note()})")
        for job, (statements, seconds) in per_job.items():
            if statements > 4 or seconds > 0.05:
                print(f"    {job}: {statements} statements, {seconds:.2f} s")
    if args.profile:
        import pstats

        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
