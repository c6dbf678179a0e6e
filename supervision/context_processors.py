from django.urls import reverse

from . import access, notify, registry


def frame(request):
    """Navigation from the registry, the unread badge and the user's roles for the base page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    user_roles = access.roles(user)
    menu = []
    for wf in registry.workflows():
        if wf.hidden:
            continue
        for item in wf.menu:
            if user_roles & item.roles:
                menu.append({"label": item.label, "url": reverse(item.url_name), "workflow": wf.name})
    return {
        "nav_menu": menu,
        "unread_count": notify.unread_count(user),
        "last_notification_id": user.notifications.order_by("-id").values_list("id", flat=True).first() or 0,
        "user_roles": sorted(user_roles),
        "is_auditor": "auditor" in user_roles,
    }
