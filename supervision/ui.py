"""The kernel UI layer every workflow's pages are built on (in the spirit of NetBox's generic views).

- ``visible_or_404(user, model, pk, related=(), prefetch=())``: the record if the user may see it
  (``access.visible``, with its rows preloaded), else 404; confidential reads are logged.
- ``transition_panel(request, obj)``: the forms of the actions this user may fire now, built from
  the django-fsm metadata (``custom["form"]``, ``comment_required``, ``label``), with ``enctype``
  when a form takes files and required fields marked. Rendered by ``supervision/ui/panel.html``.
- ``refused(request, obj, key, exc)``: the one handler for a refused transition or form: the
  record's own page is rendered again (400/409) with the user's input kept, each error next to
  its field and the form-level message at the top. ``bound_form(request, key, FormClass)`` gives
  a page the form to show: bound with the refused input and errors, or fresh.
- ``DateInput``: the one date input (a picker that accepts and sends 2026-12-01, the format shown).
- ``BLANK_LABEL``: the placeholder of every select (请选择), installed in ``apps.ready()``.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, registry
from .audit.readlog import log_read
from .errors import Conflict
from .widgets import BLANK_LABEL, DateInput  # noqa: F401  (re-exported: the kernel UI layer)

# --- visible or 404 ---------------------------------------------------------------------------

def visible_or_404(user, model, pk, *, related=(), prefetch=(), via: str = "ui", request=None):
    """``model``'s row ``pk`` as ``user`` may see it (one scoped query with ``related`` joined
    and ``prefetch`` preloaded), else 404. Reads of confidential records are logged."""
    rt = registry.for_model(model)
    related, prefetch = tuple(related), tuple(prefetch)

    def one(qs, pk):
        if related:
            qs = qs.select_related(*related)
        if prefetch:
            qs = qs.prefetch_related(*prefetch)
        return qs.filter(pk=pk).order_by("pk")[:1]

    try:
        pk = rt.model._meta.pk.to_python(pk)
        found = access.visible_rows(user, rt.model, ("one", related, prefetch), one, pk=pk)
    except (ValueError, TypeError, ValidationError):
        found = []
    obj = found[0] if found else None
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    if rt.confidential:
        log_read(user, obj, via=via, request=request)
    return obj


# --- the refused-form handler -----------------------------------------------------------------

@dataclass
class Refusal:
    """What was refused on this request: which form (``key``), the input, and why."""

    key: str
    data: Any
    files: Any
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    status: int = 400
    shown: bool = False  # set when the page bound the refused form (its errors are in place)


def _errors_of(exc) -> tuple[dict[str, list[str]], list[str]]:
    if isinstance(exc, Conflict):
        return {}, [str(exc.message)]
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        fields, general = {}, []
        for name, errors in exc.message_dict.items():
            if name in ("__all__", "transition"):
                general += [str(e) for e in errors]
            else:
                fields[name] = [str(e) for e in errors]
        return fields, general
    if isinstance(exc, ValidationError):
        return {}, [str(m) for m in exc.messages]
    return {}, [str(exc)]


def bound_form(request, key: str, form_class, **kwargs):
    """The form ``key`` of a page: bound to the refused input with its errors when this request
    re-renders a refusal of that form, else unbound (``kwargs`` go to the form either way).
    Its element ids carry the key (``id_<key>_<field>``), so two forms of a page with a field of
    the same name never share an id (each label points at its own field)."""
    if "prefix" not in kwargs:
        kwargs.setdefault("auto_id", f"id_{key}_%s")
    refusal = getattr(request, "refusal", None)
    if refusal is None or refusal.key != key:
        return form_class(**kwargs)
    refusal.shown = True
    form = form_class(data=refusal.data, files=refusal.files, **kwargs)
    form.is_valid()  # the form's own errors (a field the service also checks is not repeated)
    for name, errors in refusal.field_errors.items():
        target = name if name in form.fields else None
        for e in errors:
            if e not in form.errors.get(target or "__all__", []):
                form.add_error(target, e)
    return form


def refused(request, obj, key: str, exc, *, page_url: str | None = None, status: int | None = None):
    """Render ``obj``'s page again for a refused form ``key`` (400, or 409 for a conflict) with the
    input kept and the errors in place. ``page_url`` (default ``obj.get_absolute_url()``) names the
    page whose view re-renders; that view builds its forms with ``bound_form``/``transition_panel``."""
    field_errors, general = _errors_of(exc)
    status = status or (409 if isinstance(exc, Conflict) else 400)
    for message in general:
        messages.error(request, message)
    if field_errors and not general:
        messages.error(request, _("请根据提示修改后重试，记录没有发生任何变化。"))
    url = page_url or obj.get_absolute_url()  # obj may be None when page_url names the page
    match = resolve(url.split("?", 1)[0])
    page_request = copy.copy(request)
    page_request.method = "GET"
    page_request.path = page_request.path_info = url.split("?", 1)[0]
    refusal = Refusal(key=key, data=request.POST, files=request.FILES, field_errors=field_errors,
                      message="；".join(general), status=status)
    page_request.refusal = refusal
    response = match.func(page_request, *match.args, **match.kwargs)
    if not refusal.shown and field_errors:
        # A page that does not show this form: the field errors go to the top instead.
        for errors in field_errors.values():
            for e in errors:
                messages.error(request, e)
        page_request.refusal = None
        response = match.func(page_request, *match.args, **match.kwargs)
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    response.status_code = status
    return response


# --- the transition panel ---------------------------------------------------------------------

class CommentMixin(forms.Form):
    comment = forms.CharField(label=gettext_lazy("意见/理由"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))


@dataclass
class Action:
    name: str
    label: str
    form: forms.Form
    url: str
    multipart: bool
    comment_required: bool
    refused: bool = False
    primary: bool = False
    collapsed: bool = False
    next_url: str = ""


def _form_class(meta) -> type[forms.Form]:
    base = meta.get("form")
    return type("TransitionForm", (base, CommentMixin) if base else (CommentMixin,), {})


def transition_key(obj, name: str) -> str:
    return f"transition:{obj._meta.label_lower}:{obj.pk}:{name}"


def transition_panel(request, obj, *, names=None, initial=None, customize=None, primary=(), collapsed=(),
                     next_url: str = "") -> list[Action]:
    """The actions ``request.user`` may fire on ``obj`` now, each with its form (what differs per
    workflow is declared here, not re-coded):

    ``names``: the available transitions if the page computed them already; ``initial``:
    {transition name: initial data}; ``customize(name, form)``: per-page tweaks (choices from the
    record's rows); ``primary``: the expected next steps (shown first, emphasised); ``collapsed``:
    undoing actions (shown last, folded); ``next_url``: where to go after success."""
    from .transitions import available_transitions

    rt = registry.for_model(obj)
    transitions = rt.transitions()
    refusal = getattr(request, "refusal", None)
    actions = []
    for name in (available_transitions(obj, request.user) if names is None else names):
        meta = transitions[name].custom
        key = transition_key(obj, name)
        form = bound_form(request, key, _form_class(meta), auto_id=f"id_{name}_{obj.pk}_%s",
                          initial=(initial or {}).get(name))
        form.order_fields([n for n in form.fields if n != "comment"] + ["comment"])  # the reason last
        required = meta.get("comment_required", True)
        form.fields["comment"].required = required
        if required:
            form.fields["comment"].widget.attrs["required"] = True
        if customize is not None:
            customize(name, form)
        actions.append(Action(
            name=name, label=str(meta.get("label", name)), form=form,
            url=reverse("record-transition", args=[rt.key, obj.pk, name]),
            multipart=form.is_multipart(), comment_required=required,
            refused=refusal is not None and refusal.key == key,
            primary=name in primary, collapsed=name in collapsed, next_url=next_url,
        ))
    if primary or collapsed:
        actions.sort(key=lambda a: (not a.primary, a.collapsed))
    return actions


def transition_refused(request, rt, pk, name, exc):
    """The kernel transition view's refusal: the record's page again with that action's form bound."""
    obj = access.visible(request.user, rt.model).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    return refused(request, obj, transition_key(obj, name), exc)


def record_refused(request, rt, pk, key: str, exc, *, status: int | None = None):
    """A refused kernel form on a record's page (the handler's take/assign/release): that page
    again, the message on top, with ``status`` (403 for a wrong role)."""
    obj = access.visible(request.user, rt.model).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    return refused(request, obj, key, exc, status=status)


# --- the record-detail frame ------------------------------------------------------------------

@dataclass
class Fact:
    """One line of a record's facts (基本情况): a label and a value. A list value is shown as tags;
    ``template`` (context: ``obj``, ``fact``) renders a value that needs markup; ``key`` names the
    line (``data-fact``) for tests and styles."""

    label: Any
    value: Any = None
    template: str = ""
    key: str = ""

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, (list, tuple, set, frozenset))


