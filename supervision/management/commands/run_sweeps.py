import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from supervision.sweep import run_sweep_jobs


class Command(BaseCommand):
    help = ("Run every workflow's timers: reminders, overdue marks, escalations. Safe to run from a timer "
            "on every machine at once (a job running elsewhere is skipped; actions happen once). "
            "Exits 1 when a job failed (the others still ran; see the admin's 定时任务).")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this date/time (YYYY-MM-DD or ISO datetime).")
        parser.add_argument("--workflow", help="Only this workflow (app label).")
        parser.add_argument("--min-interval", type=int, default=0, metavar="SECONDS",
                            help="Skip a job that succeeded, on any machine, less than SECONDS ago "
                                 "(the shipped timer: 300 with a 10-minute timer).")
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS",
                            help="Run again every SECONDS until stopped (prefer the systemd timer).")

    def handle(self, *args, now=None, workflow=None, min_interval=0, loop=0, **options):
        when = None
        if now:
            day = parse_date(now)
            if day is not None:  # a bare date means that morning, 09:00 local time
                when = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 9, 0))
            else:
                when = parse_datetime(now)
                if when is None:
                    raise CommandError(f"--now: not a date or datetime: {now!r}")
                if timezone.is_naive(when):
                    when = timezone.make_aware(when)
        if min_interval < 0 or loop < 0:
            raise CommandError("--min-interval and --loop take a number of seconds ≥ 0")
        interval = dt.timedelta(seconds=min_interval) if min_interval else None
        while True:
            outcomes = run_sweep_jobs(when, only=workflow, min_interval=interval)
            failed = [o for o in outcomes if o.status == "failed"]
            for o in outcomes:
                if o.status == "ok":
                    self.stdout.write(f"{o.label}: {o.count}")
                elif o.status == "failed":
                    self.stderr.write(f"{o.label}: FAILED: {o.error}")
                else:
                    why = "running elsewhere" if o.status == "busy" else "ran recently"
                    self.stdout.write(f"{o.label}: skipped ({why})")
            total = sum(o.count for o in outcomes)
            self.stdout.write(f"done: {total} action(s) at {timezone.localtime(when or timezone.now()):%Y-%m-%d %H:%M}"
                              + (f", {len(failed)} job(s) failed" if failed else ""))
            if not loop:
                break
            time.sleep(loop)
        if failed:
            raise CommandError(f"{len(failed)} sweep job(s) failed: {', '.join(o.label for o in failed)}")
