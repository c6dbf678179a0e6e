from django.core.management.base import BaseCommand, CommandError

from supervision.audit import checkpoint as cp


class Command(BaseCommand):
    help = ("Verify the history and write a signed checkpoint (rows and head hash per table and per record, "
            "HMAC with HISTORY_CHECKPOINT_KEY from the environment) to PATH: a file, or a directory "
            "(checkpoint-<UTC time>.json). Keep it outside the database, ideally on another machine.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="file or directory to write to")
        parser.add_argument("--full", action="store_true",
                            help="verify every row even when PATH already holds an earlier checkpoint")

    def handle(self, *args, path, full=False, **options):
        try:
            previous_path = None if full else cp.latest(path)
            previous = cp.load(previous_path) if previous_path else None
            checkpoint, result = cp.take(previous=previous)
        except cp.CheckpointError as exc:
            raise CommandError(str(exc)) from None
        written = cp.write(checkpoint, path)
        self.stdout.write(f"checkpoint {written}: {result.rows} rows, head {result.head}")
