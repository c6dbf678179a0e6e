"""Documents of the rectification workflow: 整改验收表 (the acceptance form, with the scores)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from supervision.documents import DocumentKind, chinese_date, county_body, paragraphs, register
from supervision.models import Unit

from . import conf
from .models import Criterion, Rectification


def _accepted_or_failed(obj: Rectification) -> bool:
    return obj.acceptances.exists()


def acceptance_context(obj: Rectification, part: str) -> dict:
    acceptances = list(obj.acceptances.order_by("date", "pk"))
    latest = acceptances[-1]
    items = list(obj.plan_items.order_by("deadline", "pk"))
    labels = dict(Criterion.choices)
    criteria = [str(labels.get(c, c)) for c in obj.criteria]
    if obj.other_criteria:
        criteria.append(obj.other_criteria)
    unit = Unit.objects.filter(kind=Unit.Kind.ORGANIZATION).order_by("pk").first()
    village = obj.village
    township = village.parent.name if village.parent_id else ""
    return {
        "issuer": county_body(unit.name if unit else "县委组织部"), "date": latest.date,
        "title": _("软弱涣散村党组织整顿验收表"), "township": township, "village": village.name, "obj": obj,
        "criteria": criteria, "problem": paragraphs(obj.problem), "items": items,
        "items_done": sum(1 for i in items if i.done), "acceptances": acceptances, "latest": latest,
        "min_score": conf.get("ACCEPT_MIN_SCORE"), "max_dissatisfied": conf.get("ACCEPT_MAX_DISSATISFIED"),
        "date_cn_of": {a.pk: chinese_date(a.date) for a in acceptances},
        "cc": f"{township}党委" if township else "",
    }


register(DocumentKind(model=Rectification, key="acceptance", label=_("整改验收表"),
                      template="rectification/documents/acceptance.html", context=acceptance_context,
                      prefix="巍组验", available=_accepted_or_failed))
