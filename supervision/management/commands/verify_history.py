from django.core.management.base import BaseCommand, CommandError

from supervision.audit.chain import verify


class Command(BaseCommand):
    help = "Verify the hash chain over every history table; print OK and the head hash, or the first broken row."

    def handle(self, *args, **options):
        result = verify()
        if result.ok:
            self.stdout.write(f"OK, {result.rows} rows")
            self.stdout.write(f"head {result.head}")
            return
        raise CommandError(
            f"BROKEN at {result.broken_table} history_id={result.broken_history_id} "
            f"(record id={result.broken_object_id}): {result.reason}"
        )
