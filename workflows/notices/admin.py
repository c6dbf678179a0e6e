"""Read-only admin: records change only through the workflow's transitions."""
from django.contrib import admin

from supervision.admin import ReadOnlyAdmin

from .models import ExtensionRequest, Notice, NoticeAssignment, NoticeResponse


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "urgency", "state", "issued_on")
    list_filter = ("state", "urgency")
    search_fields = ("number", "title")


@admin.register(NoticeAssignment)
class NoticeAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("notice", "township", "state", "due_date", "escalation")
    list_filter = ("state", "township")
    list_select_related = ("notice", "township")


admin.site.register(NoticeResponse, ReadOnlyAdmin)
admin.site.register(ExtensionRequest, ReadOnlyAdmin)
