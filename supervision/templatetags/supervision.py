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
