"""Issue 20 item 8: the reporter known only to the registrar, the handlers and the deciding heads;
recusal 回避 hides a case (and its subjects' matters) from whoever stepped aside."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from supervision.audit.search import AuditQuery, audit_search
from supervision.models import Notification, RoleAssignment, User
from tests.helpers import assert_max_queries, attempt, count_queries, reload
from workflows.cases.models import Case, CaseMember, CaseRecusal, SubjectMatter

from .conftest import advance, fire, register

pytestmark = pytest.mark.django_db

NAME, CONTACT = "王举报", "13800000000"


@pytest.fixture
def staff(users):
    """Another discipline handler with no part in the case."""
    user = User.objects.create_user("discipline2", password="x-pass-123")
    RoleAssignment.objects.create(user=user, role="discipline")
    return {**users, "discipline2": user}


def sees_reporter(user, case, web, api) -> dict:
    """Where the reporter's identity shows for ``user``: page, API, history (page and API), export, 历史审计."""
    page = web(user).get(case.get_absolute_url())
    assert page.status_code == 200
    body = api(user).get(f"/api/v1/cases/{case.pk}/").json()
    history_page = web(user).get(reverse("record-history", args=["cases.case", case.pk])).content.decode()
    history_api = str(api(user).get(f"/api/v1/cases/{case.pk}/history/").json())
    wb = load_workbook(io.BytesIO(web(user).get(reverse("cases:export")).content))
    cells = [str(c) for row in wb.active.iter_rows(values_only=True) for c in row]
    audit = str(audit_search(user=user, query=AuditQuery(record_type="cases.case")))
    found = {
        "page": NAME in page.content.decode(),
        "api": body["reporter_name"] == NAME and body["reporter_contact"] == CONTACT,
        "history_page": NAME in history_page,
        "history_api": NAME in history_api,
        "export": NAME in cells,
        "audit": NAME in audit,
    }
    if not any(found.values()):  # masked: shown as *** where it would be
        assert body["reporter_name"] == "***" and body["reporter_contact"] == "***"
        assert "***" in page.content.decode() and "***" in history_api and "***" in cells
    return found


def everywhere(found: dict) -> bool:
    assert len(set(found.values())) == 1, found  # never shown in one place and masked in another
    return next(iter(found.values()))


def test_shown_to_registrar_and_handler_masked_for_others(staff, townships, web, api):
    case = register(staff, townships)
    assert case.registered_by == staff["discipline"] == case.handler
    assert everywhere(sees_reporter(staff["discipline"], case, web, api))
    for outsider in ("discipline2", "discipline_head", "discipline_head2", "auditor"):
        assert not everywhere(sees_reporter(staff[outsider], case, web, api)), outsider


def test_team_members_and_deciding_heads_see_it(staff, townships, web, api):
    case = register(staff, townships)
    head, head2, d2 = staff["discipline_head"], staff["discipline_head2"], staff["discipline2"]
    # a head who decides on a proposal is a deciding head from then on
    fire(case, "propose_disposition", staff["discipline"], {"target": "verification"})
    assert not everywhere(sees_reporter(head, case, web, api))  # asked to approve: not yet
    fire(case, "reject_proposal", head, comment="补充材料后再议")  # deciding, either way
    assert CaseMember.objects.get(case=case, user=head).role == "head"
    assert everywhere(sees_reporter(head, case, web, api))
    assert not everywhere(sees_reporter(head2, case, web, api))
    # a head puts another handler on the team (assign right: heads only)
    assert attempt(Case, case.pk, "add_member", staff["discipline"], {"user": d2.pk, "role": "member"}) == 403
    case = fire(case, "add_member", head, {"user": d2.pk, "role": "member"}, comment="")
    assert everywhere(sees_reporter(d2, case, web, api))
    case = fire(case, "remove_member", head, {"user": d2.pk}, comment="工作调整")
    assert not everywhere(sees_reporter(d2, case, web, api))
    # an auditor cannot be put on the team; bad input is a clear 400
    status, messages = attempt(Case, case.pk, "add_member", head, {"user": staff["auditor"].pk, "role": "member"})
    assert status == "400"
    assert attempt(Case, case.pk, "add_member", head, {"user": d2.pk, "role": "boss"})[0] == "400"
    assert attempt(Case, case.pk, "add_member", head, {"user": d2.pk, "role": "head"})[0] == "400"  # not a head
    # a subject's outcome approved by the second head makes them a deciding head too
    case = advance(reload(case), staff, "reviewing")
    matter = SubjectMatter.objects.get(case=case)
    fire(matter, "propose_outcome", staff["discipline"], {"outcome": "exempted", "four_forms": "first"})
    fire(matter, "approve", head2)
    assert everywhere(sees_reporter(head2, reload(case), web, api))


