"""Selectors: every case query starts from the kernel's visibility function."""
from __future__ import annotations

from django.db.models import Count, Q, Sum

from supervision import access

from .models import AccountabilityMatter, Case, SubjectMatter

LIST_RELATED = ("township", "handler", "pending_by")


def case_list_visible_to(*, user, filters: dict | None = None):
    qs = access.with_scope_related(access.visible(user, Case)).select_related(*LIST_RELATED) \
        .prefetch_related("subjects")  # with the team and recusals the reporter's masking reads
    f = filters or {}
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("category"):
        qs = qs.filter(category=f["category"])
    if f.get("source"):
        qs = qs.filter(source=f["source"])
    if f.get("township"):
        qs = qs.filter(township_id=f["township"])
    if f.get("four_forms"):
        qs = qs.filter(four_forms=f["four_forms"])
    if f.get("overdue"):
        qs = qs.filter(overdue=True)
    if f.get("escalated"):
        qs = qs.filter(escalated=True)
    if f.get("pending"):
        qs = qs.filter(Q(pk__in=Case.objects.exclude(pending_kind="").values("pk"))
                       | Q(pk__in=SubjectMatter.objects.exclude(pending_kind="").values("case_id")))
    if f.get("q"):
        q = f["q"].strip()
        cond = Q(description__icontains=q) | Q(subjects__name__icontains=q)
        if q.isdigit():
            cond |= Q(pk=int(q))
        qs = qs.filter(pk__in=Case.objects.filter(cond).values("pk"))
    return qs.order_by("-pk")


def approvals_for(*, user):
    """Open proposals the user could decide on: the heads' approval queue."""
    return case_list_visible_to(user=user, filters={"pending": True}).order_by("pending_at", "pk")


def four_forms_counts(qs) -> list[dict]:
    """The four forms over cases ``qs``: a clue closed without filing counts once (its own tag),
    a filed case once per subject (each subject's matter carries its tag)."""
    counts: dict[str, int] = {}
    for value, n in qs.filter(filed_on__isnull=True).values_list("four_forms").annotate(n=Count("pk")).order_by():
        counts[value] = counts.get(value, 0) + n
    for value, n in (SubjectMatter.objects.filter(case__in=qs.values("pk")).values_list("four_forms")
                     .annotate(n=Count("pk")).order_by()):
        counts[value] = counts.get(value, 0) + n
    return [{"four_forms": k, "n": v, "amount": None}
            for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def case_statistics(*, user, year: int | None = None) -> dict:
    """Counts by category, township, four forms and state over the cases ``user`` may see
    (received in ``year`` when given)."""
    qs = access.visible(user, Case)
    if year:
        qs = qs.filter(received_on__year=year)
    by = {}
    for key, field in (("category", "category"), ("township", "township__name"), ("state", "state")):
        by[key] = list(qs.values(field).annotate(n=Count("pk"), amount=Sum("amount")).order_by("-n", field))
    by["four_forms"] = four_forms_counts(qs)
    totals = qs.aggregate(total=Count("pk"), filed=Count("pk", filter=Q(filed_on__isnull=False)),
                          overdue=Count("pk", filter=Q(overdue=True)),
                          escalated=Count("pk", filter=Q(escalated=True)), amount=Sum("amount"))
    return {"by": by, "totals": totals}


def matter_list_visible_to(*, user, filters: dict | None = None):
    qs = access.visible(user, AccountabilityMatter).select_related("target_unit", "target_person", "opened_by")
    f = filters or {}
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("source_kind"):
        qs = qs.filter(source_kind=f["source_kind"])
    return qs.order_by("-pk")
