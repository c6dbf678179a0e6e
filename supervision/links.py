"""Record addresses reversed once per view, not once per record (issue 11).

``reverse()`` walks the resolver for every call: on a register page that was one walk per row,
and a share of every transition (the notification's link). ``record_url(viewname, pk)`` reverses
the view once with a marker key, checks that a second marker lands in the same place (the
key's converter writes an integer as its digits, and nothing else in the address depends on
it), and then writes the address with the key in the marker's place: the same text ``reverse``
gives. Any view where that check fails, or a key that is not a non-negative integer, goes
through ``reverse`` as ever. The template is per script prefix and URLconf (a request's own
``urlconf``, a test's ``ROOT_URLCONF``), so it is never stale.
"""
from __future__ import annotations

import threading

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 2147480647  # a key no record has
_templates: dict = {}
_lock = threading.Lock()


def _template(viewname: str, before: tuple, after: tuple):
    key = (viewname, before, after, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    found = _templates.get(key)
    if found is None:
        mark, probe = str(_MARK), str(_MARK + 1)
        url = reverse(viewname, args=[*before, _MARK, *after])
        if url.count(mark) == 1 and reverse(viewname, args=[*before, _MARK + 1, *after]) == url.replace(mark, probe):
            found = tuple(url.split(mark))
        else:
            found = ()
        with _lock:
            _templates[key] = found
    return found


def record_url(viewname: str, pk, *, before: tuple = (), after: tuple = ()) -> str:
    """``reverse(viewname, args=[*before, pk, *after])`` for an integer ``pk``, from a template
    reversed once (``before`` and ``after`` are part of the template's key)."""
    if type(pk) is int and pk >= 0:
        found = _template(viewname, before, after)
        if found:
            return f"{found[0]}{pk}{found[1]}"
    return reverse(viewname, args=[*before, pk, *after])


def clear() -> None:
    """Forget the templates (tests that swap URLconfs in place)."""
    with _lock:
        _templates.clear()
