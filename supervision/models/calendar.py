from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import audited_history
from .loading import FastLoading


class Festival(models.TextChoices):
    """The statutory public holidays a year's official schedule must name (全国年节及纪念日放假办法)."""

    NEW_YEAR = "new_year", _("元旦")
    SPRING = "spring", _("春节")
    QINGMING = "qingming", _("清明节")
    LABOUR = "labour", _("劳动节")
    DRAGON_BOAT = "dragon_boat", _("端午节")
    MID_AUTUMN = "mid_autumn", _("中秋节")
    NATIONAL = "national", _("国庆节")


class CalendarYear(models.Model):
    """A year whose official schedule an administrator has entered (as CalendarDay rows).

    For such a year the override table plus weekends is exact; the library is not needed.
    Entering (or changing) it recomputes every provisional deadline in or after the year
    (``supervision.deadlines.calendar_year_entered``).
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("依据"), max_length=200, blank=True,
                              help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"))
    confirmed_incomplete = models.BooleanField(
        _("确认不含全部法定节假日"), default=False,
        help_text=_("一般应录入元旦、春节、清明节、劳动节、端午节、中秋节、国庆节的放假日期；"
                    "确需缺项保存时勾选此项。"))

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
    festival = models.CharField(_("节日"), max_length=16, choices=Festival.choices, blank=True,
                                help_text=_("放假日所属的法定节假日（调休上班日可不填）"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    calendar_year = models.ForeignKey(CalendarYear, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="days", verbose_name=_("年度"))

    history = audited_history()

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")

    def __str__(self):
        return f"{self.date} {'班' if self.is_working_day else '休'} {self.note}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.calendar_year_id and self.date and self.date.year != self.calendar_year.year:
            raise ValidationError({"date": _("日期须在 %(year)d 年内。") % {"year": self.calendar_year.year}})
        if self.is_working_day and self.festival:
            raise ValidationError({"festival": _("调休上班日不属于节日放假。")})


class DeadlineBasis(models.Model):
    """How a record's deadline field was computed: from ``start`` by a rule.

    Kept so that a deadline computed while a year's schedule was unknown (provisional) can be
    computed again from its original start once the year is entered, and so that an
    extension counts from the original end of a period (民法典 arts. 201–203).
    One row per (record, field); the record's own history shows every change of the date.
    """

    class Rule(models.TextChoices):
        WORKING_DAYS = "working_days", _("工作日")
        PERIOD = "period", _("自然月/日")

    record_type = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=64)
    provisional_field = models.CharField(max_length=64, blank=True)
    # Another field holding the same original date (e.g. 原定期限), kept equal on recompute.
    mirror_field = models.CharField(max_length=64, blank=True)
    start = models.DateField(_("起算日"))
    rule = models.CharField(_("计算规则"), max_length=16, choices=Rule.choices)
    months = models.PositiveSmallIntegerField(default=0)
    days = models.PositiveIntegerField(default=0)
    computed = models.DateField(_("计算结果"))
    provisional = models.BooleanField(_("待确认"), default=False)
    # Comma-separated years guessed when computed (why it is provisional).
    guessed_years = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = audited_history()

    class Meta:
        verbose_name = _("期限计算依据")
        verbose_name_plural = _("期限计算依据")
        constraints = [models.UniqueConstraint(fields=["record_type", "object_id", "field"],
                                               name="uniq_deadline_basis")]
        indexes = [models.Index(fields=["provisional", "computed"])]

    def __str__(self):
        return f"{self.record_type}#{self.object_id}.{self.field} = {self.computed}"


class RecordHandler(FastLoading, models.Model):
    """The named handler (承办人) of one workflow record: who is expected to act on it now.

    One row per record (a database constraint), ``handler`` empty when released. Every
    take, assignment and release is written under the record's row lock, to this row's
    history and to the record's own history, with actor and reason.
    """

    record_type = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="handled_records", verbose_name=_("承办人"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("指派人"))
    since = models.DateTimeField(_("承办时间"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)

    history = audited_history()

    class Meta:
        verbose_name = _("承办人")
        verbose_name_plural = _("承办人")
        constraints = [models.UniqueConstraint(fields=["record_type", "object_id"], name="uniq_record_handler")]
        indexes = [models.Index(fields=["handler", "record_type"])]

    def __str__(self):
        return f"{self.record_type}#{self.object_id}: {self.handler or '—'}"
