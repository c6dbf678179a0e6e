"""``{% sweep_warnings as warnings %}``: the admin index's warning about overdue or failing timers."""
from django import template

register = template.Library()


@register.simple_tag
def sweep_warnings():
    from supervision.admin import sweep_warnings as warnings

    return warnings()
