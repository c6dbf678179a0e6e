#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    from django.core.management import execute_from_command_line

    from supervision.audit import context

    context.set_process_default(context.for_command(sys.argv))  # history rows: via=command, one id per run
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
