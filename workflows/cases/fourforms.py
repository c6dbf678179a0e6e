"""The "four forms" 四种形态 that fit an outcome, from the ``FOUR_FORMS`` setting (conf.py)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import choices
from .conf import setting

ORDER = {"": 0, "first": 1, "second": 2, "third": 3, "fourth": 4}


def fitting(*, party_sanction: str = "", admin_sanction: str = "", outcome: str = "", light_measure: str = "",
            clue: str = "", transferred: bool = False) -> str:
    """The form that fits: the heaviest of what the mapping gives for each part ("" = none)."""
    mapping = setting("FOUR_FORMS")
    keys = []
    if transferred:
        keys.append("outcome:transferred")
    if party_sanction:
        keys.append(f"party:{party_sanction}")
    if admin_sanction:
        keys.append(f"admin:{admin_sanction}")
    if outcome and outcome != "sanction":
        keys.append(f"outcome:{outcome}")
    if light_measure:
        keys.append(f"light:{light_measure}")
    if clue:
        keys.append(f"clue:{clue}")
    forms = [mapping.get(k, "") or "" for k in keys]
    return max(forms, key=lambda f: ORDER.get(f, 0), default="")


def label(form: str) -> str:
    return choices.FourForms(form).label if form else _("无（未发现违纪违法问题）")


def check(given: str, expected: str, *, field: str = "four_forms") -> str:
    """400 unless the tag given is the one that fits; returns it."""
    given = given or ""
    if given != expected:
        if not expected:
            message = _("该处理结果不属于“四种形态”，请不要标注（标注的是%(given)s）。") % {"given": label(given)}
        else:
            message = _("“四种形态”与处理结果不符：应为%(expected)s，标注的是%(given)s。") % {
                "expected": label(expected), "given": label(given) if given else _("（未标注）")}
        raise ValidationError({field: message})
    return given
