from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CASE_VIEW_ROLES = frozenset({"discipline", "discipline_head", "auditor"})


def not_proposer(user, case) -> bool:
    """Two-person rule: a head never approves (or rejects) their own proposal."""
    return case.pending_by_id != user.pk


class CasesConfig(AppConfig):
    name = "workflows.cases"
    label = "cases"
    verbose_name = _("问题线索与案件·问责")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from supervision import registry
        from supervision.signals import accountability_referred

        from . import demo, rules, services
        from .api import CaseViewSet, MatterViewSet
        from .choices import TIMED_STATES
        from .conf import limit
        from .models import AccountabilityMatter, Case, CaseSubject
        from .sweeps import SWEEPS

        Right = registry.Right
        registry.register(registry.Workflow(
            name="cases", label=_("问题线索与案件"), urls="workflows.cases.urls",
            sweeps=SWEEPS, seed_demo=demo.seed_demo,
            menu=[
                registry.MenuItem(_("线索与案件"), "cases:list", CASE_VIEW_ROLES),
                registry.MenuItem(_("线索登记"), "cases:create", frozenset({"discipline"})),
                registry.MenuItem(_("审批"), "cases:approvals", frozenset({"discipline_head"})),
                registry.MenuItem(_("案件统计"), "cases:stats", CASE_VIEW_ROLES),
                registry.MenuItem(_("问责"), "cases:matter-list", CASE_VIEW_ROLES),
            ],
            record_types=[
                registry.RecordType(
                    model=Case, label=_("问题线索/案件"),
                    view_roles=CASE_VIEW_ROLES,
                    rights={
                        "create": Right.of("discipline"),
                        "propose": Right.of("discipline"),
                        "handle": Right.of("discipline"),
                        "approve": Right.of("discipline_head", check=not_proposer),
                        "send_back": Right.of("discipline_head"),
                        "transfer": Right.of("discipline_head"),
                        "reexamine": Right.of("discipline_head"),
                        "urge": Right.of("discipline_head"),
                        "escalate": Right.of("discipline", "discipline_head"),
                        "mark_overdue": Right.of(),
                    },
                    scope_lookup=None,
                    confidential=True,
                    masked_fields=("reporter_name", "reporter_contact"),
                    unmask_roles=frozenset({"discipline", "discipline_head"}),
                    after_transition=rules.case_after_transition, transition_related=("handler",),
                    api_basename="cases", api_viewset=CaseViewSet,
                    due_field="due_date", list_related=("township", "handler"),
                    reminder_days=lambda: limit("REMIND_WORKING_DAYS"),
                    timed_states=frozenset(TIMED_STATES),
                    # 承办人 are assigned by the commission's heads.
                    assign_right=Right.of("discipline_head"),
                    parts=(registry.Part(CaseSubject, "case"),),
                ),
                registry.RecordType(
                    model=AccountabilityMatter, label=_("问责事项"),
                    view_roles=CASE_VIEW_ROLES,
                    rights={
                        "create": Right.of("discipline", "discipline_head"),
                        "decide": Right.of("discipline_head"),
                        "handle_matter": Right.of("discipline"),
                    },
                    scope_lookup=None,
                    confidential=True,
                    after_transition=rules.matter_after_transition,
                    api_basename="accountability", api_viewset=MatterViewSet,
                    list_related=("target_unit", "target_person"),
                ),
            ],
        ))
        accountability_referred.connect(services.on_accountability_referred,
                                        dispatch_uid="cases.accountability_referred")
