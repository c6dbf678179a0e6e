from django import template

register = template.Library()


@register.filter
def get_count(counts, status):
    """counts[status] or 0 (a dict of status → number)."""
    return (counts or {}).get(status, 0)


@register.filter
def get_label(labels, key):
    return labels.get(key, key)