def test_recused_head_sees_nothing_and_cannot_act(staff, townships, web, api, django_capture_on_commit_callbacks):
    case = advance(register(staff, townships), staff, "investigating")
    head, d = staff["discipline_head"], staff["discipline"]
    matter = SubjectMatter.objects.get(case=case)
    assert everywhere(sees_reporter(head, case, web, api))  # approved the filing
    with django_capture_on_commit_callbacks(execute=True):
        r = api(head).post(f"/api/v1/cases/{case.pk}/transitions/recuse/", {"comment": "与被反映人系亲属"},
                           format="json")
    assert r.status_code == 200 and r.json()["visible"] is False
    recusal = CaseRecusal.objects.get(case=case)
    assert (recusal.user, recusal.recorded_by, recusal.self_declared) == (head, head, True)
    assert recusal.history.count() == 1 and recusal.reason == "与被反映人系亲属"
    # 404 everywhere: page, API, history, the subject's matter, exports, timelines, 历史审计
    for url in (case.get_absolute_url(), reverse("record-history", args=["cases.case", case.pk]),
                reverse("record-history", args=["cases.subjectmatter", matter.pk])):
        assert web(head).get(url).status_code == 404, url
    for url in (f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/history/",
                f"/api/v1/case-subjects/{matter.pk}/", f"/api/v1/case-subjects/{matter.pk}/history/"):
        assert api(head).get(url).status_code == 404, url
    assert case.pk not in [c["id"] for c in api(head).get("/api/v1/cases/").json()["results"]]
    assert matter.pk not in [m["id"] for m in api(head).get("/api/v1/case-subjects/").json()["results"]]
    wb = load_workbook(io.BytesIO(web(head).get(reverse("cases:export")).content))
    assert case.number not in [c for row in wb.active.iter_rows(values_only=True) for c in row]
    assert not [r for r in audit_search(user=head, query=AuditQuery()) if r["record_type"].startswith("cases.")
                and r["object_id"] in (case.pk, matter.pk)]
    # cannot act: on the case or its subject (404, as for what one cannot see)
    fire(case, "propose_extension", d, {"days": 30})
    assert attempt(Case, case.pk, "approve", head) == 404
    assert attempt(SubjectMatter, matter.pk, "propose_transfer", head) == 404
    assert api(head).post(f"/api/v1/cases/{case.pk}/transitions/approve/", {}, format="json").status_code == 404
    assert fire(case, "approve", staff["discipline_head2"]).investigation_extensions == 1  # another head can
    # no notification reaches the recused head after the recusal
    before = Notification.objects.filter(recipient=head).count()
    with django_capture_on_commit_callbacks(execute=True):
        fire(case, "escalate", d, comment="提级")
    assert Notification.objects.filter(recipient=head).count() == before
    assert Notification.objects.filter(recipient=staff["discipline_head2"], verb="cases.escalated").exists()
    # the recusal is on the case's timeline, for those who still see it; a second one is refused
    timeline = str(api(d).get(f"/api/v1/cases/{case.pk}/history/").json())
    assert "回避" in timeline and "与被反映人系亲属" in timeline
    assert attempt(Case, case.pk, "order_recusal", staff["discipline_head2"], {"user": head.pk}) == 409


def test_recused_handler_and_ordered_recusal(staff, townships, web, api):
    case = register(staff, townships)
    d, head = staff["discipline"], staff["discipline_head"]
    assert attempt(Case, case.pk, "order_recusal", d, {"user": head.pk}) == 403  # a head decides
    assert attempt(Case, case.pk, "order_recusal", head, {"user": d.pk}, comment="")[0] == "400"  # reason
    assert attempt(Case, case.pk, "recuse", staff["auditor"]) == 403  # auditors do not act
    fire(case, "order_recusal", head, {"user": d.pk}, comment="申请人申请其回避，经研究同意")
    # the registrar and handler, recused: 404 and masked everywhere (as a type-wide answer too)
    assert web(d).get(case.get_absolute_url()).status_code == 404
    assert api(d).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert attempt(Case, case.pk, "propose_disposition", d, {"target": "inquiry"}) == 404
    assert not CaseRecusal.objects.get(case=case).self_declared
    # nor can a recused person be put back on the team
    assert attempt(Case, case.pk, "add_member", head, {"user": d.pk, "role": "handler"})[0] == "400"


