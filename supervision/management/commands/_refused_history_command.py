"""simple-history's commands that delete or bulk-write history rows, refused on audited tables.

``clean_old_history`` and ``clean_duplicate_history`` delete rows (history is append-only);
``populate_history`` bulk-creates rows outside the hash chain. The kernel's app precedes
simple_history in INSTALLED_APPS, so these commands replace simple-history's own.
"""
from django.core.management.base import BaseCommand, CommandError


class RefusedHistoryCommand(BaseCommand):
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")
        parser.add_argument("--auto", action="store_true")
        parser.add_argument("--days", type=int)
        parser.add_argument("--dry", action="store_true")
        parser.add_argument("--batchsize", type=int)
        parser.add_argument("-m", "--minutes", type=int)
        parser.add_argument("--excluded_fields", nargs="*")
        parser.add_argument("--base-manager", action="store_true")

    def handle(self, *args, **options):
        raise CommandError(
            f"{self.what} refused: every history table of this project is audited and append-only "
            "(hash-chained; see `verify_history`). Nothing was changed.")
