"""Who hears about what: the township, the first secretary (if they have an account) and the
organisation department at every step; the county leaders when a listing awaits them."""
from __future__ import annotations

from django.utils.translation import gettext as _

from supervision.models import User
from supervision.notify import notify, users_with_role


def recipients(obj, *, leaders: bool = False) -> list:
    people = list(users_with_role("township", township_id=obj.village.parent_id))
    people += list(users_with_role("organization"))
    if obj.first_secretary_id:
        people += list(User.objects.filter(person_id=obj.first_secretary_id, is_active=True))
    if leaders:
        people += list(users_with_role("leader"))
    return people


# Transitions that await a county leader: the leaders hear of them too.
FOR_LEADERS = frozenset({"propose_listing", "propose_withdrawal"})


def notify_transition(ctx) -> None:
    obj, rt = ctx.obj, ctx.rt
    label = rt.transitions()[ctx.name].custom.get("label", ctx.name)
    message = _("%(obj)s：%(label)s（%(state)s）") % {"obj": obj, "label": label, "state": obj.get_state_display()}
    if ctx.comment:
        message += " — " + ctx.comment
    notify(recipients=recipients(obj, leaders=ctx.name in FOR_LEADERS), verb=f"rectification.{ctx.name}",
           message=message, target=obj, exclude=ctx.actor)


def notify_event(obj, *, verb: str, message: str, actor=None, leaders: bool = False, township_only: bool = False):
    if township_only:
        people = list(users_with_role("township", township_id=obj.village.parent_id))
        if obj.first_secretary_id:
            people += list(User.objects.filter(person_id=obj.first_secretary_id, is_active=True))
    else:
        people = recipients(obj, leaders=leaders)
    return notify(recipients=people, verb=verb, message=message, target=obj, exclude=actor)
