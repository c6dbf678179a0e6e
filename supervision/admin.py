from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    Notification,
    Person,
    ReadAccess,
    Region,
    RoleAssignment,
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


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"


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
