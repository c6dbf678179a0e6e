from django.conf import settings
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
    unread, last_seq = notify.unread_and_seq(user)  # one query
    return {
        "nav_menu": menu,
        "unread_count": unread,
        "unread_cap": notify.UNREAD_CAP,  # the count stops there: the badge shows "99+"
        # live.js counts on from here: a push with a higher seq than the next means one was missed.
        "last_notification_seq": last_seq,
        # with no message for this long, live.js fetches what it may have missed anyway
        "live_quiet_ms": int(float(settings.SUPERVISION.get("NOTIFY_QUIET_SECONDS", 300)) * 1000),
        "user_roles": sorted(user_roles),
        "is_auditor": "auditor" in user_roles,
    }
