import html

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

_esc = html.escape  # Django's escape() without its lazy-string wrapper: the same markup

register = template.Library()


@register.filter
def verbose_plural(model):
    return model._meta.verbose_name_plural


@register.simple_tag
def transition_label(rt, name):
    from supervision.audit.diff import operation_label

    return operation_label(rt, name)


@register.simple_tag(takes_context=True)
def deadline(context, obj, light=None, due=None):
    """The one traffic light for a record's deadline: colour, date, working days left or
    overdue by (text, never colour alone) and why it is provisional."""
    from supervision import deadlines, registry

    if light is None and obj is not None and registry.is_registered(obj):
        rt = registry.for_model(obj)
        if rt.due_field or due is not None:
            light = deadlines.light(obj, rt, calendar=deadlines.calendar_for(context.get("request")), due=due)
    return deadline_html(light)


def deadline_html(light) -> str:
    """The markup of a light (``deadlines.Light`` or None), built here rather than by an included
    template: a register renders one per row, and a template render per row cost more than the
    rest of the row."""
    if not light or not light.due:
        return mark_safe("—\n")
    key = (get_language(), light)  # a page's lights repeat, and so do the next page's
    found = _LIGHTS.get(key)
    if found is None:
        found = _light_html(light)
        if len(_LIGHTS) >= _LIGHTS_KEPT:
            _LIGHTS.clear()
        _LIGHTS[key] = found
    return found


# The markup of the lights written lately, by language and light (a light is its values: colour,
# due date, days left or overdue by, its provisional reason). A light's text is translated and
# formatted when written: a register or 我的待办 writes 30–50 a page, most of them seen before.
_LIGHTS: dict = {}
_LIGHTS_KEPT = 4096


def _light_html(light) -> str:
    colour, day, text = light.colour, light.due.isoformat(), light.text
    out = f'<span class="deadline{" light light-" + colour if colour else ""}" data-colour="{colour}">'
    if colour:
        out += ('<span class="light-dot" aria-hidden="true"></span>'
                f'<span class="light-label">{_esc(light.colour_label)}</span> ')
    out += f'<time datetime="{day}">{day}</time>'
    if text:
        out += f' <span class="light-text">{_esc(text)}</span>'
    out += "</span>"
    if light.provisional:
        reason = _esc(light.provisional_reason)
        out += (f' <abbr class="provisional" title="{reason}">{_esc(gettext("待确认"))}</abbr>'
                f'<small class="provisional-reason muted">{reason}</small>')
    return mark_safe(out + "\n")  # noqa: S308 (every value escaped)


@register.simple_tag
def transition_href(obj, name):
    """Link of an inbox action chip: the record's page, opened at that action's form."""
    return f"{obj.get_absolute_url()}#do-{name}"


@register.inclusion_tag("supervision/_handler.html", takes_context=True)
def handler_panel(context, obj):
    """Who handles the record (承办人) and, for this user, take / release / assign."""
    from supervision import access, handlers, registry

    request = context.get("request")
    user = getattr(request, "user", None)
    rt = registry.for_model(obj)
    row = handlers.handler_row(obj)
    current = row.handler if row is not None else None
    open_actions = bool(handlers.inbox_transitions_any(obj))
    can_assign = bool(user and open_actions and access.can(user, "assign", obj))
    return {
        "obj": obj, "rt_key": rt.key, "current": current, "row": row, "request": request,
        "open_actions": open_actions,
        "can_take": bool(user and current is None and handlers.is_eligible(user, obj)),
        "can_release": bool(user and current is not None and (current.pk == user.pk or can_assign)),
        "can_assign": can_assign,
        "candidates": handlers.eligible_users(obj) if can_assign else [],
    }


@register.filter
def verbose_name(model):
    return model._meta.verbose_name


@register.simple_tag(takes_context=True)
def transition_panel(context, obj, names=None, primary="", collapsed=""):
    """``{% transition_panel obj names primary="a,b" collapsed="c" as actions %}`` then
    ``{% include "supervision/ui/panel_forms.html" %}``: the kernel panel for a record shown
    inside another record's page (several records on one page)."""
    from supervision.ui import transition_panel as build

    request = context["request"]
    return build(request, obj, names=names, primary=set(filter(None, primary.split(","))),
                 collapsed=set(filter(None, collapsed.split(","))), next_url=request.get_full_path())


@register.simple_tag(takes_context=True)
def sort_header(context, key, label):
    """A sortable column header of a register (``supervision.registers.Register``): a link that
    sorts by ``key``, then reverses; the current direction shown (▲/▼) and announced."""

    current = context.get("sort", "")
    base = context.get("query_without_sort", "")
    if current == key:
        target, mark, aria = f"-{key}", " ▲", "ascending"
    elif current == f"-{key}":
        target, mark, aria = key, " ▼", "descending"
    else:
        target, mark, aria = key, "", "none"
    href = f"?{base}&sort={target}" if base else f"?sort={target}"
    return format_html('<th aria-sort="{}"><a class="sort" href="{}">{}{}</a></th>', aria, href, label, mark)


