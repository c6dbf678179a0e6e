from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds


class ReadOnlyStateAdmin(SimpleHistoryAdmin):
    """Admin is for looking; state changes go through the workflow (DESIGN §2 rule 2)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Posting, Assessment, Recall, LeaveRequest, MonthlyAttendance, WorkFunds):
    admin.site.register(model, ReadOnlyStateAdmin)
