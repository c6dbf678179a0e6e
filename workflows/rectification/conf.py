"""Rectification limits (DESIGN §4.2). Each one: settings.RECTIFICATION[name], else the
environment variable RECTIFICATION_<NAME>, else the default below."""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # Acceptance bar: accepted only with score >= ACCEPT_MIN_SCORE and dissatisfied share
    # (percent) <= ACCEPT_MAX_DISSATISFIED.
    "ACCEPT_MIN_SCORE": 70,
    "ACCEPT_MAX_DISSATISFIED": 50,
    # Monthly progress report: due by this day of each month while rectifying.
    "PROGRESS_DUE_DAY": 25,
    # Reminder this many calendar days before the monthly report is due.
    "PROGRESS_REMIND_DAYS": 5,
    # Reminder this many calendar days before the rectification deadline.
    "DUE_REMIND_DAYS": 15,
    # Follow-up period after acceptance before the record may be closed (months).
    "FOLLOW_UP_MONTHS": 12,
}


def get(name: str) -> int:
    configured = getattr(settings, "RECTIFICATION", {}) or {}
    if name in configured:
        return configured[name]
    value = os.environ.get(f"RECTIFICATION_{name}")
    if value not in (None, ""):
        return int(value)
    return DEFAULTS[name]
