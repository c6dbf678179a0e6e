"""What a township committee keeps of a case the county took up (提级办理, issue 15 item 4).

From the take-up on, the case is the county commission's: the committee's people get 404 on it,
its parts, its API and its history. What they wrote themselves while they handled it stays
theirs to read — the changes they made (their proposals, subjects, records of the work) and the
files they uploaded — on pages of their own, never the county's later work. Masked fields stay
masked (the committee no longer has the case's scope), and every read is logged."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from supervision import access, registry
from supervision.audit.readlog import log_read
from supervision.audit.timeline import entries_from, timeline_sources
from supervision.models import Attachment
from supervision.notify import users_with_role
from supervision.registers import RecordFilterSet, Register

from .models import Case
from .units import TOWNSHIP_CASE_ROLES


def committee_townships(user) -> set[int]:
    """The townships whose discipline committee ``user`` works for."""
    return {g.region_id for g in access.grants(user) if g.role in TOWNSHIP_CASE_ROLES and g.region_id}


def handed_over(user):
    """The cases taken up from ``user``'s committee (none for anyone else)."""
    return (Case.objects.filter(taken_up_from_id__in=committee_townships(user), taken_up_at__isnull=False)
            .select_related("taken_up_from", "township"))


def get_handed_over(user, pk) -> Case:
    case = handed_over(user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("记录不存在或无权查看。"))
    return case


def committee_member_ids(township_id) -> set[int]:
    return {u.pk for role in TOWNSHIP_CASE_ROLES for u in users_with_role(role, township_id).only("pk")}


def _written_by_committee(case):
    members = committee_member_ids(case.taken_up_from_id)

    def keep(row) -> bool:
        return row.history_user_id in members and row.history_date <= case.taken_up_at
    return keep


def written_entries(case, user) -> list[dict]:
    """The timeline of ``case`` reduced to the rows the committee's people wrote before the take-up."""
    return entries_from(timeline_sources(case, user, only=_written_by_committee(case)), user)


def written_files(case) -> list[Attachment]:
    """Files the committee's people attached to the case or its parts before the take-up."""
    rt = registry.for_model(case)
    targets = [(rt.key, [str(case.pk)])]
    for part in rt.parts:
        ids = part.model._default_manager.filter(**{part.path: case.pk}).values_list("pk", flat=True)
        targets.append((part.model._meta.label_lower, [str(i) for i in ids]))
    files = []
    members = committee_member_ids(case.taken_up_from_id)
    for key, ids in targets:
        if ids:
            files += Attachment.objects.filter(record_type=key, object_id__in=ids, uploaded_by_id__in=members,
                                               uploaded_at__lte=case.taken_up_at)
    return sorted(files, key=lambda a: (a.uploaded_at, a.pk))


class HandedOverFilter(RecordFilterSet):
    search_fields = ("number",)

    class Meta:
        model = Case
        fields = ["q"]


HANDED_OVER = Register(filterset_class=HandedOverFilter, sorts={"taken_up_at": "taken_up_at", "number": "number"},
                       default_sort="-taken_up_at")


@login_required
def handed_over_list(request):
    if not committee_townships(request.user):
        raise Http404(_("页面不存在。"))
    register = HANDED_OVER.page(request, handed_over(request.user))
    return render(request, "cases/handed_over_list.html", register)


@login_required
def handed_over_detail(request, pk):
    case = get_handed_over(request.user, pk)
    log_read(request.user, case, via="ui", request=request)
    return render(request, "cases/handed_over_detail.html", {
        "case": case, "entries": written_entries(case, request.user), "files": written_files(case)})


@login_required
def handed_over_file(request, pk, file_pk):
    from supervision.views import serve_attachment

    case = get_handed_over(request.user, pk)
    attachment = next((f for f in written_files(case) if f.pk == file_pk), None)
    if attachment is None:
        raise Http404(_("记录不存在或无权查看。"))
    log_read(request.user, case, via="file", request=request)
    return serve_attachment(request, attachment)
