"""What each transition writes besides the record (#12 side-effects convention): one
``do_<transition>(ctx)`` per transition that has effects, read top to bottom; ``after_transition``
(the record type's hook, inside the kernel's transaction) notifies and dispatches to it by name."""
from __future__ import annotations

from django.utils.translation import gettext as _

from supervision.models import PersonMark
from supervision.people import person_mark_add
from supervision.transitions import save_with_history

from . import fit, rules
from .models import Acceptance


def after_transition(ctx) -> None:
    rules.notify_transition(ctx)
    effect = EFFECTS.get(ctx.name)
    if effect is not None:
        effect(ctx)


def do_accept(ctx) -> None:
    _record_acceptance(ctx, passed=True)


def do_fail(ctx) -> None:
    """The acceptance row, then the 优秀 bar: for the assessment year in which the acceptance
    failed (its date's year), the people ``barred_people`` finds."""
    obj, p = ctx.obj, ctx.params
    _record_acceptance(ctx, passed=False, new_deadline=p["new_deadline"])
    year = p["date"].year
    reason = _("%(village)s %(year)d 年软弱涣散整顿 %(date)s 验收未通过（得分 %(score)s，不满意率 %(pct)s%%）") % {
        "village": obj.village.name, "year": obj.year, "date": p["date"].isoformat(), "score": p["score"],
        "pct": p["dissatisfied_pct"]}
    for person in barred_people(obj, p["date"]):
        person_mark_add(actor=ctx.actor, person=person, kind=PersonMark.Kind.NO_EXCELLENT,
                        year_from=year, year_to=year, reason=reason, source=obj)


def barred_people(obj, day) -> list:
    """Whom a failed acceptance on ``day`` bars from 优秀 (DESIGN §4.2): the first secretary posted
    to the village on that day (postings register), the township's party secretary (the
    ``is_principal`` township user's person; the secretary named on the record if the township
    has none) and the responsible township cadre named on the record."""
    people = [fit.posted_first_secretary(obj.village_id, day),
              fit.township_secretary(obj.village.parent_id) or obj.township_secretary,
              obj.responsible_cadre]
    seen, out = set(), []
    for person in people:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def _record_acceptance(ctx, *, passed: bool, new_deadline=None) -> Acceptance:
    p = ctx.params
    acceptance = Acceptance(rectification=ctx.obj, score=p["score"], dissatisfied_pct=p["dissatisfied_pct"],
                            inspectors=p["inspectors"], date=p["date"], opinion=p.get("opinion") or ctx.comment,
                            passed=passed, new_deadline=new_deadline, recorded_by=ctx.actor)
    save_with_history(acceptance, actor=ctx.actor,
                      reason=ctx.comment or (_("验收通过") if passed else _("验收不通过")))
    return acceptance


# transition name → its effects (every module-level do_<name> above)
EFFECTS = {name.removeprefix("do_"): fn for name, fn in list(globals().items())
           if name.startswith("do_") and callable(fn)}
