"""Kernel form defaults, installed while the app registry loads (before any form class is built):
the one date input and the Chinese select placeholder. No model imports here."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BLANK_LABEL = gettext_lazy("请选择")


class DateInput(forms.DateInput):
    """A date picker (``type=date``) that accepts and sends 2026-12-01, with the format shown."""

    input_type = "date"
    template_name = "supervision/widgets/date.html"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's own argument name)
        attrs = {"placeholder": "2026-12-01", **(attrs or {})}
        super().__init__(attrs=attrs, format=format)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["format_hint"] = _("格式：年-月-日，如 2026-12-01")
        return context


def install_form_defaults() -> None:
    """Every date field gets the kernel's picker; every select's blank choice reads 请选择 instead
    of Django's 「- Select an option -」 (``BLANK_CHOICE_LABEL``, read when a field is built)."""
    from django.db.models import fields as model_fields

    model_fields.BLANK_CHOICE_LABEL = BLANK_LABEL
    forms.DateField.widget = DateInput
