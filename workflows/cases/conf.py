"""Time limits and other settings of the cases workflow (DESIGN §4.4).

Every value can be overridden by ``settings.CASES = {"INVESTIGATION_DAYS": 60, ...}`` or by the
environment (``CASES_INVESTIGATION_DAYS=60``). Read at call time, so tests may override them.
"""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # 分办: the receiving unit proposes its disposition within 15 working days of the routing.
    "ROUTE_DISPOSITION_WORKING_DAYS": 15,
    # 谈话函询: reply within 15 working days.
    "INQUIRY_REPLY_WORKING_DAYS": 15,
    # 留置 (监察法 art. 43): at most 3 months from its start, extended at most once by up to 3
    # months (the commission's principal head approves); the family and the unit notified within
    # 24 hours of the start (or the reason recorded). Reminders: the notification this many hours
    # after the start when nothing is recorded, the limit this many working days before its end (the
    # traffic light's amber window: the reminder comes the day the light turns).
    "DETENTION_MONTHS": 3,
    "DETENTION_EXTENSION_MAX_MONTHS": 3,
    "DETENTION_NOTIFY_HOURS": 24,
    "DETENTION_NOTIFY_REMIND_HOURS": 12,
    "DETENTION_REMIND_DAYS": 7,
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
    # 移送审查起诉: remind the handler when no procuratorate decision is recorded this many months
    # after the transfer, and no judgement this many months after the indictment.
    "PROSECUTION_REMIND_MONTHS": 3,
    # 问责 (中国共产党问责条例 art. 21): a written appeal within 1 month of the decision, decided
    # within 1 month of its receipt.
    "ACCOUNTABILITY_APPEAL_MONTHS": 1,
    "ACCOUNTABILITY_REEXAM_MONTHS": 1,
    "JUDGEMENT_REMIND_MONTHS": 6,
}

# Case numbers 巍纪〔2026〕7号: the prefix (a string setting: settings.CASES["NUMBER_PREFIX"]).
NUMBER_PREFIX = "巍纪"

# Extensions per stage: one entry per extension allowed, naming who approves it. "head": any
# discipline head other than the proposer; "principal": only the commission's principal head
# (RoleAssignment.is_principal on a discipline_head grant). Override: settings.CASES["EXTENSIONS"].
EXTENSIONS = {
    "verification": ["head"],
    "investigation": ["head", "principal"],
}

# A township committee's decision on a subject that also needs the county commission's approval
# (a further step after the committee head's): these sanctions and outcomes ("party:<sanction>",
# "admin:<sanction>", "outcome:<outcome>", "kind:<proposal kind>"), and every decision on a subject who
# is a township cadre ("subject:township_cadre"). Override: settings.CASES["COUNTY_APPROVAL"].
COUNTY_APPROVAL = [
    "party:removal", "party:probation", "party:expulsion",          # 撤销党内职务 and above
    "admin:demotion", "admin:dismissal", "admin:expulsion",
    "kind:transfer",                                                 # 移送审查起诉
    "subject:township_cadre",                                        # any decision on a township cadre
]

# The "four forms" 四种形态 that fit an outcome (settings.CASES["FOUR_FORMS"] overrides keys):
# "party:<sanction>", "admin:<sanction>", "outcome:<subject outcome>", "light:<light measure>",
# "clue:<clue outcome>". The heaviest form of a subject's sanctions is the one that fits; ""
# means no form (no violation found). A transferred subject is always the fourth form.
FOUR_FORMS = {
    "party:warning": "second", "party:serious_warning": "second",
    "party:removal": "third", "party:probation": "third", "party:expulsion": "third",
    "admin:warning": "second", "admin:demerit": "second", "admin:major_demerit": "second",
    "admin:demotion": "third", "admin:dismissal": "third", "admin:expulsion": "third",
    "outcome:transferred": "fourth",
    "outcome:exempted": "first",      # 免予处分 (with criticism and education)
    "outcome:no_sanction": "first",   # 不予处分 (minor, corrected)
    "outcome:revoked": "",            # 撤销案件: the facts are not established
    "light:reminder_talk": "first", "light:criticism": "first", "light:none": "",
    "clue:inquiry": "first",          # 函询 then 了结, no other measure
    "clue:dismissed": "",             # 予以了结 on intake: nothing to answer
    "clue:parked_closed": "",         # 暂存待查 → 了结
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


def setting(name: str):
    """A structured setting (NUMBER_PREFIX, EXTENSIONS, FOUR_FORMS): settings.CASES, then the default."""
    configured = getattr(settings, "CASES", {}) or {}
    default = globals()[name]
    if name not in configured:
        return default
    value = configured[name]
    if isinstance(default, dict):
        return {**default, **value}
    return value
