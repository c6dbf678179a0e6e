from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostingsConfig(AppConfig):
    name = "workflows.postings"
    label = "postings"
    verbose_name = _("驻村第一书记")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from supervision import registry
        from supervision.registry import MenuItem, Part, RecordType, Right

        from . import api, demo, rules, sweeps
        from .models import Assessment, LeaveRequest, MonthlyAttendance, Posting, Recall, WorkFunds

        viewers = frozenset({"township", "organization", "leader", "auditor"})
        registry.register(registry.Workflow(
            name="postings", label=_("驻村第一书记"), urls="workflows.postings.urls",
            sweeps=list(sweeps.JOBS), seed_demo=demo.seed_demo,
            menu=[
                MenuItem(_("驻村选派"), "postings:posting-list", viewers),
                MenuItem(_("年度考核"), "postings:assessment-board", viewers),
                MenuItem(_("召回"), "postings:recall-list", viewers),
            ],
            record_types=[
                RecordType(
                    model=Posting, view_roles=viewers, person_lookup="person", scope_lookup="village__parent",
                    rights={
                        "complete": Right.of("organization"),
                        "renew": Right.of("organization"),
                        "end_by_recall": Right.of(),
                        "record_attendance": Right.of("township", "organization"),
                        "record_funds": Right.of("township", "organization"),
                        "request_leave": Right.of("township", "organization"),
                        "propose_recall": Right.of("township", "organization"),
                        "open_assessment": Right.of("organization"),
                    },
                    after_transition=rules.after_transition, api_basename="postings",
                    api_viewset=api.PostingViewSet, list_related=("person", "village__parent", "dispatching_unit"),
                    due_field="end_date",
                    parts=(Part(MonthlyAttendance, "posting"), Part(WorkFunds, "posting"),
                           Part(LeaveRequest, "posting", related=("posting__person",)),
                           Part(Assessment, "posting", related=("person",)),
                           Part(Recall, "posting", related=("person", "posting__village"))),
                ),
                RecordType(
                    model=Assessment, view_roles=viewers, person_lookup="person", scope_lookup="township",
                    rights={
                        "submit_self_report": Right.of("township", "organization"),
                        "township_rate": Right.of("township"),
                        "enter_unit_opinion": Right.of("organization"),
                        "office_review": Right.of("organization"),
                        "publicize": Right.of("organization"),
                        "raise_objection": Right.of("organization", "township"),
                        "finalize": Right.of("organization"),
                    },
                    after_transition=rules.after_transition, api_basename="assessments",
                    api_viewset=api.AssessmentViewSet, list_related=("person",),
                    due_field="publicity_end",
                ),
                RecordType(
                    model=Recall, view_roles=viewers, person_lookup="person", scope_lookup="township",
                    rights={
                        "approve": Right.of("organization", "leader"),
                        "reject": Right.of("organization", "leader"),
                        "withdraw": Right.of("organization"),
                        "replace": Right.of("organization"),
                        "mark_overdue": Right.of(),
                    },
                    after_transition=rules.after_transition, api_basename="recalls",
                    api_viewset=api.RecallViewSet, list_related=("person", "posting__village"),
                    due_field="replacement_due",
                ),
                RecordType(
                    model=LeaveRequest, view_roles=viewers, person_lookup="posting__person", scope_lookup="township",
                    rights={"decide_leave": Right.of("township", "organization")},
                    after_transition=rules.after_transition, api_basename="leave-requests",
                    api_viewset=api.LeaveRequestViewSet, list_related=("posting__person",),
                ),
            ],
        ))
