"""Test settings for working on the postings app alone while sibling workflow apps are being
written in the same checkout (a half-written sibling must not break these tests).

    DJANGO_SETTINGS_MODULE=tests.workflows.postings.settings  (pytest --ds=...)

Identical to config.settings.test except that workflow apps other than postings are left out.
"""
from config.settings.test import *  # noqa: F401,F403
from config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [a for a in INSTALLED_APPS if not a.startswith("workflows.") or a == "workflows.postings"]
