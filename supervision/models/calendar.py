from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import audited_history


class CalendarYear(models.Model):
    """A year whose official schedule an administrator has entered (as CalendarDay rows).

    For such a year the override table plus weekends is exact; the library is not needed.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True,
                              help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"))

    history = audited_history()

    class Meta:
        ordering = ["year"]
        verbose_name = _("已录入年度节假日安排")
        verbose_name_plural = _("已录入年度节假日安排")

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An administrator's override for one date: a holiday or a 调休 working day."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")

    def __str__(self):
        return f"{self.date} {'班' if self.is_working_day else '休'} {self.note}"
