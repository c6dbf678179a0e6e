"""The case page's sections for 留置 and the records of the work (``views.SECTIONS``), and the
page forms' POST views. Thin: recordservices does the work; a refusal re-renders the case page
with the input kept and the errors in place (``ui.refused``, 400)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from supervision import access
from supervision.forms import AttachmentField
from supervision.models import Attachment
from supervision.ui import DateInput, Section, bound_form, refused, transition_panel, visible_or_404

from . import recordservices
from .choices import OPEN_STATES
from .custody import Detention
from .forms import max_text
from .models import Case
from .workrecords import EvidenceItem, EvidenceKind, InquiryConclusion, InquiryLetter, Talk

# --- page forms ------------------------------------------------------------------------------------


class DetentionProposeForm(forms.Form):
    subject = forms.TypedChoiceField(label=gettext_lazy("被审查调查人"), coerce=int, choices=())
    grounds = forms.CharField(label=gettext_lazy("留置理由"), validators=[max_text],
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [(s.pk, s.name) for s in subjects]


class LetterForm(forms.Form):
    sent_on = forms.DateField(label=gettext_lazy("函询日期"), widget=DateInput)
    letter_text = forms.CharField(label=gettext_lazy("函询内容"), validators=[max_text],
                                  widget=forms.Textarea(attrs={"rows": 3}))
    attachment = AttachmentField(required=False)


class ReplyForm(forms.Form):
    reply_on = forms.DateField(label=gettext_lazy("回复日期"), widget=DateInput)
    reply_text = forms.CharField(label=gettext_lazy("回复内容"), validators=[max_text],
                                 widget=forms.Textarea(attrs={"rows": 3}))
    attachment = AttachmentField(required=False)


class ConclusionForm(forms.Form):
    conclusion = forms.ChoiceField(label=gettext_lazy("函询结论"), choices=InquiryConclusion.choices,
                                   widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("意见"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=gettext_lazy("予以采信即了结本线索（第一种形态）；需进一步核实即提请初步核实，由领导审批。"))


class TalkForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("谈话日期"), widget=DateInput)
    present = forms.CharField(label=gettext_lazy("参加人员"), max_length=500)
    summary = forms.CharField(label=gettext_lazy("谈话内容摘要"), validators=[max_text],
                              widget=forms.Textarea(attrs={"rows": 3}))
    attachment = AttachmentField(required=False)


class EvidenceForm(forms.Form):
    item = forms.CharField(label=gettext_lazy("证据名称"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("证据种类"), choices=EvidenceKind.choices)
    source = forms.CharField(label=gettext_lazy("证据来源"), max_length=200)
    obtained_on = forms.DateField(label=gettext_lazy("取得日期"), widget=DateInput)
    attachment = AttachmentField(required=False)


# --- sections ------------------------------------------------------------------------------------


def _may_handle(request, case) -> bool:
    return case.state in OPEN_STATES and access.can(request.user, "handle", case)


def _files(case) -> dict:
    """{attachment part: [attachments]} of the case's records (one query)."""
    found: dict = {}
    for a in Attachment.objects.filter(record_type="cases.case", object_id=str(case.pk)).exclude(part=""):
        found.setdefault(a.part, []).append(a)
    return found


def detentions_context(request, case) -> dict:
    rows = list(Detention.objects.filter(case=case).select_related("pending_by").order_by("pk"))
    subjects = {s.pk: s for s in case.subjects.all()}
    for d in rows:
        d.case = case  # the rights read the case: no query per detention
        d.subject = subjects.get(d.subject_id)
        actions = transition_panel(request, d, next_url=d.get_absolute_url())
        # A second extension is refused (400): not offered once the one extension is used.
        d.actions = [a for a in actions if not (a.name == "propose_extension" and d.extended_months)]
    form = None
    if case.state in recordservices.DETENTION_CASE_STATES and access.can(request.user, "propose", case):
        held = {d.subject_id for d in rows if d.is_open}
        free = [s for s in subjects.values() if s.pk not in held]
        if free:
            form = bound_form(request, "detention", DetentionProposeForm, prefix="detention", subjects=free,
                              auto_id="id_detention_%s")
    return {"detentions": rows, "detention_form": form}


def _show_detentions(request, case) -> bool:
    return case.is_case


