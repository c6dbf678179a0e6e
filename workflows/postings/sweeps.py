"""Timer jobs (run by ``manage.py run_sweeps``): idempotent, safe on several machines."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supervision.audit.actor import system_actor
from supervision.sweep import claim_once, fire_system_transition, in_batches, iso_of, remind, today, unclaimed
from supervision.transitions import save_with_history

from . import conf, rules
from .models import Assessment, Posting, Recall


def flag_term_end(now) -> int:
    """Postings whose term ends within TERM_END_NOTICE_DAYS: flag once, tell township/organisation."""
    horizon = today(now) + dt.timedelta(days=conf.get("TERM_END_NOTICE_DAYS"))
    done = 0
    due = unclaimed(Posting.objects.filter(state=Posting.State.ACTIVE, end_date__lte=horizon, term_end_flagged=False),
                    "postings.term_end", iso_of("end_date"))
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            # Lock and re-read: a concurrent completion/renewal/recall must not be overwritten.
            posting = (Posting.objects.select_for_update(of=("self",)).select_related("person", "village")
                       .filter(pk=pk, state=Posting.State.ACTIVE, term_end_flagged=False).first())
            if posting is None or not claim_once("postings.term_end", posting, period=str(posting.end_date)):
                continue
            posting.term_end_flagged = True
            save_with_history(posting, actor=system_actor(), reason=_("任期将届满，提示办理期满离任或连任"),
                              update_fields=["term_end_flagged", "updated_at"])
            rules.notify_term_end(posting)
            done += 1
    return done


def replacement_overdue(now) -> int:
    """A recalled posting not replaced by its due date turns overdue (once)."""
    done = 0
    late = Recall.objects.filter(state=Recall.State.RECALLED, replacement_due__lt=today(now)).select_related(
        "person", "posting__village")
    for recall in in_batches(late):
        with transaction.atomic():  # the state move and its notification commit together
            if fire_system_transition(recall, "mark_overdue", comment=_("召回后未在期限内补派")):
                rules.notify_replacement_overdue(recall)
                done += 1
    return done


def publicity_over(now) -> int:
    """Tell the organisation department once when a publicity window has passed without objection."""
    over = unclaimed(Assessment.objects.filter(state=Assessment.State.PUBLICIZED, publicity_end__lt=today(now))
                     .select_related("person"), "postings.publicity_over", iso_of("publicity_end"))

    def send(assessments) -> None:
        for assessment in assessments:
            rules.notify_publicity_over(assessment)

    # A batch at a time: its marks (one insert) and its notifications commit together.
    return remind(over, "postings.publicity_over", lambda a: str(a.publicity_end), send)


JOBS = [flag_term_end, replacement_overdue, publicity_over]
