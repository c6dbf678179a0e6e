from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "workflows.notices"
    label = "notices"
    verbose_name = _("督查督办通知")

    def ready(self):
        from supervision import registry

        from . import conf, demo, services, sweeps
        from .api import AssignmentViewSet, NoticeViewSet
        from .choices import OPEN_STATES
        from .models import ExtensionRequest, Notice, NoticeAssignment, NoticeResponse

        viewers = frozenset({"inspector", "township", "leader", "auditor"})
        Right = registry.Right
        registry.register(registry.Workflow(
            name="notices",
            label=_("督查督办"),
            urls="workflows.notices.urls",
            menu=[
                registry.MenuItem(_("督查督办台账"), "notices:register", viewers),
                registry.MenuItem(_("起草通知"), "notices:create", frozenset({"inspector"})),
            ],
            sweeps=list(sweeps.JOBS),
            seed_demo=demo.seed_demo,
            record_types=[
                registry.RecordType(
                    model=Notice,
                    label=_("督查督办通知"),
                    view_roles=viewers,
                    rights={
                        "draft": Right.of("inspector"),
                        "issue": Right.of("inspector"),
                        "withdraw": Right.of("inspector"),
                        "complete": Right.of(),  # system: when every assignment is closed
                    },
                    # A township user sees a notice only through their own assignment.
                    scope_lookup="assignments__township",
                    after_transition=services.after_notice_transition,
                    api_basename="notices",
                    api_viewset=NoticeViewSet,
                    list_related=("issuing_unit",),
                    # The timeline: each township's assignment, its responses and extension requests.
                    parts=(registry.Part(NoticeAssignment, "notice"),
                           registry.Part(NoticeResponse, "assignment__notice", scope="assignment"),
                           registry.Part(ExtensionRequest, "assignment__notice", scope="assignment",
                                         related=("assignment__notice", "assignment__township"))),
                ),
                registry.RecordType(
                    model=NoticeAssignment,
                    label=_("乡镇交办事项"),
                    view_roles=viewers,
                    rights={
                        "acknowledge": Right.of("township"),
                        "respond": Right.of("township"),
                        "request_extension": Right.of("township"),
                        "return_for_rework": Right.of("inspector"),
                        "close": Right.of("inspector"),
                        "approve_extension": Right.of("inspector"),
                        "reject_extension": Right.of("inspector"),
                        "urge": Right.of("inspector"),
                        "criticize": Right.of("inspector"),
                        "interview": Right.of("leader"),
                        "refer_accountability": Right.of("leader"),
                        "mark_overdue": Right.of(),  # system: the sweep
                        "cancel": Right.of(),  # system: the notice was withdrawn
                    },
                    scope_lookup="township",
                    after_transition=services.after_assignment_transition,
                    api_basename="notice-assignments",
                    api_viewset=AssignmentViewSet,
                    due_field="due_date",
                    list_related=("notice", "township"),
                    transition_related=("notice__issued_by", "township"),
                    reminder_days=lambda: conf.get("REMIND_WORKING_DAYS_BEFORE"),
                    # The township's clock runs until it reports (and while an extension is asked).
                    timed_states=frozenset({*OPEN_STATES, "overdue", "extension_requested"}),
                    # The issuing side, told when a recomputed deadline moves earlier.
                    deadline_watchers=lambda a: [a.notice.issued_by],
                    parts=(registry.Part(NoticeResponse, "assignment"),
                           registry.Part(ExtensionRequest, "assignment",
                                         related=("assignment__notice", "assignment__township"))),
                ),
            ],
        ))
