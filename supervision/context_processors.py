import html

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import access, notify, registry


def frame(request):
    """Navigation from the registry, the unread badge and the user's roles for the base page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"frame_urls": frame_urls()}  # the brand and the language form
    user_roles = access.roles(user)
    unread, last_seq = notify.unread_and_seq(user)  # one query
    return {
        "nav_html": nav_html(user_roles, user.is_staff),
        "frame_urls": frame_urls(),
        "unread_count": unread,
        "unread_cap": notify.UNREAD_CAP,  # the count stops there: the badge shows "99+"
        # live.js counts on from here: a push with a higher seq than the next means one was missed.
        "last_notification_seq": last_seq,
        # with no message for this long, live.js fetches what it may have missed anyway
        "live_quiet_ms": int(float(settings.SUPERVISION.get("NOTIFY_QUIET_SECONDS", 300)) * 1000),
        "user_roles": sorted(user_roles),
        "is_auditor": "auditor" in user_roles,
    }


# The menu's markup and the frame's addresses depend on the language, the roles, the staff flag,
# the script prefix, the URLconf and the registry's menus, and on nothing else: written once per
# combination (a dozen ``reverse`` walks and as many template tags on every page before, issue 11).
_NAV: dict = {}
_URLS: dict = {}
_KEPT = 512

FRAME_URL_NAMES = ("home", "notification-feed", "notification-list", "logout", "set_language")


def _where() -> tuple:
    return (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, registry.generation())


def frame_urls() -> dict[str, str]:
    """The base page's own addresses (``frame_urls.home`` …), reversed once per prefix and URLconf."""
    key = _where()
    found = _URLS.get(key)
    if found is None:
        found = {name.replace("-", "_"): reverse(name) for name in FRAME_URL_NAMES}
        if len(_URLS) >= _KEPT:
            _URLS.clear()
        _URLS[key] = found
    return found


def nav_html(user_roles, is_staff: bool) -> str:
    """The main menu: 我的待办, 已办, each workflow's items the roles may see, then the kernel's pages."""
    key = (get_language(), frozenset(user_roles), bool(is_staff), *_where())
    found = _NAV.get(key)
    if found is None:
        found = _nav_markup(frozenset(user_roles), bool(is_staff))
        if len(_NAV) >= _KEPT:
            _NAV.clear()
        _NAV[key] = found
    return found


def _nav_markup(user_roles: frozenset, is_staff: bool) -> str:
    from .statsviews import DASHBOARD_ROLES  # the pages' own rules: who may open them
    from .views import AUDIT_ROLES

    items = [(reverse("home"), _("我的待办")), (reverse("done"), _("已办"))]
    for wf in registry.workflows():
        if wf.hidden:
            continue
        for item in wf.menu:
            if user_roles & item.roles:
                items.append((reverse(item.url_name), str(item.label)))
    if user_roles:
        items.append((reverse("statistics"), _("统计图表")))
    if user_roles & DASHBOARD_ROLES:
        items.append((reverse("dashboard"), _("领导看板")))
    if user_roles & frozenset(AUDIT_ROLES):
        items.append((reverse("audit-search"), _("历史审计")))
    if "auditor" in user_roles:
        items.append((reverse("audit-reads"), _("查阅记录")))
    if is_staff:
        items.append((reverse("admin:index"), _("系统管理")))
    return mark_safe("\n    ".join(  # noqa: S308 (every value escaped)
        f'<a href="{html.escape(url)}">{html.escape(label)}</a>' for url, label in items))


def forget() -> None:
    """Forget the written menus (a test that changes settings the menu depends on)."""
    _NAV.clear()
    _URLS.clear()