@dataclass
class Section:
    """A workflow's own part of the page (plan items, responses, hearings…): a template included
    with the page's context, under the facts and before the attachments. ``title`` and ``id`` give
    the kernel's card heading and anchor; ``card=False`` leaves the markup to the template.

    A page may keep its sections in one list of declarations: ``title`` may be a callable
    (``title(obj)``), ``show(request, obj)`` leaves the section out when false, and
    ``context(request, obj)`` gives the section's own context (merged into the page's)."""

    template: str
    title: Any = ""
    id: str = ""
    card: bool = True
    show: Callable | None = None
    context: Callable | None = None

    def resolved(self, request, obj) -> Section | None:
        """This section as ``obj``'s page shows it (``title`` called), or None when not shown."""
        if self.show is not None and not self.show(request, obj):
            return None
        return replace(self, title=self.title(obj)) if callable(self.title) else self


@dataclass
class Upload:
    """The attachments card's upload form (``record_frame(upload=...)``): posts to ``url``."""

    url: str
    form: Any
    label: Any = gettext_lazy("上传附件")
    id: str = "attachment-form"


@dataclass
class Frame:
    """What the record-detail frame shows (``supervision/ui/record.html``); see ``record_page``."""

    obj: Any
    key: str
    title: str
    number: str
    state: str
    state_label: str
    facts: list[Fact]
    sections: list[Section]
    attachments: list
    back: tuple | None
    due: bool
    handler: bool
    facts_title: Any
    state_id: str = "record-state"
    upload: Upload | None = None


