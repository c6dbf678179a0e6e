"""Time limits and other settings of the cases workflow (DESIGN §4.4).

Every value can be overridden by ``settings.CASES = {"INVESTIGATION_DAYS": 60, ...}`` or by the
environment (``CASES_INVESTIGATION_DAYS=60``). Read at call time, so tests may override them.
"""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # 谈话函询: reply within 15 working days.
    "INQUIRY_REPLY_WORKING_DAYS": 15,
    # 初步核实: 2 months, +1 month on approval.
    "VERIFICATION_MONTHS": 2,
    "VERIFICATION_EXTENSION_MONTHS": 1,
    # 审查调查: 90 days from filing; an approved extension adds up to 90 days.
    "INVESTIGATION_DAYS": 90,
    "INVESTIGATION_EXTENSION_MAX_DAYS": 90,
    # 审理: 1 month.
    "REVIEW_MONTHS": 1,
    # 处分决定: announced within 1 month, execution reported within 6 months.
    "ANNOUNCE_MONTHS": 1,
    "EXECUTION_REPORT_MONTHS": 6,
    # 申诉复查: 3 months.
    "REEXAMINATION_MONTHS": 3,
    # Reminder this many working days before a deadline.
    "REMIND_WORKING_DAYS": 3,
    # A clue received, or an approval given, on paper before it was entered here may be recorded
    # with its real date, at most this many days back (never in the future).
    "BACKDATE_MAX_DAYS": 365,
    # Longest free text accepted (description, reports).
    "MAX_TEXT_LENGTH": 5000,
}


def limit(name: str) -> int:
    """The setting ``name``: settings.CASES, then the environment (CASES_<NAME>), then the default."""
    configured = getattr(settings, "CASES", {}) or {}
    if name in configured:
        return int(configured[name])
    env = os.environ.get(f"CASES_{name}")
    if env not in (None, ""):
        return int(env)
    return DEFAULTS[name]
