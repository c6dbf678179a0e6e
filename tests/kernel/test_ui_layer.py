"""The kernel UI layer the four workflows share: the transition panel, the refused-form handler,
the one date input, Chinese select placeholders and one date format on pages."""
import datetime as dt
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from supervision.models import Region, Unit
from supervision.transitions import available_transitions
from supervision.ui import DateInput
from tests.kernel.factories import widget
from tests.workflows.cases.conftest import register as register_case
from tests.workflows.notices.helpers import build as build_assignment
from tests.workflows.postings import factories as postings
from tests.workflows.rectification import conftest as rectification
from tests.workflows.rectification.conftest import acceptance

make, people = rectification.make, rectification.people  # the rectification fixtures, here too

pytestmark = pytest.mark.django_db


def offered(html: str, obj) -> set[str]:
    """The transitions the page offers for ``obj``: the kernel panel's forms posting to the kernel."""
    key = obj._meta.label_lower
    pattern = rf'<form method="post" action="/records/{re.escape(key)}/{obj.pk}/transitions/(\w+)/"'
    return set(re.findall(pattern, html))


def _assert_panel(client, user, obj, url=None):
    response = client.get(url or obj.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    expected = set(available_transitions(obj, user))
    assert expected, "the test needs a record with something to do"
    assert offered(html, obj) == expected
    assert "transition-panel" in html or "actions-title" in html
    return html


# --- the panel, per workflow ------------------------------------------------------------------

def test_notices_detail_offers_exactly_the_available_transitions(users, townships, web):
    a = build_assignment("responded", users, townships)
    inspector = users["inspector"]
    html = _assert_panel(web(inspector), inspector, a, a.notice.get_absolute_url())
    assert offered(html, a.notice) == set(available_transitions(a.notice, inspector))
    township = users["township_nanzhao"]
    fresh = build_assignment("issued", users, townships)
    _assert_panel(web(township), township, fresh, fresh.notice.get_absolute_url())


def test_rectification_detail_offers_exactly_the_available_transitions(make, users, web):
    for i, (state, username) in enumerate((("screened", "organization"), ("planned", "township_nanzhao"),
                                           ("acceptance_requested", "organization"))):
        obj = make(state=state, index=i)
        _assert_panel(web(users[username]), users[username], obj)


def test_postings_detail_offers_exactly_the_available_transitions(users, web):
    village = Region.objects.filter(level=Region.Level.VILLAGE).order_by("code").first()
    unit = Unit.objects.filter(is_dispatching=True).order_by("name").first()
    posting = postings.posting(village=village, unit=unit, actor=users["organization"])
    _assert_panel(web(users["organization"]), users["organization"], posting)
    assessment = postings.assessment(posting, year=2026)
    _assert_panel(web(users["township_nanzhao"]), users["township_nanzhao"], assessment)


def test_cases_detail_offers_exactly_the_available_transitions(users, townships, web):
    case = register_case(users, townships)
    html = _assert_panel(web(users["discipline"]), users["discipline"], case)
    # A transition form with a file field is multipart; a required field is marked.
    assert 'class="req"' in html
    # The auditor reads the case but is offered nothing.
    page = web(users["auditor"]).get(case.get_absolute_url()).content.decode()
    assert offered(page, case) == set()


def test_panel_marks_required_fields_and_sets_enctype_for_files(users, townships, web):
    w = widget(townships["nanzhao"])
    html = web(users["township_nanzhao"]).get(w.get_absolute_url()).content.decode()
    assert offered(html, w) == {"submit"}
    assert "enctype" not in html.split('transitions/submit/"')[1].split(">")[0]
    from workflows.notices.models import NoticeAssignment  # respond takes a file: multipart

    a = NoticeAssignment.objects.get(pk=build_assignment("acknowledged", users, townships).pk)
    page = web(users["township_nanzhao"]).get(a.notice.get_absolute_url()).content.decode()
    respond = page.split(f'/records/notices.noticeassignment/{a.pk}/transitions/respond/"')[1].split(">")[0]
    assert 'enctype="multipart/form-data"' in respond


# --- the refused-form handler -----------------------------------------------------------------

def test_refused_acceptance_score_re_renders_the_page_with_input_kept_and_the_error_at_the_field(make, users, web):
    obj = make(state="acceptance_requested")
    url = reverse("record-transition", args=["rectification.rectification", obj.pk, "accept"])
    r = web(users["organization"]).post(url, {**acceptance(score=101, pct=12), "inspectors": "县委组织部验收二组",
                                              "comment": "验收意见", "version": obj.version})
    assert r.status_code == 400
    html = r.content.decode()
    assert "操作未完成" not in html and obj.village.name in html  # the record's own page
    assert 'id="refused-form"' in html
    form = html.split('id="refused-form"')[1].split("</form>")[0]
    assert 'value="101"' in form and "县委组织部验收二组" in form and "验收意见" in form
    score = form.split('data-field="score"')[1].split('data-field=')[0]
    assert "has-error" in form.split('data-field="score"')[0][-80:]
    assert re.search(r'<ul class="errorlist field-errors" id="id_accept_\d+_score_errors"', score)
    assert "100" in score
    obj.refresh_from_db()
    assert obj.state == "acceptance_requested"


def test_refused_conflict_is_409_on_the_record_page_with_the_message_on_top(users, townships, web):
    w = widget(townships["nanzhao"])
    r = web(users["inspector"]).post(reverse("record-transition", args=["kernelflow.widget", w.pk, "approve"]),
                                     {"comment": "同意"})
    assert r.status_code == 409
    html = r.content.decode()
    assert w.title in html
    top = html.split('class="messages"')[1].split("</ul>")[0]
    assert "当前状态" in top


def test_a_refused_comment_is_shown_next_to_the_comment_field(users, townships, web):
    case = register_case(users, townships)
    url = reverse("record-transition", args=["cases.case", case.pk, "propose_disposition"])
    r = web(users["discipline"]).post(url, {"target": "verification", "comment": ""})
    assert r.status_code == 400
    form = r.content.decode().split('id="refused-form"')[1].split("</form>")[0]
    assert "请填写意见或理由" in form.split('data-field="comment"')[1]
    assert '<option value="verification" selected>' in form


def test_a_refused_page_form_keeps_its_input(users, web):
    village = Region.objects.filter(level=Region.Level.VILLAGE).order_by("code").first()
    unit = Unit.objects.filter(is_dispatching=True).order_by("name").first()
    posting = postings.posting(village=village, unit=unit, actor=users["organization"])
    r = web(users["organization"]).post(reverse("postings:posting-funds", args=[posting.pk]),
                                        {"year": "2026", "amount": "-5", "note": "第一季度"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'value="第一季度"' in html and 'value="-5"' in html
    assert 'class="errorlist field-errors"' in html


# --- one date input, Chinese placeholders, one date format --------------------------------------

def test_every_date_field_gets_the_kernel_picker_with_the_format_shown():
    class F(forms.Form):
        day = forms.DateField()

    html = str(F()["day"])
    assert 'type="date"' in html and 'placeholder="2026-12-01"' in html and "2026-12-01" in html
    assert isinstance(F().fields["day"].widget, DateInput)
    with translation.override("zh-hans"):
        assert F(data={"day": "2026-12-01"}).is_valid()
        assert F(data={"day": "2026/12/01"}).is_valid()
        form = F(data={"day": "2026-12-01"})
        assert form.is_valid() and form.cleaned_data["day"] == dt.date(2026, 12, 1)


def test_selects_have_a_chinese_placeholder():
    from django.db import models as m

    with translation.override("zh-hans"):
        field = m.CharField(choices=[("a", "甲")], blank=True).formfield()
        assert field.choices[0] == ("", "请选择")
        model_choice = forms.ModelChoiceField(queryset=Unit.objects.all())
        assert str(model_choice.empty_label) == "请选择"
        from workflows.postings.forms import PostingForm  # built while the app registry loaded

        assert str(PostingForm().fields["person"].empty_label) == "请选择"


def test_dates_on_pages_are_shown_one_way(users, townships, web):
    from django.template import Context, Template

    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            assert Template("{{ d }}|{{ t }}").render(Context({
                "d": dt.date(2026, 12, 1), "t": dt.datetime(2026, 12, 1, 9, 30)})) == "2026-12-01|2026-12-01 09:30"

# The crawl of every page as each role (Chinese only, no server error): tests/kernel/test_ui_crawl.py.
