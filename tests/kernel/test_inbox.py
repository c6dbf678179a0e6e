"""我的待办 (指派给我 / 待认领) without a cut-off, ordered by urgency; 已办 from the history."""
import datetime as dt

import pytest
from django.urls import reverse

from supervision import handlers, registry
from supervision.inbox import DoneQuery, done_for, inbox_for
from supervision.models import Role, RoleAssignment, User
from supervision.transitions import run_transition, save_with_history
from tests.kernelflow.models import Widget

pytestmark = pytest.mark.django_db
D = dt.date


FIRST_DUE = D(2026, 12, 1)


def _widgets(n, township, *, start=FIRST_DUE, title="事项"):
    rows = [Widget(title=f"{title}{i}", township=township, due_date=start + dt.timedelta(days=i % 40))
            for i in range(n)]
    for w in rows:
        save_with_history(w, actor=None, reason="created")
    return rows


def test_150_claimable_items_all_listed_mine_first(users, townships, web, api):
    staff = users["township_nanzhao"]
    rows = _widgets(151, townships["nanzhao"])
    handlers.handler_take(actor=staff, model=Widget, pk=rows[-1].pk)
    inbox = inbox_for(staff)
    assert len(inbox.mine) == 1 and len(inbox.claimable) == 150
    dues = [i.due for i in inbox.claimable]
    assert dues == sorted(dues)  # most urgent first
    html = web(staff).get(reverse("home")).content.decode()
    assert html.index("指派给我") < html.index("待认领")
    assert '<span class="count">150</span>' in html and '<span class="count">1</span>' in html
    page5 = web(staff).get(reverse("home"), {"page": 5}).content.decode()
    assert "第 5 / 5 页" in page5
    body = api(staff).get("/api/v1/me/tasks/", {"part": "claimable", "page_size": 200}).json()
    assert body["count"] == 150 and body["mine_count"] == 1 and len(body["results"]) == 150
    assert body["results"][0]["deadline"]["due_date"] == "2026-12-01"
    assert api(staff).get("/api/v1/me/tasks/").json()["results"][0]["handler"]["username"] == staff.username
    assert api(staff).get("/api/v1/me/tasks/", {"part": "x"}).status_code == 400


def test_items_held_by_a_colleague_are_neither_mine_nor_claimable(users, townships):
    colleague = User.objects.create_user(username="nz2", password="x-pass-123")
    RoleAssignment.objects.create(user=colleague, role=Role.TOWNSHIP, region=townships["nanzhao"])
    (w,) = _widgets(1, townships["nanzhao"])
    handlers.handler_take(actor=colleague, model=Widget, pk=w.pk)
    inbox = inbox_for(users["township_nanzhao"])
    assert inbox.count == 0


def test_the_inbox_chips_open_the_actions_form(users, townships, web):
    (w,) = _widgets(1, townships["nanzhao"])
    html = web(users["township_nanzhao"]).get(reverse("home")).content.decode()
    assert f'href="{w.get_absolute_url()}#do-submit"' in html


