from django.core.management.base import BaseCommand
from django.db import transaction

from supervision import registry
from supervision.audit.actor import acting_as, system_actor
from supervision.demo import DEFAULT_PASSWORD, seed_kernel


class Command(BaseCommand):
    help = "Create (or bring up to date) the Weishan demo county, its users and demo records. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None,
                            help=f"Password for every demo user (default for new users: {DEFAULT_PASSWORD}).")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, password=None, quiet_logins=False, **options):
        with acting_as(system_actor()), transaction.atomic():
            logins = seed_kernel(password)
            for wf in registry.workflows():
                if wf.seed_demo is not None:
                    wf.seed_demo(self.stdout)
        if not quiet_logins:
            self.stdout.write(self.style.SUCCESS("Demo county ready. Logins (password: %s):"
                                                 % (password or f"{DEFAULT_PASSWORD}, unless changed")))
            for username, desc in logins:
                self.stdout.write(f"  {username:<22} {desc}")
