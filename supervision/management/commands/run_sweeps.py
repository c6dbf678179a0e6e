import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from supervision.sweep import run_sweeps


class Command(BaseCommand):
    help = ("Run every workflow's timers: reminders, overdue marks, escalations. Idempotent and safe to "
            "run from several machines at once; schedule it (cron/systemd) or use --loop.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this date/time (YYYY-MM-DD or ISO datetime).")
        parser.add_argument("--workflow", help="Only this workflow (app label).")
        parser.add_argument("--loop", type=int, default=0, help="Run again every N seconds until stopped.")

    def handle(self, *args, now=None, workflow=None, loop=0, **options):
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
        while True:
            results = run_sweeps(when, only=workflow)
            total = sum(results.values())
            for label, count in results.items():
                self.stdout.write(f"{label}: {count}")
            self.stdout.write(f"done: {total} action(s) at {timezone.localtime(when or timezone.now()):%Y-%m-%d %H:%M}")
            if not loop:
                break
            time.sleep(loop)
