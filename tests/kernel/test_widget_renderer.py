"""The form renderer (supervision.widgets.WidgetRenderer) writes exactly what Django's writes, once
per distinct widget context and language."""
import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from supervision.widgets import DateInput, WidgetRenderer


class Filters(forms.Form):
    q = forms.CharField(required=False, label=_("搜索"),
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("文号或标题")}))
    state = forms.ChoiceField(required=False,
                              choices=[("", _("全部")), ("issued", _("已下发")), ("closed", _("已办结"))])
    overdue = forms.BooleanField(required=False)
    issued_from = forms.DateField(required=False, widget=DateInput)
    notice = forms.IntegerField(required=False, widget=forms.HiddenInput)


DATA = [{}, {"state": "issued", "overdue": "on"}, {"q": '<b>"x"&', "state": "bogus", "issued_from": "2026-13-01"},
        {"issued_from": "2026-12-01", "notice": "7"}, {"q": "通知"}]


def _fields(form):
    return [str(form[name]) for name in form.fields]


def test_the_default_renderer_is_the_memo():
    assert isinstance(get_default_renderer(), WidgetRenderer)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_same_markup_as_django_in_any_language_and_for_any_value(lang):
    memo = WidgetRenderer()
    with translation.override(lang):
        for data in DATA:
            plain = _fields(Filters(data, renderer=DjangoTemplates()))
            assert _fields(Filters(data, renderer=memo)) == plain, data
            assert _fields(Filters(data, renderer=memo)) == plain, data  # from the memo
        unbound = Filters(initial={"issued_from": dt.date(2026, 12, 1)}, renderer=memo)  # a date: not kept
        assert _fields(unbound) == _fields(Filters(initial={"issued_from": dt.date(2026, 12, 1)},
                                                   renderer=DjangoTemplates()))


def test_rendered_once_per_context_and_language(monkeypatch):
    memo = WidgetRenderer()
    calls = []
    original = DjangoTemplates.render
    monkeypatch.setattr(DjangoTemplates, "render", lambda self, *a, **k: calls.append(a[0]) or original(self, *a, **k))
    with translation.override("zh-hans"):
        first = _fields(Filters({"state": "issued"}, renderer=memo))
        n = len(calls)
        assert _fields(Filters({"state": "issued"}, renderer=memo)) == first and len(calls) == n
        _fields(Filters({"state": "closed"}, renderer=memo))
        assert calls[n:] == ["django/forms/widgets/select.html"]  # only the select's value changed
    with translation.override("en"):
        english = _fields(Filters({"state": "issued"}, renderer=memo))
    assert english != first and len(calls) > n + 1  # labels in English: rendered again


def test_a_safe_string_and_the_same_text_unescaped_are_told_apart():
    memo = WidgetRenderer()
    widget = forms.Select(choices=[("a", "<i>x</i>")])
    safe = forms.Select(choices=[("a", mark_safe("<i>x</i>"))])
    plain_html = widget.render("f", "a", renderer=memo)
    safe_html = safe.render("f", "a", renderer=memo)
    assert "&lt;i&gt;" in plain_html and "<i>x</i>" in safe_html
    assert plain_html == widget.render("f", "a", renderer=DjangoTemplates())
    assert safe_html == safe.render("f", "a", renderer=DjangoTemplates())


def test_a_setting_change_forgets_the_markup(settings):
    renderer = get_default_renderer()
    forms.TextInput().render("x", "1", renderer=renderer)
    assert renderer._memo
    settings.USE_THOUSAND_SEPARATOR = True
    assert not get_default_renderer()._memo
