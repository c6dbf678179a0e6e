from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "workflows.rectification"
    label = "rectification"
    verbose_name = _("软弱涣散村党组织整顿")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from supervision import registry
        from supervision.audit.diff import register_labels

        from . import effects, fit, sweeps
        from .api import RectificationViewSet
        from .choices import Criterion
        from .demo import seed_demo
        from .models import OPEN_STATES, VIEW_ROLES, Acceptance, PlanItem, ProgressReport, Rectification

        fit.register_autocomplete()
        # The history formatter's words for what the record stores as codes (supervision.audit.diff).
        register_labels(Rectification, operations={"screen": _("排查上报")}, values={"criteria": Criterion.choices})
        township, org, leader = "township", "organization", "leader"
        not_proposer = Rectification.not_the_withdrawal_proposer
        registry.register(registry.Workflow(
            name="rectification", label=_("软弱涣散整顿"), urls="workflows.rectification.urls",
            sweeps=list(sweeps.JOBS), seed_demo=seed_demo,
            menu=[
                registry.MenuItem(_("整顿台账"), "rectification:list", VIEW_ROLES),
                registry.MenuItem(_("整顿看板"), "rectification:board", VIEW_ROLES),
                registry.MenuItem(_("逾期清单"), "rectification:overdue", frozenset({org, leader})),
                registry.MenuItem(_("人员标记"), "marks", frozenset({org, leader, "auditor"})),
            ],
            record_types=[registry.RecordType(
                model=Rectification,
                label=_("软弱涣散村党组织整顿"),
                view_roles=VIEW_ROLES,
                rights={
                    # transitions
                    "propose_listing": registry.Right.of(org),
                    "dismiss": registry.Right.of(org),
                    "approve_listing": registry.Right.of(leader),
                    "reject_listing": registry.Right.of(leader),
                    "approve_plan": registry.Right.of(org),
                    "start": registry.Right.of(township),
                    "request_acceptance": registry.Right.of(township),
                    "accept": registry.Right.of(org),
                    "fail": registry.Right.of(org),
                    "resume": registry.Right.of(township),
                    "follow_up": registry.Right.of(org),
                    "close": registry.Right.of(org),
                    "relapse": registry.Right.of(org),
                    "propose_withdrawal": registry.Right.of(org, township),
                    "approve_withdrawal": registry.Right.of(leader, check=lambda user, obj: not_proposer(obj, user)),
                    "reject_withdrawal": registry.Right.of(leader, check=lambda user, obj: not_proposer(obj, user)),
                    # services
                    "screen": registry.Right.of(township),  # create; user.has_perm("rectification.screen")
                    "edit_plan": registry.Right.of(township, org),
                    "mark_item": registry.Right.of(township, org),
                    "report_progress": registry.Right.of(township),
                },
                scope_lookup="village__parent", person_lookup="first_secretary",
                after_transition=effects.after_transition, transition_related=("village",),
                api_basename="rectifications",
                api_viewset=RectificationViewSet,
                list_related=("village__parent",),
                due_field="due_date",
                timed_states=frozenset(OPEN_STATES),
                parts=(registry.Part(PlanItem, "rectification"), registry.Part(ProgressReport, "rectification"),
                       registry.Part(Acceptance, "rectification")),
            )],
        ))
