from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import deadlines
from .models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    Notification,
    Person,
    ReadAccess,
    Region,
    RoleAssignment,
    SweepJob,
    Unit,
    User,
    VillageIncome,
)


class ReadOnlyMixin:
    """Viewable, never added, edited or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Audited records, workflow records included: their history is viewable; their state
    changes go through the transition path only (DESIGN §2 rule 2)."""


class LogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Logs without history of their own (notifications, read log)."""


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "is_poor_village")
    list_filter = ("level", "is_poor_village")
    search_fields = ("code", "name", "pinyin")
    list_select_related = ("parent",)


@admin.register(VillageIncome)
class VillageIncomeAdmin(SimpleHistoryAdmin):
    list_display = ("village", "year", "amount")
    list_filter = ("year",)
    list_select_related = ("village",)


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "is_dispatching", "region")
    list_filter = ("kind", "is_dispatching")
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("name", "unit", "post", "is_party_member", "cadre_level")
    search_fields = ("name", "post")
    list_select_related = ("unit",)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ("region",)


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    inlines = [RoleAssignmentInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("人员"), {"fields": ("person",)}),)
    list_display = ("username", "first_name", "is_active", "is_staff")
    autocomplete_fields = ("person",)


class CalendarDayFormSet(BaseInlineFormSet):
    """A year's schedule must name every statutory holiday, unless the administrator confirms."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        year_raw = self.data.get("year") or getattr(self.instance, "year", None)
        try:
            year = int(year_raw)
        except (TypeError, ValueError):
            return
        days = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            if data.get("date") and data["date"].year != year:
                raise forms.ValidationError(_("日期 %(d)s 不在 %(year)d 年内。") % {"d": data["date"], "year": year})
            days.append((data.get("date"), data.get("is_working_day", False), data.get("festival", "")))
        missing = deadlines.missing_festivals(year, days)
        if missing and not self.data.get("confirmed_incomplete"):
            raise forms.ValidationError(
                _("%(year)d年安排缺少法定节假日：%(missing)s。请补录，或勾选“确认不含全部法定节假日”后保存。")
                % {"year": year, "missing": "、".join(missing)})


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ("date", "is_working_day", "festival", "note")
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """Entering (or changing) a year's schedule recomputes the provisional deadlines."""

    list_display = ("year", "source", "confirmed_incomplete")
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        entry = form.instance
        if entry.confirmed_incomplete and not deadlines.missing_festivals(
                entry.year, entry.days.values_list("date", "is_working_day", "festival")):
            entry.confirmed_incomplete = False
            entry.save(update_fields=["confirmed_incomplete"])
        _recompute_and_report(request, entry.year)


def _recompute_and_report(request, year: int) -> None:
    changes = deadlines.calendar_year_entered(year)
    moved = [c for c in changes if c.old != c.new]
    text = _("已按%(year)d年节假日安排重算 %(n)d 个期限（其中 %(m)d 个日期有变化），历史记录已写入。")
    messages.info(request, text % {"year": year, "n": len(changes), "m": len(moved)})


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "festival", "note")
    list_filter = ("is_working_day", "festival")
    date_hierarchy = "date"
    exclude = ("calendar_year",)

    def save_model(self, request, obj, form, change):
        obj.calendar_year = CalendarYear.objects.filter(year=obj.date.year).first()
        super().save_model(request, obj, form, change)
        if obj.calendar_year is not None:
            _recompute_and_report(request, obj.date.year)

    def delete_model(self, request, obj):
        year = obj.date.year
        super().delete_model(request, obj)
        if CalendarYear.objects.filter(year=year).exists():
            _recompute_and_report(request, year)


@admin.register(Notification)
class NotificationAdmin(LogAdmin):
    list_display = ("created_at", "recipient", "verb", "message", "read_at")
    list_select_related = ("recipient",)


@admin.register(ReadAccess)
class ReadAccessAdmin(LogAdmin):
    list_display = ("at", "user", "record_type", "object_id", "via")
    list_filter = ("record_type", "via")
    list_select_related = ("user",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "name", "record_type", "object_id", "size", "uploaded_by")
    list_select_related = ("uploaded_by",)
    # Never the storage's own URL (an object store would hand out a signed link that bypasses
    # the read log): the file is offered through the scoped download view.
    exclude = ("file",)
    readonly_fields = ("download",)

    @admin.display(description=_("下载"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.name) if obj.pk else ""


def sweep_summary(now=None) -> str:
    """One line for the admin index: which timer jobs need looking at ("" when none)."""
    from .sweep import overdue_jobs

    labels = [label for label, _row in overdue_jobs(now)]
    if not labels:
        return ""
    return gettext("%(n)d 个定时任务逾期、失败或从未运行：%(jobs)s。") % {"n": len(labels), "jobs": "、".join(labels)}


def sweep_warnings(now=None) -> list[str]:
    """What an administrator must be told about the timers: jobs overdue, failing or never run."""
    from .sweep import overdue_jobs

    found = []
    for label, row in overdue_jobs(now):
        if row is not None and row.is_failing():
            found.append(gettext("定时任务 %(job)s 最近 %(n)d 次运行失败：%(error)s") % {
                "job": label, "n": row.consecutive_failures, "error": row.last_error})
        elif row is None or row.last_success_at is None:
            found.append(gettext("定时任务 %(job)s 从未成功运行：请检查定时器（run_sweeps）。") % {"job": label})
        else:
            found.append(gettext("定时任务 %(job)s 已逾期：最近一次成功运行于 %(at)s。") % {
                "job": label, "at": f"{timezone.localtime(row.last_success_at):%Y-%m-%d %H:%M}"})
    return found


@admin.register(SweepJob)
class SweepJobAdmin(LogAdmin):
    list_display = ("name", "health", "last_success_at", "last_count", "last_started_at", "last_host",
                    "consecutive_failures", "last_failure_at", "short_error")

    @admin.display(description=_("状态"))
    def health(self, obj):
        if obj.is_failing():
            return gettext("失败")
        return gettext("逾期") if obj.is_overdue() else gettext("正常")

    @admin.display(description=_("最近错误"))
    def short_error(self, obj):
        return obj.last_error[:120]

    def changelist_view(self, request, extra_context=None):
        for warning in sweep_warnings():
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)
