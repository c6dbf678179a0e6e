"""Test settings with only this workflow installed, so that the other workflows, written at
the same time in the same checkout, cannot break these tests while half-done.

    DJANGO_SETTINGS_MODULE=tests.workflows.notices.isolated_settings pytest tests/workflows/notices
"""
from config.settings.test import *  # noqa: F401,F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [a for a in INSTALLED_APPS if not a.startswith("workflows.") or a == "workflows.notices"]
