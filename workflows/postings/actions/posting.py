"""Posting transitions' side effects."""
from __future__ import annotations

from .. import services


def do_renew(ctx) -> None:
    """连任: the next term, once this posting is saved as renewed (one active posting per person)."""
    services.posting_renewal_create(actor=ctx.actor, posting=ctx.obj, term_years=ctx.params["term_years"],
                                    reason=ctx.comment)


def do_propose_recall(ctx) -> None:
    """提出召回: the recall record (the posting stays in post until the recall is carried out)."""
    ctx.recall = services.recall_create(actor=ctx.actor, posting=ctx.obj, grounds=ctx.params["grounds"])
