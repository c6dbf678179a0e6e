"""Limits of the postings workflow (DESIGN §4.3). Each one is a default that a county may change:
``settings.POSTINGS = {...}`` or the environment variable ``POSTINGS_<NAME>`` (integers).
Read at call time, so tests can override them with the ``settings`` fixture."""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # At most this percentage of a year's assessments may be graded 优秀 (county-wide).
    "EXCELLENT_QUOTA_PERCENT": 25,
    # Fewer days on site in the assessed year bars 优秀 ...
    "MIN_DAYS_ON_SITE": 200,
    # ... pro-rated (1) for a part-year posting: 200 × the share of the year on post, rounded up.
    "PRO_RATE_DAYS_ON_SITE": 1,
    # Publicity window 公示: this many working days after the day it starts.
    "PUBLICITY_WORKING_DAYS": 5,
    # Leave of up to this many days may be approved by the township's party secretary; longer
    # only by the organisation department. Days are counted as LEAVE_DAY_COUNT says.
    "LEAVE_TOWNSHIP_MAX_DAYS": 5,
    # Yearly work funds a first secretary should have (yuan); less is flagged.
    "FIRST_SECRETARY_MIN_FUNDS": 10000,
    # Default and shortest term of a new posting, in years (a renewal may be shorter).
    "DEFAULT_TERM_YEARS": 2,
    "MIN_TERM_YEARS": 2,
    # Term end is flagged this many days ahead.
    "TERM_END_NOTICE_DAYS": 30,
    # A recalled posting must be replaced within this many calendar days.
    "REPLACEMENT_DAYS": 30,
    # A recall bars promotion for this many years (the recall year included).
    "NO_PROMOTION_YEARS": 3,
    # An 优秀 grade gives promotion priority for this many years (the assessed year included).
    "PROMOTION_PRIORITY_YEARS": 2,
}


def get(name: str) -> int:
    configured = getattr(settings, "POSTINGS", {}) or {}
    if name in configured:
        return int(configured[name])
    env = os.environ.get(f"POSTINGS_{name}")
    if env not in (None, ""):
        return int(env)
    return DEFAULTS[name]


# Settings that are words, not numbers, and the values they may take.
CHOICES = {
    # How leave days are counted: "working" (working days, the default) or "calendar".
    "LEAVE_DAY_COUNT": ("working", "calendar"),
}


def get_str(name: str) -> str:
    configured = getattr(settings, "POSTINGS", {}) or {}
    value = configured.get(name) or os.environ.get(f"POSTINGS_{name}") or CHOICES[name][0]
    return value if value in CHOICES[name] else CHOICES[name][0]