def test_notifications_never_carry_the_reporter(staff, townships, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register(staff, townships)
        fire(case, "propose_disposition", staff["discipline"], {"target": "inquiry"})
        fire(case, "escalate", staff["discipline"], comment="提级")
    notes = Notification.objects.filter(record_type="cases.case")
    assert notes.filter(recipient=staff["discipline_head2"]).exists()
    assert not [n for n in notes if NAME in n.message or CONTACT in n.message]
    assert NAME not in str([n.as_payload() for n in notes])


def _cases_with_teams(staff, townships, n):
    head = staff["discipline_head"]
    for i in range(n):
        case = register(staff, townships)
        if i % 2:
            fire(case, "add_member", head, {"user": staff["discipline2"].pk, "role": "member"}, comment="")
        if i % 3 == 0:
            fire(case, "order_recusal", head, {"user": staff["discipline_head2"].pk}, comment="回避")


@pytest.mark.parametrize("who", ["discipline2", "auditor"])
def test_case_lists_mask_per_row_in_bounded_queries(staff, townships, web, api, who):
    user = staff[who]
    _cases_with_teams(staff, townships, 3)
    few = {name: count_queries(fn) for name, fn in (
        ("page", lambda: web(user).get(reverse("cases:list"))),
        ("api", lambda: api(user).get("/api/v1/cases/")),
        ("export", lambda: web(user).get(reverse("cases:export"))))}
    _cases_with_teams(staff, townships, 6)
    body = api(user).get("/api/v1/cases/").json()
    names = {c["id"]: c["reporter_name"] for c in body["results"]}
    expected = {c.pk: (NAME if who == "discipline2" and CaseMember.objects.filter(
        case=c, user=user, active=True).exists() else "***") for c in Case.objects.all()}
    assert names == expected and len(set(names.values())) == (2 if who == "discipline2" else 1)
    for name, fn in (("page", lambda: web(user).get(reverse("cases:list"))),
                     ("api", lambda: api(user).get("/api/v1/cases/")),
                     ("export", lambda: web(user).get(reverse("cases:export")))):
        with assert_max_queries(few[name], f"{name} with 9 cases (3 cases: {few[name]})"):
            fn()


def test_recused_users_list_excludes_the_case_in_bounded_queries(staff, townships, api):
    _cases_with_teams(staff, townships, 4)
    recused = staff["discipline_head2"]
    ids = {c["id"] for c in api(recused).get("/api/v1/cases/").json()["results"]}
    assert ids == set(Case.objects.exclude(recusals__user=recused).values_list("pk", flat=True))
    assert len(ids) == 2


def test_case_page_shows_the_team_and_recusals(staff, townships, web):
    case = register(staff, townships)
    head, d2 = staff["discipline_head"], staff["discipline2"]
    fire(case, "add_member", head, {"user": d2.pk, "role": "member"}, comment="")
    fire(case, "order_recusal", head, {"user": staff["discipline_head2"].pk}, comment="与被反映人同村")
    html = web(head).get(case.get_absolute_url()).content.decode()
    assert 'id="case-team"' in html and f'id="member-{d2.pk}"' in html
    assert f'id="recusal-{staff["discipline_head2"].pk}"' in html and "与被反映人同村" in html
    # the head's panel offers the team's forms, each choosing among the discipline staff
    for name in ("add_member", "remove_member", "order_recusal"):
        assert f"/transitions/{name}/" in html, name
    assert d2.display_name() in html


def test_every_record_type_of_a_case_follows_its_recusals():
    """A record type whose records belong to a case (a ``case`` foreign key) is wired with
    ``team.recusal_scope("case")``: what its case hides, it hides."""
    from supervision import registry

    owned = [rt for rt in registry.record_types() if rt.app_label == "cases"
             and any(f.name == "case" and f.many_to_one for f in rt.model._meta.get_fields())]
    assert {rt.model.__name__ for rt in owned} >= {"SubjectMatter", "Detention"}
    for rt in [registry.for_model(Case), *owned]:
        assert rt.scope_filter is not None and rt.scope_check is not None, rt.key
        recused = User(pk=10**9)
        assert "cases_caserecusal" in str(rt.scope_filter(recused, rt.model.objects.all()).query), rt.key
