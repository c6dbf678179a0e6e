import time

from django.core.management.base import BaseCommand, CommandError

from supervision.audit import checkpoint as cp
from supervision.audit import integrity
from supervision.audit.chain import verify


class Command(BaseCommand):
    help = ("Verify the hash chain over every history table; print OK and the head hash, or what is broken. "
            "With --checkpoint, also prove that nothing the signed checkpoint covered is gone or rewritten; "
            "with --incremental, read only the rows written after it.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", metavar="PATH",
                            help="a checkpoint file, or a directory (its newest checkpoint is used)")
        parser.add_argument("--incremental", action="store_true",
                            help="with --checkpoint: verify only what came after the checkpoint")

    def handle(self, *args, checkpoint=None, incremental=False, **options):
        if incremental and not checkpoint:
            raise CommandError("--incremental needs --checkpoint PATH")
        started = time.monotonic()
        if checkpoint:
            try:
                body = cp.load(checkpoint)
            except cp.CheckpointError as exc:
                raise CommandError(str(exc)) from None
            result = cp.verify_with_checkpoint(body, incremental=incremental)
        else:
            result = verify()
        elapsed = time.monotonic() - started
        integrity.record(result, checkpoint=str(checkpoint or ""),
                         checkpoint_created_at=body["created_at"] if checkpoint else "",
                         incremental=incremental, seconds=elapsed)
        if result.ok:
            self.stdout.write(f"OK, {result.rows} rows")
            self.stdout.write(f"head {result.head}")
            if checkpoint:
                self.stdout.write(f"checkpoint {body['created_at']}: every checkpointed row present and unchanged; "
                                  f"{result.rows_read} rows read")
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"{result.rows_read} rows read in {elapsed:.2f} s")
            return
        if result.problems and checkpoint:
            raise CommandError("BROKEN: " + cp.describe(result))
        raise CommandError(
            f"BROKEN at {result.broken_table} history_id={result.broken_history_id} "
            f"(record id={result.broken_object_id}): {result.reason}"
        )
