"""Selectors: every query a user's page, API call or export runs, built on the kernel's
``access.visible`` so that scope is checked in one place."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from supervision import access, plans, registry
from supervision.attachments import attachments_for_many, attachments_of
from supervision.audit.timeline import entries_from, timeline_sources
from supervision.models import Region
from supervision.transitions import available_transitions

from .filters import AssignmentFilter
from .models import ExtensionRequest, Notice, NoticeAssignment, NoticeResponse


def notice_list_visible_to(*, user) -> QuerySet[Notice]:
    return access.visible(user, Notice).select_related("issuing_unit", "issued_by")


def assignment_list_visible_to(*, user, filters: dict | None = None) -> QuerySet[NoticeAssignment]:
    """The register 台账: one row per notice × township, scoped; ``filters`` (query values) go
    through the register's FilterSet (``filters.AssignmentFilter``), as on the page and the API."""
    qs = (access.visible(user, NoticeAssignment).select_related("notice", "notice__issuing_unit", "township")
          .order_by("-notice__issued_on", "-notice_id", "township__code"))
    return AssignmentFilter(filters, queryset=qs).qs if filters else qs


DRAFTS_SHOWN = 50


def _drafts(qs):
    # The state is written into the statement, not bound: a prepared statement's generic plan for
    # "state = $1" guesses that most notices match and walks every notice newest first (1.1 ms at
    # 6,000 notices, none of them drafts); with the constant it reads the drafts' partial index.
    table = connection.ops.quote_name(Notice._meta.db_table)
    column = connection.ops.quote_name(Notice._meta.get_field("state").column)
    return (qs.select_related("issuing_unit", "issued_by").extra(where=[f"{table}.{column} = 'draft'"])
            .prefetch_related("target_townships").order_by("-pk")[:DRAFTS_SHOWN])


def drafts_visible_to(*, user) -> list[Notice]:
    """The user's notices still in draft (the register's 草稿 card, newest first, at most
    ``DRAFTS_SHOWN``), from a planned statement (``access.visible_rows``)."""
    return access.visible_rows(user, Notice, "drafts", _drafts)


def assignment_scope(*, user) -> tuple[bool, set[int]]:
    """(county_wide, township_ids) of the user's roles that may see assignments (the kernel's
    ``access.scope`` over this record type's view roles)."""
    return access.scope(user, registry.for_model(NoticeAssignment).view_roles)


def is_township_only(*, user) -> bool:
    """Does the user see notices only through township grants (no county-wide viewing role)?"""
    county_wide, township_ids = assignment_scope(user=user)
    return bool(township_ids) and not county_wide


def register_townships_for(*, user) -> QuerySet[Region]:
    """Townships a user may filter by: all for county-wide users, their own otherwise."""
    qs = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
    county_wide, township_ids = assignment_scope(user=user)
    return qs if county_wide else qs.filter(pk__in=township_ids)


@dataclass
class AssignmentPanel:
    """Everything the detail page shows about one assignment, loaded in bounded queries."""

    assignment: NoticeAssignment
    transitions: list[str]
    responses: list = field(default_factory=list)
    extensions: list = field(default_factory=list)
    timeline: list = field(default_factory=list)


def _responses_of(ids):
    return NoticeResponse.objects.filter(assignment_id__in=ids).select_related("submitted_by")


def _extensions_of(ids):
    return ExtensionRequest.objects.filter(assignment_id__in=ids).select_related("requested_by", "decided_by")


def assignment_panels(*, user, assignments, history=None) -> list[AssignmentPanel]:
    """Panels for the given (already visible) assignments: responses with their files,
    extension requests and each one's timeline — a fixed number of queries. ``history``: the
    assignments' history rows if the caller read them already (ordered by history id within each
    assignment, ``history_user`` joined), e.g. for the notice's own timeline."""
    assignments = list(assignments)
    if not assignments:
        return []
    ids = [a.pk for a in assignments]
    responses = defaultdict(list)
    for r in plans.rows("notice_responses", _responses_of, {"ids": tuple(ids)}):
        responses[r.assignment_id].append(r)
    files = defaultdict(list)
    for items in attachments_for_many(assignments).values():
        for attachment in items:
            files[attachment.part].append(attachment)
    for rs in responses.values():
        for r in rs:
            r.files = files.get(r.attachment_part, [])
    extensions = defaultdict(list)
    for e in plans.rows("notice_extensions", _extensions_of, {"ids": tuple(ids)}):
        extensions[e.assignment_id].append(e)
    timeline = defaultdict(list)
    if history is None:
        rows = (NoticeAssignment.history.filter(id__in=ids).exclude(transition="")
                .select_related("history_user").order_by("history_id"))
    else:
        wanted = set(ids)
        rows = [row for row in history if row.id in wanted and row.transition != ""]
    labels = {name: t.custom.get("label", name)
              for name, t in registry.for_model(NoticeAssignment).transitions().items()}
    labels["issue"] = _("交办")
    for row in rows:
        row.label = labels.get(row.transition, row.transition)
        timeline[row.id].append(row)
    return [AssignmentPanel(a, available_transitions(a, user), responses[a.pk],
                            extensions[a.pk], timeline[a.pk]) for a in assignments]


def notice_detail_for(*, user, notice: Notice, only: NoticeAssignment | None = None) -> dict:
    """The notice page: the notice, its files, its transitions, the assignments this user
    may see (a township user: only their own) and the notice's timeline (``timeline``: the
    page's, without field diffs), whose history rows of the assignments also give each panel's."""
    if only is not None:
        assignments = [only]
    else:
        assignments = list(access.visible(user, NoticeAssignment).filter(notice=notice)
                           .select_related("township", "notice").order_by("township__code"))
    for a in assignments:
        a.notice = notice
    sources = timeline_sources(notice, user)
    # the assignments' part of the notice's timeline: every history row of the assignments this
    # user may see, which includes those of the panels (one query for both)
    history = next(s.rows for s in sources if s.model is NoticeAssignment and s.part is not None)
    return {
        "notice": notice,
        "notice_files": list(attachments_of(notice)),
        "notice_transitions": available_transitions(notice, user),
        "targets": list(notice.target_townships.order_by("code")) if notice.state == "draft" else [],
        "panels": assignment_panels(user=user, assignments=assignments, history=history),
        "focused": only,
        "timeline": entries_from(sources, user, changes=False),
    }


def notices_with_visible_assignments(*, user, qs) -> QuerySet[Notice]:
    """Prefetch, for each notice, only the assignments this user may see (API bodies)."""
    return qs.prefetch_related(
        Prefetch("assignments", to_attr="visible_assignments",
                 queryset=access.visible(user, NoticeAssignment).select_related("township").order_by("township__code")),
        "target_townships",
    )
