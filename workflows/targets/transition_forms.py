"""The transitions' extra fields (``custom["form"]`` of the models' transitions): a module of its own,
so that models import it while the entry forms (``forms``) import the models."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.ui import DateInput

from . import conf


def not_future(day: dt.date):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天。"))


class DateForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput(), validators=[not_future])


class TrainingRecordForm(DateForm):
    content = forms.CharField(label=_("培训内容"), max_length=200)


class PromoteForm(DateForm):
    post = forms.CharField(label=_("进入“两委”职务"), max_length=100)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("脱贫年度"))

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not conf.get("FIRST_YEAR") - 4 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("年度不在有效范围内。"))
        return year
