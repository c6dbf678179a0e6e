"""The raw values the history formatter used to show (issue 13 item 1, the crawl's former KNOWN):
each named at its source — verbose names, choices, or the labels an app registers with
``supervision.audit.diff.register_labels`` — on the record's timeline."""
import pytest
from django.utils import translation

from supervision.audit.diff import HistoryFormatter
from supervision.audit.timeline import history_entries
from tests.helpers import fire
from tests.workflows.cases.conftest import advance, register
from tests.workflows.rectification import conftest as rectification
from workflows.cases.models import AccountabilityMatter
from workflows.notices.models import NoticeAssignment

make, people = rectification.make, rectification.people  # the rectification fixtures, here too

pytestmark = pytest.mark.django_db


def _changes(entries, transition):
    entry = next(e for e in entries if e["transition"] == transition and e["part"] is None)
    return {c["label"]: c for c in entry["changes"]}


def test_rectification_creation_is_labelled_and_its_criteria_and_provisional_flag_read_as_words(make, users):
    obj = make(state="screened")
    entries = history_entries(obj, users["organization"])
    created = entries[0]
    assert created["transition"] == "screen" and created["transition_label"] == "排查上报"
    values = {c["label"]: c["new"] for c in created["changes"]}
    assert values["软弱涣散情形"] == "书记不胜任、组织生活和制度流于形式"
    field = obj._meta.get_field("due_provisional")
    assert str(field.verbose_name) == "期限待确认（节假日未公布）"
    with translation.override("en"):
        assert history_entries(obj, users["organization"])[0]["transition_label"] == "Screening report"


def test_cases_time_limit_kind_and_proposal_items_read_as_words(users, townships):
    case = advance(register(users, townships), users, "verification")
    case = fire(case, "propose_extension", users["discipline"], comment="需补充核实")
    entries = history_entries(case, users["auditor"])
    assert _changes(entries, "approve")["期限类型"]["new"] == "初步核实期限"
    assert _changes(entries, "propose_extension")["提议内容"]["new"] == "延长月数（初步核实）：1"


def test_a_subjects_proposal_reads_as_labelled_items_and_its_time_limit_by_name(users, townships):
    from tests.workflows.cases.conftest import SANCTION

    case = advance(register(users, townships), users, "reviewing")
    matter = fire(case.matters.get(), "propose_outcome", users["discipline"], SANCTION)
    matter = fire(matter, "approve", users["discipline_head"])
    entries = history_entries(matter, users["auditor"])
    proposal = _changes(entries, "propose_outcome")["提议内容"]["new"]
    assert proposal == "处理结果：给予处分；党纪处分：警告；政务处分：警告；“四种形态”：第二种形态（轻处分、组织调整）"
    approved = _changes(entries, "approve")
    assert approved["期限类型"]["new"] == "宣布执行期限" and approved["提议内容"]["old"] == proposal
    with translation.override("en"):
        entry = next(e for e in history_entries(matter, users["auditor"]) if e["transition"] == "approve")
        assert {c["field"]: c["new"] for c in entry["changes"]}["due_kind"] == "Announcement limit"


def test_a_re_examination_proposal_names_its_conclusion(users):
    from workflows.cases.models import SubjectMatter

    fmt = HistoryFormatter(users["auditor"])
    field = SubjectMatter._meta.get_field("pending_data")
    text = fmt.value(field, {"outcome": "revoked", "party_sanction": "", "admin_sanction": ""})
    assert text == "复查结论：撤销处分"


def test_an_accountability_matters_source_record_type_reads_as_the_record_types_label(users):
    from supervision import registry
    from workflows.postings.models import Recall

    fmt = HistoryFormatter(users["auditor"])
    field = AccountabilityMatter._meta.get_field("source_type")
    assert fmt.value(field, "postings.recall") == str(registry.for_model(Recall).label)
    assert fmt.value(field, "no.such") == "no.such"


def test_a_notice_assignments_state_before_an_extension_reads_as_the_state(users):
    from workflows.notices.choices import AssignmentState

    field = NoticeAssignment._meta.get_field("state_before_extension")
    assert str(field.verbose_name) == "申请延期前状态"
    text = HistoryFormatter(users["auditor"]).value(field, AssignmentState.ACKNOWLEDGED.value)
    assert text == str(AssignmentState.ACKNOWLEDGED.label)


def test_the_audit_search_finds_a_registered_operation_by_its_code_and_by_its_label(make, users):
    from supervision.audit.search import AuditQuery, audit_search

    obj = make(state="screened")
    auditor = users["auditor"]

    def found(action):
        return sorted((r["record_type"], r["history_id"]) for r in audit_search(user=auditor,
                                                                               query=AuditQuery(action=action)))

    by_code = found("screen")
    assert by_code and by_code == found("排查上报")
    assert ("rectification.rectification", obj.history.order_by("history_id").first().history_id) in by_code


def test_an_accountability_decision_proposal_names_each_target_and_its_measure(users):
    from supervision.models import Unit
    from workflows.cases.services import accountability_open

    matter, _ = accountability_open(actor=users["discipline"], reason="问责事由",
                                    target_unit=Unit.objects.get(name="县农业农村局"))
    target = matter.targets.get()
    fmt = HistoryFormatter(users["auditor"])
    field = AccountabilityMatter._meta.get_field("pending_data")
    assert fmt.value(field, {"measures": {str(target.pk): "circular"}}) == f"拟问责方式：{target}：通报"
    assert fmt.value(field, {"measures": {str(target.pk): "none"}}) == f"拟问责方式：{target}：不予问责"