@pytest.mark.parametrize("n", [5, 500])
def test_bounded_queries(n, users, townships, web, api, django_assert_max_num_queries):
    staff = users["township_nanzhao"]
    rows = _widgets(n, townships["nanzhao"])
    for w in rows[: n // 2]:
        run_transition(model=Widget, pk=w.pk, name="submit", actor=staff)
    handlers.handler_take(actor=staff, model=Widget, pk=rows[-1].pk)
    township, inspector = web(staff), web(users["inspector"])
    checks = {
        "home(township)": lambda: township.get(reverse("home")),
        "home(inspector)": lambda: inspector.get(reverse("home")),
        "done(township)": lambda: township.get(reverse("done")),
        "api tasks": lambda: api(staff).get("/api/v1/me/tasks/"),
        "api done": lambda: api(staff).get("/api/v1/me/done/"),
    }
    # A few queries, plus one per registered record type (its candidates / its history).
    limit = 10 + len(registry.record_types())
    for name, fn in checks.items():
        with django_assert_max_num_queries(limit, info=name):
            assert fn().status_code == 200


def test_done_lists_what_the_user_acted_on_and_nothing_else(users, townships, web, api):
    staff, other = users["township_nanzhao"], users["township_miaojie"]
    mine = _widgets(3, townships["nanzhao"], title="南诏")
    theirs = _widgets(2, townships["miaojie"], title="庙街")
    run_transition(model=Widget, pk=mine[0].pk, name="submit", actor=staff)
    handlers.handler_take(actor=staff, model=Widget, pk=mine[1].pk)
    run_transition(model=Widget, pk=theirs[0].pk, name="submit", actor=other)
    done = done_for(staff)
    assert {i.obj.pk for i in done} == {mine[0].pk, mine[1].pk}
    assert {i.last_operation for i in done} == {"submit", "handler_take"}
    assert {i.obj.pk for i in done_for(other)} == {theirs[0].pk}
    # Filters: state, workflow, date.
    assert {i.obj.pk for i in done_for(staff, DoneQuery(state="submitted"))} == {mine[0].pk}
    assert done_for(staff, DoneQuery(workflow="notices")) == []
    assert done_for(staff, DoneQuery(date_to=D(2000, 1, 1))) == []
    html = web(staff).get(reverse("done")).content.decode()
    assert "南诏0" in html and "南诏1" in html and "南诏2" not in html and "庙街" not in html
    assert web(staff).get(reverse("done"), {"from": "bad"}).status_code == 400
    body = api(staff).get("/api/v1/me/done/", {"state": "submitted"}).json()
    assert [r["id"] for r in body["results"]] == [mine[0].pk]
    assert body["results"][0]["last_operation"] == "submit"
    r = api(staff).get("/api/v1/me/done/", {"from": "2026-13-01"})
    assert r.status_code == 400 and "from" in r.json()
    assert api(None).get("/api/v1/me/done/").status_code in (401, 403)


def test_another_townships_done_items_never_appear_even_after_a_move(users, townships):
    user = User.objects.create_user(username="mover", password="x-pass-123")
    grant = RoleAssignment.objects.create(user=user, role=Role.TOWNSHIP, region=townships["miaojie"])
    (w,) = _widgets(1, townships["miaojie"])
    run_transition(model=Widget, pk=w.pk, name="submit", actor=User.objects.get(pk=user.pk))
    grant.region = townships["nanzhao"]
    grant.save()
    assert done_for(User.objects.get(pk=user.pk)) == []


def test_a_page_works_out_only_the_lights_it_shows(users, townships, web, monkeypatch):
    from supervision import deadlines
    from supervision.views import INBOX_PAGE_SIZE

    staff = users["township_nanzhao"]
    _widgets(INBOX_PAGE_SIZE + 15, townships["nanzhao"])
    calls = []
    light = deadlines.light
    monkeypatch.setattr(deadlines, "light", lambda *a, **k: calls.append(1) or light(*a, **k))
    html = web(staff).get(reverse("home")).content.decode()
    assert f'<span class="count">{INBOX_PAGE_SIZE + 15}</span>' in html
    assert len(calls) == INBOX_PAGE_SIZE  # not one per task
    calls.clear()
    assert "第 2 / 2 页" in web(staff).get(reverse("home"), {"page": 2}).content.decode()
    assert len(calls) == 15


# The rows as the template wrote them before ``{% inbox_rows %}`` built them in Python.
ROWS_TEMPLATE = """{% load i18n supervision %}{% for item in items %}
    <tr class="{% if item.light %}row-{{ item.light.colour }}{% endif %}{% if item.overdue %} overdue{% endif %}">
      <td><small>{{ item.workflow.label }} · {{ item.rt.model|verbose_name }}</small></td>
      <td><a href="{{ item.obj.get_absolute_url }}">{{ item.obj }}</a></td>
      <td><span class="state state-{{ item.obj.state }}">{{ item.obj.get_state_display }}</span></td>
      <td>{% deadline item.obj item.light %}</td>
      <td>{% for name in item.transitions %}<a class="tag action-chip" href="{% transition_href item.obj name %}">{% transition_label item.rt name %}</a>{% endfor %}</td>
      {% if claim %}<td><form method="post" action="{% url 'record-handler' item.rt.key item.obj.pk 'take' %}" class="inline">{% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}"><button type="submit" class="link">{% trans "由我办理" %}</button></form></td>{% endif %}
    </tr>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_rows_are_the_templates_markup(language, users, townships, web):
    import re

    from django.template import RequestContext, Template
    from django.utils import translation

    staff = users["township_nanzhao"]
    rows = _widgets(3, townships["nanzhao"], start=dt.date.today() - dt.timedelta(days=1), title="<事项>")
    run_transition(model=Widget, pk=rows[0].pk, name="submit", actor=staff)
    handlers.handler_take(actor=staff, model=Widget, pk=rows[1].pk)
    client = web(staff)
    client.cookies["django_language"] = language
    response = client.get(reverse("home"), {"page": 1})
    html = response.content.decode()
    with translation.override(language):
        for part, claim in (("mine", False), ("claimable", True)):
            items = response.context[part].object_list
            assert items
            expected = Template(ROWS_TEMPLATE).render(RequestContext(response.wsgi_request,
                                                                     {"items": items, "claim": claim}))
            section = html[html.index(f'id="inbox-{part}"'):]
            shown = section[section.index("<tbody>\n  ") + len("<tbody>\n  "):section.index("\n  </tbody>")]
            token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
            assert token.sub("", shown) == token.sub("", expected)
    assert "&lt;事项&gt;" in html
