from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .units import TOWNSHIP_CASE_ROLES

# Township committees (乡镇纪委) see the clues and cases routed to them (scope: the handling unit).
CASE_VIEW_ROLES = frozenset({"discipline", "discipline_head", "auditor"}) | TOWNSHIP_CASE_ROLES
# 问责 matters stay with the county commission.
MATTER_VIEW_ROLES = frozenset({"discipline", "discipline_head", "auditor"})


class CasesConfig(AppConfig):
    name = "workflows.cases"
    label = "cases"
    verbose_name = _("问题线索与案件·问责")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from supervision import access, effects, registry
        from supervision.signals import accountability_referred

        from . import custodyeffects, demo, labels, rules, services, team
        from .api import CaseViewSet, MatterViewSet, SubjectMatterViewSet
        from .choices import TIMED_STATES
        from .conf import limit
        from .custody import CUSTODY_STATES, Detention
        from .models import (
            AccountabilityMatter,
            AccountabilityTarget,
            Case,
            CaseMember,
            CaseRecusal,
            CaseSubject,
            SubjectMatter,
        )
        from .recordapi import API_ROUTES, DetentionViewSet
        from .sweeps import SWEEPS
        from .team import may_know_reporter
        from .units import acts_for_unit, may_approve_here
        from .workrecords import EvidenceItem, InquiryLetter, Talk

        Right = registry.Right
        # Proposer ≠ approver (and the approver the proposal needs), one rule for both types.
        approve = Right.of("discipline_head", "township_discipline_head", check=may_approve_here)

        def unit(*roles):  # a right of the handling unit's own people (units.acts_for_unit)
            return Right.of(*roles, check=acts_for_unit)
        registry.register(registry.Workflow(
            name="cases", label=_("问题线索与案件"), urls="workflows.cases.urls",
            sweeps=SWEEPS, seed_demo=demo.seed_demo, api_routes=API_ROUTES,
            menu=[
                registry.MenuItem(_("线索与案件"), "cases:list", CASE_VIEW_ROLES),
                registry.MenuItem(_("线索登记"), "cases:create", frozenset({"discipline"})),
                registry.MenuItem(_("审批"), "cases:approvals",
                                  frozenset({"discipline_head", "township_discipline_head"})),
                registry.MenuItem(_("分办台账"), "cases:routing", CASE_VIEW_ROLES),
                registry.MenuItem(_("案件统计"), "cases:stats", CASE_VIEW_ROLES),
                registry.MenuItem(_("问责"), "cases:matter-list", MATTER_VIEW_ROLES),
            ],
            record_types=[
                registry.RecordType(
                    model=Case, label=_("问题线索/案件"),
                    view_roles=CASE_VIEW_ROLES,
                    rights={
                        "create": Right.of("discipline"),
                        "propose": unit("discipline", "township_discipline"),
                        "handle": unit("discipline", "township_discipline"),
                        "propose_any": unit("discipline", "discipline_head", *TOWNSHIP_CASE_ROLES),
                        "approve": approve,
                        "route": Right.of("discipline"),
                        # 提级办理 / 上级督办: the commission's heads (county-wide grants only).
                        "take_up": Right.of("discipline_head"),
                        "urge": Right.of("discipline_head"),
                        "escalate": Right.of("discipline", "discipline_head"),
                        "mark_overdue": Right.of(),
                        "follow_subjects": Right.of(),
                        "recuse": Right.of("discipline", "discipline_head", *TOWNSHIP_CASE_ROLES),
                        # the case team and recusals ordered by the handling unit's head (team.py)
                        "manage_team": unit("discipline_head", "township_discipline_head"),
                    },
                    scope_lookup="handling_township",
                    confidential=True,
                    # The reporter: its registrar, handlers and deciding heads only (team.py).
                    masked_fields=("reporter_name", "reporter_contact"),
                    unmask_roles=frozenset({"discipline", "discipline_head"}) | TOWNSHIP_CASE_ROLES,
                    unmask=may_know_reporter,
                    # Recusal 回避: 404 for the recused, whatever the path.
                    **team.recusal_scope(also_prefetch=("members",)),
                    after_transition=rules.case_after_transition, transition_related=("handler",),
                    api_basename="cases", api_viewset=CaseViewSet,
                    due_field="due_date", list_related=("township", "handler"),
                    reminder_days=lambda: limit("REMIND_WORKING_DAYS"),
                    timed_states=frozenset(TIMED_STATES),
                    # 承办人 are assigned by the commission's heads (a township committee's head for its own cases).
                    assign_right=unit("discipline_head", "township_discipline_head"),
                    parts=(registry.Part(CaseSubject, "case"),
                           registry.Part(SubjectMatter, "case", _("被审查调查人处理事项"),
                                         related=("case", "subject")),
                           registry.Part(Detention, "case", _("留置"), related=("subject",)),
                           registry.Part(InquiryLetter, "case", _("函询及回复")),
                           registry.Part(Talk, "case", _("谈话记录")),
                           registry.Part(EvidenceItem, "case", _("证据清单")),
                           registry.Part(CaseMember, "case", _("办案人员"), related=("user__person",)),
                           registry.Part(CaseRecusal, "case", _("回避"), related=("user__person",))),
                ),
                registry.RecordType(
                    model=SubjectMatter, label=_("被审查调查人处理事项"),
                    view_roles=CASE_VIEW_ROLES,
                    rights={
                        "propose": unit("discipline", "township_discipline"),
                        "propose_any": unit("discipline", "discipline_head", *TOWNSHIP_CASE_ROLES),
                        "approve": approve,
                        "handle": unit("discipline", "township_discipline"),
                    },
                    scope_lookup="case__handling_township",
                    confidential=True,
                    after_transition=rules.subject_after_transition,
                    transition_related=("case__handler", "subject"),
                    api_basename="case-subjects", api_viewset=SubjectMatterViewSet,
                    due_field="due_date", list_related=("case", "subject"),
                    reminder_days=lambda: limit("REMIND_WORKING_DAYS"),
                    timed_states=frozenset({"decided", "executed", "appealed"}),
                    assign_right=unit("discipline_head", "township_discipline_head"),
                    **team.recusal_scope("case"),  # the case's recusals hold for its subjects' matters
                ),
                registry.RecordType(
                    # 留置: the case's rights (a handler of the case proposes and handles), a head
                    # other than the proposer approves, the principal head an extension.
                    model=Detention, label=_("留置"),
                    view_roles=CASE_VIEW_ROLES,
                    rights={
                        "propose": Right.of("discipline", "township_discipline",
                                            check=lambda u, d: access.can(u, "propose", d.case)),
                        "handle": Right.of("discipline", "township_discipline",
                                           check=lambda u, d: access.can(u, "handle", d.case)),
                        "approve": approve,
                        "mark_overdue": Right.of(),
                    },
                    scope_lookup="case__handling_township",
                    confidential=True,
                    after_transition=effects.dispatcher(custodyeffects),
                    transition_related=("case__handler", "subject"),
                    api_basename="detentions", api_viewset=DetentionViewSet,
                    due_field="due_date", due_provisional_field="", list_related=("case", "subject"),
                    reminder_days=lambda: limit("DETENTION_REMIND_DAYS"),
                    timed_states=frozenset(CUSTODY_STATES),
                    assign_right=unit("discipline_head", "township_discipline_head"),
                    **team.recusal_scope("case"),  # the case's recusals hold for its detentions
                ),
                registry.RecordType(
                    model=AccountabilityMatter, label=_("问责事项"),
                    view_roles=MATTER_VIEW_ROLES,
                    rights={
                        "create": Right.of("discipline", "discipline_head"),
                        "handle_matter": Right.of("discipline"),
                        "propose": Right.of("discipline"),
                        # a head other than the proposer (and, for a re-examination, the decider)
                        "approve": approve,
                    },
                    scope_lookup=None,
                    confidential=True,
                    after_transition=rules.matter_after_transition,
                    transition_related=("opened_by", "handler"),
                    api_basename="accountability", api_viewset=MatterViewSet,
                    list_related=("target_unit", "target_person"),
                    parts=(registry.Part(AccountabilityTarget, "matter", _("问责对象"), related=("unit", "person")),),
                ),
            ],
        ))
        labels.register()
        accountability_referred.connect(services.on_accountability_referred,
                                        dispatch_uid="cases.accountability_referred")
