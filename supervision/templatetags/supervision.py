from django import template

register = template.Library()


@register.filter
def verbose_plural(model):
    return model._meta.verbose_name_plural


@register.simple_tag
def transition_label(rt, name):
    t = rt.transitions().get(name)
    return t.custom.get("label", name) if t else name