@register.simple_tag
def township_select(value="", name="township", empty_label=None):
    """A filter bar's township select (``name``, the current ``value``): the kernel's searchable
    select (``forms.TownshipFilterForm``), so a province's 1,000 townships are never 1,000
    ``<option>``s; the search is scoped to what the user may see (``/autocomplete/township/``)."""
    from supervision.forms import TownshipFilterForm

    value = "" if value is None else str(value)
    form = TownshipFilterForm({name: value if value.isdigit() else ""}, field=name)
    if empty_label is not None:
        form.fields[name].empty_label = empty_label
    return str(form[name])


@register.filter
def unread_badge(count):
    """The bell's number: counts stop at ``notify.UNREAD_CAP``, shown as "99+" (live.js does the same)."""
    from supervision.notify import UNREAD_CAP

    return f"{UNREAD_CAP - 1}+" if count and count >= UNREAD_CAP else count


@register.simple_tag(takes_context=True)
def table_rows(context, table, objects, empty=""):
    """A register's ``<tr>`` rows, written by its ``supervision.tables.Table``."""
    return table.render(objects, request=context.get("request"), empty=empty)


@register.simple_tag(takes_context=True)
def inbox_rows(context, items, claim=False):
    """The rows of a 我的待办 table (``supervision/_inbox_table.html``), built here rather than by
    the template: a page of 30 rows rendered through template tags and lookups cost more than
    finding the tasks. The markup is the template's, escaped alike."""
    from django.template.defaulttags import CsrfTokenNode
    from django.utils import timezone
    from django.utils.html import conditional_escape as esc

    from supervision.audit.diff import operation_label
    from supervision.links import record_url

    take_form = ""
    if claim:
        request = context.get("request")
        take_form = format_html(
            '{}<input type="hidden" name="next" value="{}"><button type="submit" class="link">{}</button></form></td>',
            CsrfTokenNode().render(context), request.get_full_path() if request is not None else "",
            mark_safe(gettext("由我办理")))  # noqa: S308 ({% trans "…" %} of a literal: not escaped)
    # What repeats from row to row is escaped once per call: a record type's heading, a state's
    # label, a transition's label.
    heads, states, labels = {}, {}, {}
    today = timezone.localdate()
    rows = []
    for item in items:
        obj, rt, light = item.obj, item.rt, item.light
        url = esc(obj.get_absolute_url())
        head = heads.get(rt.key)
        if head is None:
            workflow = item.workflow
            head = heads[rt.key] = (f'{esc(workflow.label if workflow is not None else "")} · '
                                    f'{esc(rt.model._meta.verbose_name)}')
        state = getattr(obj, "state", "")
        state_html = states.get((rt.key, state))
        if state_html is None:
            display = getattr(obj, "get_state_display", None)
            state_html = states[(rt.key, state)] = (f'<span class="state state-{esc(state)}">'
                                                    f'{esc(display() if display is not None else "")}</span>')
        overdue = bool(item.due and item.due < today)
        classes = (f"row-{light.colour}" if light else "") + (" overdue" if overdue else "")
        chips = []
        for name in item.transitions:
            label = labels.get((rt.key, name))
            if label is None:
                label = labels[(rt.key, name)] = esc(operation_label(rt, name))
            chips.append(f'<a class="tag action-chip" href="{url}#do-{esc(name)}">{label}</a>')
        take = ""
        if claim:
            action = esc(record_url("record-handler", obj.pk, before=(rt.key,), after=("take",)))
            take = f'<td><form method="post" action="{action}" class="inline">{take_form}'

        rows.append(
            f'\n    <tr class="{esc(classes)}">\n'
            f'      <td><small>{head}</small></td>\n'
            f'      <td><a href="{url}">{esc(obj)}</a></td>\n'
            f'      <td>{state_html}</td>\n'
            f'      <td>{deadline_html(light)}</td>\n'
            f'      <td>{"".join(chips)}</td>\n'
            f'      {take}\n'
            f'    </tr>\n  ')
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped above)


