"""Documents of the postings workflow: 召回通知 (an approved recall) and the year's 考核结果公示."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from supervision.documents import DocumentKind, chinese_date, county_body, paragraphs, register
from supervision.models import Unit

from .models import Assessment, Recall

RECALL_STATES = ("approved", "recalled", "overdue", "replaced")
PUBLIC_STATES = ("publicized", "finalized")


def _unit_name(kind, fallback: str) -> str:
    unit = Unit.objects.filter(kind=kind).order_by("pk").first()
    return county_body(unit.name if unit else fallback)


def recall_context(recall: Recall, part: str) -> dict:
    posting = recall.posting
    township = recall.township.name
    return {
        "issuer": _unit_name(Unit.Kind.ORGANIZATION, "县委组织部"), "date": recall.decided_on,
        "title": _("关于召回%(name)s同志的通知") % {"name": recall.person.name},
        "addressee": posting.dispatching_unit.name, "township": township,
        "cc": f"{township}党委，县驻村工作联席会议办公室",
        "recall": recall, "person": recall.person, "posting": posting, "village": posting.village.name,
        "grounds": paragraphs(recall.grounds), "start_cn": chinese_date(posting.start_date),
        "replacement_due_cn": chinese_date(recall.replacement_due),
    }


def _year_params(query) -> dict:
    raw = (query.get("year") or "").strip()
    if not raw:
        return {"year": timezone.localdate().year}
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ValidationError(gettext("年度应为 2000 至 2100 之间的四位数字。"))
    return {"year": int(raw)}


def publicity_context(qs, params: dict) -> dict:
    year = params["year"]
    rows = list(qs.filter(year=year, state__in=PUBLIC_STATES)
                .select_related("person", "township", "posting__village", "posting__dispatching_unit")
                .order_by("township__code", "posting__village__code", "pk"))
    starts = [a.publicity_start for a in rows if a.publicity_start]
    ends = [a.publicity_end for a in rows if a.publicity_end]
    townships = sorted({a.township.name for a in rows})
    return {
        "issuer": _unit_name(Unit.Kind.JOINT_OFFICE, "县驻村工作联席会议办公室"),
        "date": min(starts) if starts else timezone.localdate(),
        "title": _("%(year)d年度驻村第一书记和工作队员考核结果公示") % {"year": year},
        "township": "、".join(townships), "year": year, "rows": rows,
        "start_cn": chinese_date(min(starts)) if starts else "", "end_cn": chinese_date(max(ends)) if ends else "",
        "cc": "县委组织部，各乡镇党委，各派出单位",
    }


register(DocumentKind(model=Recall, key="recall", label=_("召回通知"), template="postings/documents/recall.html",
                      context=recall_context, prefix="巍组召", available=lambda r: r.state in RECALL_STATES))
register(DocumentKind(model=Assessment, key="publicity", label=_("考核结果公示"),
                      template="postings/documents/publicity.html", context=publicity_context, prefix="巍驻联公",
                      collection=True, params=_year_params, collection_part=lambda p: str(p["year"])))
