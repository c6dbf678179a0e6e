from django.contrib import admin

from supervision.admin import ReadOnlyAdmin

from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds

for model in (Posting, Assessment, Recall, LeaveRequest, MonthlyAttendance, WorkFunds):
    admin.site.register(model, ReadOnlyAdmin)
