"""Recall transitions' side effects."""
from __future__ import annotations

from .. import services


def do_withdraw(ctx) -> None:
    """召回: the posting ends, the person is barred from promotion, the cases workflow opens the
    accountability matter against the dispatching unit."""
    services.recall_carry_out(actor=ctx.actor, recall=ctx.obj, reason=ctx.comment)


def do_replace(ctx) -> None:
    """补派: a new posting to the same village, linked to the recall."""
    services.recall_replacement_create(actor=ctx.actor, recall=ctx.obj, params=ctx.params, reason=ctx.comment)
