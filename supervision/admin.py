from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
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
    actions = ["deactivate_users"]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # users who acted are deactivated, never deleted
        return actions

    @admin.action(description=_("停用所选用户"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        from .users import user_deactivate

        done = 0
        for user in queryset.filter(is_active=True):
            user_deactivate(actor=request.user, user=user, reason=_("管理员停用账号"))
            done += 1
        self.message_user(request, _("已停用 %(n)d 个用户。") % {"n": done}, messages.SUCCESS)

    def delete_view(self, request, object_id, extra_context=None):
        from .users import user_has_acted

        user = self.get_object(request, object_id)
        if user is not None and user_has_acted(user):
            self.message_user(request, _("用户“%(u)s”已有操作或查阅记录，不能删除；请取消“有效”以停用该账号。")
                              % {"u": user.username}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:supervision_user_change", args=[user.pk]))
        return super().delete_view(request, object_id, extra_context)


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
