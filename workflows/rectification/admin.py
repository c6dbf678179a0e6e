"""Read-only admin: records change only through services and the transition path."""
from django.contrib import admin

from supervision.admin import ReadOnlyAdmin

from .models import Acceptance, PlanItem, ProgressReport, Rectification


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("village", "year", "state", "due_date", "first_secretary")
    list_filter = ("state", "year")
    list_select_related = ("village", "first_secretary")
    search_fields = ("village__name", "problem")


@admin.register(PlanItem)
class PlanItemAdmin(ReadOnlyAdmin):
    list_display = ("rectification", "problem", "responsible", "deadline", "done")
    list_select_related = ("rectification__village",)


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("rectification", "date", "reported_by")
    list_select_related = ("rectification__village", "reported_by")


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("rectification", "date", "score", "dissatisfied_pct", "passed")
    list_select_related = ("rectification__village",)
