from django import template

register = template.Library()


@register.filter
def verbose_plural(model):
    return model._meta.verbose_name_plural


@register.simple_tag
def transition_label(rt, name):
    t = rt.transitions().get(name)
    return t.custom.get("label", name) if t else name


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
    from django.utils.html import format_html

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
