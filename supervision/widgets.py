"""Kernel form defaults, installed while the app registry loads (before any form class is built):
the one date input and the Chinese select placeholder. No model imports here."""
from __future__ import annotations

from django import forms
from django.core.signals import setting_changed
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

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


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, remembering what a widget's template wrote for a given context.

    A widget's markup is a function of its template, the context ``Widget.get_context`` builds and
    the language; a register's filter form rendered its seven widgets' templates (a select's each
    option an include) on every page, ~2 ms. Here a widget whose context holds only plain values
    (strings — marked safe or not —, numbers, booleans, None, translated strings, and lists and
    dicts of them) is rendered once per distinct context and language, and the same markup
    returned after; anything else (a model instance, a date …) renders as before. The key is the
    whole context, so two users see the same markup only for the same field, value and choices.
    """

    KEPT = 1024
    # the templates rendered from their context alone (no tag that reads the time, the request …)
    PURE_PREFIXES = ("django/forms/widgets/", "supervision/widgets/")

    def __init__(self):
        super().__init__()
        self._memo: dict = {}

    def render(self, template_name, context, request=None):
        if request is not None or not template_name.startswith(self.PURE_PREFIXES):
            return super().render(template_name, context, request=request)
        try:
            key = (template_name, get_language(), _frozen(context))
        except _Unfrozen:
            return super().render(template_name, context, request=request)
        found = self._memo.get(key)
        if found is None:
            found = super().render(template_name, context, request=request)
            if len(self._memo) >= self.KEPT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def forget(self) -> None:
        self._memo.clear()


class _Unfrozen(Exception):
    pass


_PLAIN = (str, int, float, bool, type(None))


def _frozen(value):
    """A hashable image of a widget context that tells apart everything a template could: each
    value with its type (a safe string renders unescaped), a translated string as its text now."""
    kind = type(value)
    if kind in (dict,):
        return (dict, tuple((k, _frozen(v)) for k, v in value.items()))
    if kind in (list, tuple):
        return (kind, tuple(_frozen(v) for v in value))
    if isinstance(value, _PLAIN):
        return (kind, value)
    if isinstance(value, Promise):
        text = str(value)
        return (Promise, type(text), text)
    raise _Unfrozen


def _forget_rendered(**kwargs):
    from django.forms.renderers import get_default_renderer

    renderer = get_default_renderer()
    if isinstance(renderer, WidgetRenderer):
        renderer.forget()


setting_changed.connect(_forget_rendered, dispatch_uid="supervision.widgets.forget_rendered")
