"""Limits of the notices workflow (DESIGN §4.1). Every one is a setting with a default,
overridable by ``settings.NOTICES = {...}`` or by the environment (``NOTICES_<NAME>``).

    NOTICES_DAYS_URGENT=3 python manage.py runserver
"""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, int | str] = {
    # Working days to respond, by urgency.
    "DAYS_URGENT": 5,
    "DAYS_NORMAL": 15,
    "DAYS_DIFFICULT": 30,
    # The reminder goes out this many working days before the deadline.
    "REMIND_WORKING_DAYS_BEFORE": 2,
    # Prefix of the notice number: 巍督〔2026〕12号.
    "NUMBER_PREFIX": "巍督",
    # Rows per page in the register.
    "REGISTER_PAGE_SIZE": 50,
    # Longest response (整改报告) text accepted.
    "MAX_RESPONSE_LENGTH": 20000,
}


def get(name: str):
    """The value of one limit: settings.NOTICES, then NOTICES_<NAME> from the environment, then the default."""
    default = DEFAULTS[name]
    configured = getattr(settings, "NOTICES", {}) or {}
    if name in configured:
        return configured[name]
    raw = os.environ.get(f"NOTICES_{name}")
    if raw not in (None, ""):
        return int(raw) if isinstance(default, int) else raw
    return default


def days_for(urgency: str) -> int:
    return int(get(f"DAYS_{urgency.upper()}"))
