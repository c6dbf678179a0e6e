"""``{% sweep_summary as warning %}``: the admin index's warning about overdue or failing timers."""
from django import template

register = template.Library()


@register.simple_tag
def sweep_summary():
    from supervision.admin import sweep_summary as summary

    return summary()
