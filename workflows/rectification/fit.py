"""Who fits where on a rectification (DESIGN §4.2, issue #16 items 3–4): the people the four ones
四个一 may name, the first secretary actually posted to a village (from the postings register) and
the township's party secretary (the ``is_principal`` township user's person).

- County leaders 联系县领导: people whose account holds ``leader``, or the county-wide principal of
  a role (the organisation department's head, the commission's secretary).
- A township's leaders 包村乡镇领导: that township's people (their unit is the township's, or their
  region is the township itself; not the villages' people).
- Twinned unit 结对县级单位: the dispatching units (``Unit.is_dispatching``).
- First secretary 第一书记: people with an active first-secretary posting; the village's own is
  prefilled.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Q

from supervision.autocomplete import register_filter
from supervision.models import Person, Role, RoleAssignment, Unit
from workflows.postings.choices import PostingRole
from workflows.postings.models import Posting


def county_leaders():
    return Person.objects.filter(
        Q(user__role_assignments__role=Role.LEADER)
        | Q(user__role_assignments__is_principal=True, user__role_assignments__region__isnull=True),
        user__is_active=True).distinct().select_related("unit").order_by("name", "pk")


def township_people(township_id=None):
    qs = Person.objects.select_related("unit")
    if township_id is None:
        return qs.filter(Q(unit__kind=Unit.Kind.TOWNSHIP) | Q(region__level="township")).order_by("name", "pk")
    return qs.filter(Q(unit__region_id=township_id) | Q(region_id=township_id)).order_by("name", "pk")


def township_people_ids(township_id) -> set[int]:
    return set(township_people(township_id).values_list("pk", flat=True))


def dispatching_units():
    return Unit.objects.filter(is_dispatching=True).order_by("name")


def first_secretaries():
    """People holding an active first-secretary posting (somewhere)."""
    return Person.objects.filter(postings__state=Posting.State.ACTIVE,
                                 postings__role=PostingRole.FIRST_SECRETARY).distinct().select_related(
        "unit").order_by("name", "pk")


def posted_first_secretary(village_id, day: dt.date) -> Person | None:
    """The first secretary posted to the village on ``day`` (postings register): started by then
    and not ended before it, whatever the posting's state is now."""
    posting = (Posting.objects.filter(village_id=village_id, role=PostingRole.FIRST_SECRETARY, start_date__lte=day)
               .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
               .select_related("person").order_by("-start_date", "-pk").first())
    return posting.person if posting else None


def township_secretary(township_id) -> Person | None:
    """The township's party secretary: the person of its ``is_principal`` township user."""
    grant = (RoleAssignment.objects.filter(role=Role.TOWNSHIP, region_id=township_id, is_principal=True,
                                           user__is_active=True, user__person__isnull=False)
             .select_related("user__person").order_by("pk").first())
    return grant.user.person if grant else None


def _township_param(params):
    raw = str(params.get("township") or "")
    return int(raw) if raw.isdigit() else None


def register_autocomplete() -> None:
    """The person filters of ``/autocomplete/person/?filter=…`` (from ``apps.ready``)."""
    register_filter("person", "county_leader", lambda qs, params: qs.filter(pk__in=county_leaders().values("pk")))
    register_filter("person", "township_people",
                    lambda qs, params: qs.filter(pk__in=township_people(_township_param(params)).values("pk")))
    register_filter("person", "first_secretary",
                    lambda qs, params: qs.filter(pk__in=first_secretaries().values("pk")))
