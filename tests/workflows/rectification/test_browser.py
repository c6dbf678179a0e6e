"""The main path in a real browser: a township screens a village, organisation lists it
(leader approves), the plan is approved, progress is reported, acceptance fails at 65 and
passes at 82; the board shows it accepted."""
import pytest

from tests.browser.conftest import login, screenshot
from workflows.rectification.models import Rectification

from .conftest import township_people

pytestmark = pytest.mark.browser


def as_user(new_page, live_url, username, width=1280):
    page = new_page(width=width)
    login(page, live_url, username)
    return page


def submit_transition(page, name):
    page.click(f"form.transition-{name} button[type=submit]")
    page.wait_for_load_state("load")


def test_main_path(live_url, new_page, users, townships, people):
    village = townships["weibaoshan"].children.order_by("code")[1]  # 龙潭村
    local = township_people(townships["weibaoshan"])  # its secretary (secretary_weibaoshan), cadre, leader

    # 1. township screens the village and drafts a plan item
    t = as_user(new_page, live_url, "township_weibaoshan")
    t.click("text=整顿台账")
    t.click("a.button:has-text('排查上报')")
    t.select_option("select[name=village]", str(village.pk))
    t.check("input[name=criteria][value=secretary_incompetent]")
    t.check("input[name=criteria][value=rules_on_paper]")
    t.fill("textarea[name=problem]", "支部书记长期外出务工，组织生活不正常")
    # the township's principal secretary is prefilled; only its own people are offered
    assert t.input_value("select[name=township_secretary]") == str(local["secretary"].pk)
    assert str(people["secretary"].pk) not in t.inner_html("select[name=responsible_cadre]")
    t.select_option("select[name=responsible_cadre]", str(local["cadre"].pk))
    t.select_option("select[name=first_secretary]", str(people["first"].pk))
    screenshot(t, "rectification-screen-form")
    t.click("#screen-form button[type=submit]")
    t.wait_for_selector("#rect-state:has-text('排查上报')")
    obj = Rectification.objects.get(village=village)
    detail = f"{live_url}{obj.get_absolute_url()}"
    t.fill("#plan-item-form input[name=problem]", "书记不胜任")
    t.fill("#plan-item-form textarea[name=measure]", "选派优秀党员担任书记")
    t.fill("#plan-item-form input[name=responsible]", "罗干部")
    t.fill("#plan-item-form input[name=deadline]", "2026-12-20")
    t.click("#plan-item-form button[type=submit]")
    t.wait_for_selector("tr.plan-item:has-text('书记不胜任')")

    # 2. organisation proposes the listing, the leader approves it
    o = as_user(new_page, live_url, "organization")
    o.goto(detail)
    submit_transition(o, "propose_listing")
    o.wait_for_selector("#rect-state:has-text('拟列入名单')")
    lead = as_user(new_page, live_url, "leader")
    lead.goto(detail)
    submit_transition(lead, "approve_listing")
    lead.wait_for_selector("#rect-state:has-text('确定名单')")

    # 3. organisation approves the plan with the four ones
    o.goto(detail)
    form = "form.transition-approve_plan"
    options = o.inner_html(f"{form} select[name=county_leader]")
    assert "王县长" in options and "周审计" not in options  # county leaders only
    assert "周审计" not in o.inner_html(f"{form} select[name=first_secretary]")
    o.select_option(f"{form} select[name=county_leader]", str(people["county_leader"].pk))
    o.select_option(f"{form} select[name=township_leader]", str(local["township_leader"].pk))
    screenshot(o, "rectification-four-ones-form")
    o.select_option(f"{form} select[name=twinned_unit]", str(people["unit"].pk))
    submit_transition(o, "approve_plan")
    o.wait_for_selector("#rect-state:has-text('方案已批准')")

    # 4. township starts, reports progress, completes the measure, asks for acceptance
    t.goto(detail)
    submit_transition(t, "start")
    t.wait_for_selector("#rect-state:has-text('整顿中')")
    t.fill("#progress-form textarea[name=text]", "已召开党员大会，新任书记到岗")
    t.click("#progress-form button[type=submit]")
    t.wait_for_selector("li.progress-report:has-text('新任书记到岗')")
    t.click("tr.plan-item button.mark-done")
    t.wait_for_selector("#completion:has-text('100%')")
    submit_transition(t, "request_acceptance")
    t.wait_for_selector("#rect-state:has-text('申请验收')")

    # 5. acceptance at 65: "accept" is refused with a clear message, "fail" records it
    def acceptance(name, score, pct):
        o.goto(detail)
        f = f"form.transition-{name}"
        o.fill(f"{f} input[name=score]", str(score))
        o.fill(f"{f} input[name=dissatisfied_pct]", str(pct))
        o.fill(f"{f} input[name=inspectors]", "县委组织部验收组")
        submit_transition(o, name)

    acceptance("accept", 65, 20)
    o.wait_for_selector("text=未达到销号标准")
    screenshot(o, "rectification-accept-refused")
    assert Rectification.objects.get(pk=obj.pk).state == "acceptance_requested"
    acceptance("fail", 65, 20)
    o.wait_for_selector("#rect-state:has-text('验收未通过')")
    # the marks register: the township's secretary and the cadre barred from 优秀 this year
    o.click("nav >> text=人员标记")
    o.wait_for_selector("h1:has-text('人员标记台账')")
    names = o.locator("tr.mark-row").all_inner_texts()
    assert any(local["secretary"].name in n for n in names) and any(local["cadre"].name in n for n in names)
    screenshot(o, "marks-register")

    t.goto(detail)
    submit_transition(t, "resume")
    t.wait_for_selector("#rect-state:has-text('整顿中')")
    submit_transition(t, "request_acceptance")
    t.wait_for_selector("#rect-state:has-text('申请验收')")

    acceptance("accept", 82, 10)
    o.wait_for_selector("#rect-state:has-text('验收销号')")
    assert o.locator("tr.acceptance").count() == 2
    screenshot(o, "rectification-detail-accepted")

    # 6. the board shows it accepted; the township sees it too, on a phone
    o.goto(f"{live_url}/rectification/board/")
    row = o.locator(f"tr.board-row[data-id='{obj.pk}']")
    assert "验收销号" in row.inner_text()
    screenshot(o, "rectification-board-desktop")
    phone = as_user(new_page, live_url, "township_weibaoshan", width=375)
    phone.goto(f"{live_url}/rectification/board/")
    assert "验收销号" in phone.locator(f"tr.board-row[data-id='{obj.pk}']").inner_text()
    assert phone.locator("section.town").count() == 1
    screenshot(phone, "rectification-board-phone")
    phone.goto(detail)
    screenshot(phone, "rectification-detail-phone")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.goto(f"{live_url}/rectification/")
    assert phone.locator("tr.rect-row").count() == 1
    screenshot(phone, "rectification-register-phone")
    o.goto(f"{live_url}/rectification/")
    screenshot(o, "rectification-register-desktop")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