def record_frame(request, obj, *, title=None, number=None, facts=(), sections=(), attachments=None,
                 back=None, handler: bool = True, facts_title=None, state_id: str = "record-state",
                 upload: Upload | None = None) -> Frame:
    """The header (number, title, state, deadline light, handler), facts, sections and attachments
    of ``obj``'s page. A workflow declares only what differs: ``facts`` (``Fact``s or
    ``(label, value)`` pairs), ``sections`` (``Section``s or template names), ``title``/``number``
    (default ``obj.title``/``str(obj)`` and ``obj.number``), ``attachments`` (default the record's
    own, part ""), ``back=(label, url)``, ``state_id`` (the state badge's id), ``upload`` (an
    ``Upload``: the attachments card's form, shown even while there are no files)."""
    from .attachments import attachments_of

    rt = registry.for_model(obj)
    state = getattr(obj, rt.state_field, "")
    display = getattr(obj, f"get_{rt.state_field}_display", None)
    return Frame(
        obj=obj, key=rt.key,
        title=str(title if title is not None else (getattr(obj, "title", "") or obj)),
        number=str(number if number is not None else (getattr(obj, "number", "") or "")),
        state=state, state_label=str(display()) if display else state,
        facts=[f if isinstance(f, Fact) else Fact(*f) for f in facts],
        sections=[s for s in ((s if isinstance(s, Section) else Section(s)).resolved(request, obj)
                              for s in sections) if s is not None],
        attachments=list(attachments_of(obj, part="") if attachments is None else attachments),
        back=back, due=bool(rt.due_field), handler=handler,
        facts_title=facts_title or gettext_lazy("基本情况"), state_id=state_id, upload=upload,
    )


def record_page(request, obj, *, template: str = "supervision/ui/record.html", panel=None, timeline=None,
                context=None, status: int = 200, **frame_kwargs):
    """Render ``obj``'s detail page on the kernel frame: ``record_frame(**frame_kwargs)``, the
    transition panel (``panel``: the ``transition_panel`` keyword arguments, or a ready list of
    actions), the timeline (default the record's history, ``supervision/ui/timeline.html``) and the
    workflow's ``context`` (after each shown section's own). ``template`` may extend
    ``supervision/ui/record.html`` and fill its blocks. A refused form on this page re-renders it
    with the input kept (``ui.refused``)."""
    from django.shortcuts import render

    from .audit.timeline import history_entries

    actions = panel if isinstance(panel, list) else transition_panel(request, obj, **(panel or {}))
    frame = record_frame(request, obj, **frame_kwargs)
    ctx = {
        "obj": obj, "frame": frame, "actions": actions, "rt_key": registry.for_model(obj).key,
        # the page's timeline (supervision/ui/timeline.html) shows no field diffs: none computed
        "timeline": history_entries(obj, request.user, changes=False) if timeline is None else timeline,
    }
    for section in frame.sections:
        if section.context is not None:
            ctx.update(section.context(request, obj))
    ctx.update(context or {})
    return render(request, template, ctx, status=status)


class RecordDetailView:
    """A class-based detail page on the frame: set ``model`` (and ``related``/``prefetch``), and
    override ``facts(obj)``, ``sections(obj)``, ``panel(obj)``, ``frame(obj)`` (other ``record_frame``
    arguments), ``timeline(obj)`` (None: the kernel's) or ``context(obj)``. ``as_view()`` gives the
    login-required view taking ``pk``."""

    model = None
    related: tuple = ()
    prefetch: tuple = ()
    template = "supervision/ui/record.html"

    def __init__(self, request):
        self.request = request

    def get_object(self, pk):
        return visible_or_404(self.request.user, self.model, pk, related=self.related, prefetch=self.prefetch,
                              request=self.request)

    def facts(self, obj):
        return ()

    def sections(self, obj):
        return ()

    def panel(self, obj):
        return {}

    def frame(self, obj):
        return {}

    def timeline(self, obj):
        return None

    def context(self, obj):
        return {}

    def render(self, obj):
        return record_page(self.request, obj, template=self.template, panel=self.panel(obj),
                           facts=self.facts(obj), sections=self.sections(obj), timeline=self.timeline(obj),
                           context=self.context(obj), **self.frame(obj))

    @classmethod
    def as_view(cls):
        from django.contrib.auth.decorators import login_required

        @login_required
        def view(request, pk):
            page = cls(request)
            return page.render(page.get_object(pk))

        view.__name__ = view.__qualname__ = cls.__name__
        return view