@register.simple_tag
def timeline_items(entries):
    """The ``<li>`` of a record page's timeline (``supervision/ui/timeline.html``), built here: a
    record with many parts has hundreds of entries, and a template render per entry cost more
    than reading them. The markup is the template's, escaped alike."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.formats import localize
    from django.utils.html import conditional_escape as esc
    from django.utils.timezone import template_localtime

    if not entries:
        return format_html('\n    <li class="muted">{}</li>\n  ', mark_safe(gettext("暂无记录。")))  # noqa: S308
    nobody = mark_safe(gettext("系统"))  # noqa: S308 ({{ …|default:_("系统") }}: a literal, not escaped)
    because = mark_safe(gettext("理由"))  # noqa: S308
    items = []
    for e in entries:
        part, date = e["part"], e["date"]
        when = e["when"] or localize(template_localtime(date))
        if e["transition"]:
            what = f'<span class="tag">{esc(e["transition_label"])}</span>'
            if e["from_state"] != e["to_state"]:
                what += f' {esc(e["from_label"])} → {esc(e["to_label"])}'
        else:
            what = esc(e["type_label"])
        tag = format_html(' · <span class="tag part-tag">{}</span> {}', part["label"], part["name"]) if part else ""
        reason = format_html('<div class="reason">{}：{}</div>', because, e["reason"]) if e["reason"] else ""
        items.append(
            f'\n    <li{' class="part"' if part else ""}><div class="meta">'
            f'<time datetime="{esc(date_filter(template_localtime(date), "c"))}">{esc(when)}</time> · '
            f'<strong>{esc(e["user"] or nobody)}</strong>\n'
            f'      · {what}\n'
            f'      {tag}</div>\n'
            f'      {reason}</li>\n  ')
    return mark_safe("".join(items))  # noqa: S308 (every value escaped above)


@register.simple_tag(takes_context=True)
def audit_result_rows(context, rows, with_context=False):
    """The result rows of 历史审计 (``supervision/audit_search.html``), built here rather than by a
    ``{% for %}`` over the rows: at a page of 30 rows with their diffs the loop's variable lookups
    cost more than the search. The same markup, character for character, as the loop it
    replaced (``tests/kernel/test_audit_search.py`` renders both), every value rendered as
    ``{{ }}`` renders it (``render_value_in_context``: localized and escaped)."""
    import datetime as dt
    import html

    from django.template.base import render_value_in_context
    from django.template.defaultfilters import date, slice_filter
    from django.urls import reverse
    from django.utils.html import conditional_escape
    from django.utils.timezone import template_localtime

    autoescape = context.autoescape

    def v(value):
        if autoescape and type(value) is str:  # what render_value_in_context makes of a plain str
            return html.escape(value)
        return render_value_in_context(value, context)

    if not rows:
        return mark_safe(f'<tr><td colspan="7">{v(gettext(mark_safe("没有符合条件的记录。")))}</td></tr>')  # noqa: S308
    history = v(gettext(mark_safe("历史")))
    system = gettext(mark_safe("系统"))
    dash = mark_safe("—")
    # the history link: reversed once per record type, with a marker for the record's id (digits
    # stay as they are in a path), else per record
    marker = "90817263544536271809"
    history_links: dict[str, tuple[str, str] | None] = {}
    out = []
    for r in rows:
        record_type, object_id = r["record_type"], r["object_id"]
        link_of = history_links.get(record_type, False)
        if link_of is False:
            url = reverse("record-history", args=(record_type, marker))
            link_of = history_links[record_type] = tuple(url.split(marker)) if url.count(marker) == 1 else None
        if link_of is not None and type(object_id) is int and object_id >= 0:
            history_url = conditional_escape(f"{link_of[0]}{object_id}{link_of[1]}")
        else:
            history_url = conditional_escape(reverse("record-history", args=(record_type, object_id)))
        obj = v(r["object"])
        link = f'<a href="{v(r["url"])}">{obj}</a>' if r["url"] else obj
        part = r["part"]
        part = (f'<div><span class="tag part-tag">{v(part["label"])}</span> {v(part["name"])}</div>'
                if part else "")
        user = v(r["user"] or system) + (f' <span class="muted">{v(r["username"])}</span>' if r["username"] else "")
        if r["transition"]:
            action = f'<span class="tag" title="{v(r["transition"])}">{v(r["transition_label"])}</span>'
            if r["from_label"] or r["to_label"]:
                action += f' {v(r["from_label"])} → {v(r["to_label"])}'
        else:
            action = v(r["type_label"])
        changes = "".join(f'<div>{v(c["label"])}：{f"{v(c["old"])} → " if c["old"] else ""}{v(c["new"])}</div>'
                          for c in r["changes"])
        where = ""
        if with_context:
            where = v(r["via_label"] or dash)
            if r["client_ip"]:
                where += f'<div class="muted">{v(r["client_ip"])}</div>'
            if r["request_id"]:
                where += f'<div class="muted"><code>{v(slice_filter(r["request_id"], ":12"))}</code></div>'
            where = f"<td>{where}</td>"
        local = template_localtime(r["date"], use_tz=context.use_tz)
        # the date filter's "c" of a datetime is its isoformat(), without building a DateFormat
        when = v(local.isoformat() if isinstance(local, dt.datetime) else date(local, "c"))
        out.append(f'\n    <tr><td><time datetime="{when}">{v(r["when"])}</time></td>\n'
                   f'      <td>{v(r["record_label"])} · {link}\n'
                   f'        <a class="muted" href="{history_url}">{history}</a>\n'
                   f'        {part}</td>\n'
                   f'      <td>{user}</td>\n'
                   f'      <td>{action}</td>\n'
                   f'      <td>{changes}</td>\n'
                   f'      <td>{v(r["reason"])}</td>\n'
                   f'      {where}</tr>\n  ')
    return mark_safe("".join(out))  # noqa: S308 (every value escaped by render_value_in_context above)
