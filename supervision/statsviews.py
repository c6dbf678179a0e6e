"""统计图表 (every workflow's figures the user may see) and the leaders' dashboard 领导看板."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from . import charts
from .exports import xlsx_sheets_response


@login_required
def statistics(request):
    user = request.user
    if not charts.sections_for(user):
        raise Http404
    error = ""
    try:
        period = charts.parse_period(request.GET)
    except ValidationError as exc:
        error = "；".join(exc.messages)
        period = charts.parse_period({})
    only = request.GET.get("section", "")
    found = charts.figures_for(user, period, only=only or None)
    if request.GET.get("export") == "xlsx" and not error:
        sheets = [(f"{sf.section.label}-{fig.title}", fig.headers(),
                   [[r["label"], *r["values"]] for r in fig.rows()]) for sf in found for fig in sf.figures]
        return xlsx_sheets_response(f"statistics-{period.start}-{period.end}.xlsx", sheets)
    return render(request, "supervision/statistics.html", {
        "found": found, "period": period, "error": error, "only": only,
        "sections": charts.sections_for(user), "querystring": request.GET.urlencode(),
    }, status=400 if error else 200)


DASHBOARD_ROLES = frozenset({"leader", "inspector", "organization", "auditor", "discipline", "discipline_head"})


def dashboard_data(user, today=None) -> dict:
    """Traffic lights by township across the workflows the user may see, the user's approvals and this
    month's trend. A bounded number of queries (a few per workflow), whatever the number of records."""
    import datetime as dt

    from django.utils import timezone

    from .inbox import inbox_for
    from .models import Region

    today = today or timezone.localdate()
    sources = charts.traffic_sources_for(user)
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"))
    columns, totals = [], {}
    for source in sources:
        counts = source.counts(user, today)
        columns.append((source, counts))
        totals[source.key] = {light: sum(c.get(light, 0) for c in counts.values()) for light in charts.LIGHTS}
    rows = []
    for t in townships:
        cells = []
        for source, counts in columns:
            c = counts.get(t.pk, {})
            cells.append({"source": source, "lights": [
                {"light": light, "n": c.get(light, 0), "url": source.link(t.pk, light)} for light in charts.LIGHTS]})
        rows.append({"township": t, "cells": cells, "red": sum(c["lights"][0]["n"] for c in cells)})
    start = today.replace(day=1)
    days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
    series = []
    for source in sources:
        if source.trend is None:
            continue
        for name, by_day in source.trend(user, start, today):
            series.append({"name": name, "data": [by_day.get(d, 0) for d in days]})
    trend = charts.Figure(key="dashboard-trend", title=gettext_lazy("本月趋势"), kind="line",
                          category_label=gettext_lazy("日期"), categories=[d.strftime("%m-%d") for d in days],
                          series=series)
    sections = inbox_for(user).sections()
    return {"sources": sources, "totals": [(s, totals[s.key]) for s in sources], "rows": rows, "trend": trend,
            "approvals": sections, "approval_count": sum(len(s.items) for s in sections), "today": today}


@login_required
def dashboard(request):
    from . import access

    if not access.has_role(request.user, *DASHBOARD_ROLES):
        raise Http404
    return render(request, "supervision/dashboard.html", dashboard_data(request.user))