def records_context(request, case) -> dict:
    """The records of the work: 函询 letters, talks, the evidence list, with their files and forms."""
    files = _files(case)
    letters = list(InquiryLetter.objects.filter(case=case).order_by("pk"))
    talks = list(Talk.objects.filter(case=case).order_by("held_on", "pk"))
    evidence = list(EvidenceItem.objects.filter(case=case).order_by("pk"))
    for r in (*letters, *talks, *evidence):
        r.files = files.get(r.attachment_part, [])
    handle = _may_handle(request, case)
    inquiry = handle and case.state == "inquiry"
    for t in talks:  # correcting a record: its own form, filled in
        t.edit_form = bound_form(request, f"talk:{t.pk}", TalkForm, prefix=f"talk{t.pk}", auto_id=f"id_talk{t.pk}_%s",
                                 initial={"held_on": t.held_on, "present": t.present, "summary": t.summary}) \
            if handle else None
    for e in evidence:
        e.edit_form = bound_form(request, f"evidence:{e.pk}", EvidenceForm, prefix=f"evidence{e.pk}",
                                 auto_id=f"id_evidence{e.pk}_%s", initial={
                                     "item": e.item, "kind": e.kind, "source": e.source,
                                     "obtained_on": e.obtained_on}) if handle else None
    for letter in letters:
        letter.reply_form = letter.conclusion_form = None
        if inquiry and not letter.conclusion:
            key = f"reply:{letter.pk}"
            letter.reply_form = bound_form(request, key, ReplyForm, prefix=f"reply{letter.pk}",
                                           auto_id=f"id_reply{letter.pk}_%s",
                                           initial={"reply_on": letter.reply_on, "reply_text": letter.reply_text})
            if letter.reply_on:
                letter.conclusion_form = bound_form(request, f"conclusion:{letter.pk}", ConclusionForm,
                                                    prefix=f"conclusion{letter.pk}",
                                                    auto_id=f"id_conclusion{letter.pk}_%s")
    return {
        "letters": letters, "talks": talks, "evidence": evidence,
        "letter_form": bound_form(request, "letter", LetterForm, prefix="letter", auto_id="id_letter_%s")
        if inquiry else None,
        "talk_form": bound_form(request, "talk", TalkForm, prefix="talk", auto_id="id_talk_%s") if handle else None,
        "evidence_form": bound_form(request, "evidence", EvidenceForm, prefix="evidence", auto_id="id_evidence_%s")
        if handle else None,
    }


SECTIONS = [
    Section("cases/_case_detentions.html", title=gettext_lazy("留置"), id="detentions", context=detentions_context,
            show=_show_detentions),
    Section("cases/_case_records.html", title=gettext_lazy("工作记录"), id="records", context=records_context),
]


# --- POST views ---------------------------------------------------------------------------------------


def _post(request, case, key: str, form, service, success: str):
    """Validate ``form``, call ``service(form.cleaned_data)``; a refusal re-renders the case page."""
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        service(form.cleaned_data)
    except ValidationError as exc:
        return refused(request, case, key, exc)
    messages.success(request, success)
    return HttpResponseRedirect(case.get_absolute_url() + "#records")


def _case(request, pk) -> Case:
    return visible_or_404(request.user, Case, pk, via="ui", request=request)


@login_required
@require_POST
def detention_propose(request, pk):
    case = _case(request, pk)
    form = DetentionProposeForm(request.POST, prefix="detention", subjects=case.subjects.all())
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        d = recordservices.detention_propose(actor=request.user, subject_id=form.cleaned_data["subject"],
                                             grounds=form.cleaned_data["grounds"])
    except ValidationError as exc:
        return refused(request, case, "detention", exc)
    messages.success(request, _("已提请留置，待领导审批。"))
    return HttpResponseRedirect(d.get_absolute_url())


@login_required
@require_POST
def letter_add(request, pk):
    case = _case(request, pk)
    form = LetterForm(request.POST, request.FILES, prefix="letter")
    return _post(request, case, "letter", form, lambda d: recordservices.inquiry_letter_add(
        actor=request.user, case_id=case.pk, **d), _("已登记函询。"))


def _letter(request, pk):
    letter = InquiryLetter.objects.filter(pk=pk).only("pk", "case_id").first()
    case = _case(request, letter.case_id if letter else 0)
    return letter, case


@login_required
@require_POST
def letter_reply(request, pk):
    letter, case = _letter(request, pk)
    form = ReplyForm(request.POST, request.FILES, prefix=f"reply{letter.pk}")
    return _post(request, case, f"reply:{letter.pk}", form, lambda d: recordservices.inquiry_letter_update(
        actor=request.user, pk=letter.pk, **d), _("已登记函询回复。"))


@login_required
@require_POST
def letter_conclude(request, pk):
    letter, case = _letter(request, pk)
    form = ConclusionForm(request.POST, prefix=f"conclusion{letter.pk}")
    return _post(request, case, f"conclusion:{letter.pk}", form, lambda d: recordservices.inquiry_letter_conclude(
        actor=request.user, pk=letter.pk, **d), _("已作出函询结论。"))


@login_required
@require_POST
def talk_add(request, pk):
    case = _case(request, pk)
    form = TalkForm(request.POST, request.FILES, prefix="talk")
    return _post(request, case, "talk", form, lambda d: recordservices.talk_add(
        actor=request.user, case_id=case.pk, **d), _("已登记谈话。"))


@login_required
@require_POST
def evidence_add(request, pk):
    case = _case(request, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    return _post(request, case, "evidence", form, lambda d: recordservices.evidence_add(
        actor=request.user, case_id=case.pk, **d), _("已登记证据。"))


@login_required
@require_POST
def talk_edit(request, pk):
    talk = Talk.objects.filter(pk=pk).only("pk", "case_id").first()
    case = _case(request, talk.case_id if talk else 0)
    form = TalkForm(request.POST, request.FILES, prefix=f"talk{talk.pk}")
    return _post(request, case, f"talk:{talk.pk}", form, lambda d: recordservices.talk_update(
        actor=request.user, pk=talk.pk, **d), _("已修改谈话记录。"))


@login_required
@require_POST
def evidence_edit(request, pk):
    ev = EvidenceItem.objects.filter(pk=pk).only("pk", "case_id").first()
    case = _case(request, ev.case_id if ev else 0)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"evidence{ev.pk}")
    return _post(request, case, f"evidence:{ev.pk}", form, lambda d: recordservices.evidence_update(
        actor=request.user, pk=ev.pk, **d), _("已修改证据。"))
