"""Township isolation: 南诏镇 never sees, counts, exports, searches, is notified about or can
act on 庙街镇's assignment — in pages, the API, the task list, notifications and the export."""
from io import BytesIO

from openpyxl import load_workbook

from supervision.models import Notification

from .helpers import issue


def test_township_sees_only_its_own(users, townships, api, web, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shared = issue(users, townships, targets=("nanzhao", "miaojie"), title="两镇共同的督办通知")
        only_b = issue(users, townships, targets=("miaojie",), title="仅庙街镇的秘密通知")
    a_nanzhao = shared.assignments.get(township=townships["nanzhao"])
    a_miaojie = shared.assignments.get(township=townships["miaojie"])
    b_only = only_b.assignments.get()
    user = users["township_nanzhao"]
    client, page = api(user), web(user)

    # API
    body = client.get("/api/v1/notice-assignments/").json()
    assert body["count"] == 1 and body["results"][0]["id"] == a_nanzhao.pk
    assert client.get(f"/api/v1/notice-assignments/{a_miaojie.pk}/").status_code == 404
    assert client.get(f"/api/v1/notice-assignments/?township={townships['miaojie'].pk}").json()["count"] == 0
    notices = client.get("/api/v1/notices/").json()
    assert notices["count"] == 1
    assert [a["township_name"] for a in notices["results"][0]["assignments"]] == ["南诏镇"]
    assert notices["results"][0]["target_townships"] == [townships["nanzhao"].pk]
    assert client.get(f"/api/v1/notices/{only_b.pk}/").status_code == 404
    r = client.post(f"/api/v1/notice-assignments/{a_miaojie.pk}/transitions/acknowledge/", {}, format="json")
    assert r.status_code == 404

    # pages: the register, the notice page (only its own assignment), the other's page, search
    register = page.get("/notices/").content.decode()
    assert "两镇共同的督办通知" in register and "仅庙街镇的秘密通知" not in register
    assert 'id="register-count">1<' in register
    assert "庙街镇" not in register.split("<tbody>")[1]
    detail = page.get(shared.get_absolute_url()).content.decode()
    assert f'id="assignment-{a_nanzhao.pk}"' in detail and f'id="assignment-{a_miaojie.pk}"' not in detail
    assert 'data-township="庙街镇"' not in detail
    assert page.get(a_miaojie.get_absolute_url()).status_code == 404
    assert page.get(only_b.get_absolute_url()).status_code == 404
    assert page.get(f"/records/notices.noticeassignment/{a_miaojie.pk}/history/").status_code == 404
    assert "仅庙街镇" not in page.get("/notices/?q=秘密").content.decode()
    assert page.get(f"/notices/?township={townships['miaojie'].pk}").status_code == 200
    assert 'id="register-count">0<' in page.get(f"/notices/?township={townships['miaojie'].pk}").content.decode()

    # the notice's history (shared record) names no other township
    history_page = page.get(f"/records/notices.notice/{shared.pk}/history/").content.decode()
    assert "庙街镇" not in history_page
    assert "庙街镇" not in str(client.get(f"/api/v1/notices/{shared.pk}/history/").json())
    assert "庙街镇" not in str(client.get(f"/api/v1/notices/{shared.pk}/").json())

    # 我的待办
    home = page.get("/").content.decode()
    assert a_nanzhao.get_absolute_url() in home
    assert a_miaojie.get_absolute_url() not in home and b_only.get_absolute_url() not in home

    # notifications
    mine = Notification.objects.filter(recipient=user)
    assert list(mine.values_list("object_id", flat=True)) == [str(a_nanzhao.pk)]

    # export
    response = page.get("/notices/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][5] == "南诏镇" and "仅庙街镇" not in str(rows)

    # the county sees both
    inspector = web(users["inspector"])
    assert 'id="register-count">3<' in inspector.get("/notices/").content.decode()
    book = load_workbook(BytesIO(inspector.get("/notices/export.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 4


def test_attachments_follow_the_assignment_scope(users, townships, web, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from supervision.attachments import attachments_of
    from workflows.notices import services

    notice = issue(users, townships, targets=("nanzhao", "miaojie"))
    a = notice.assignments.get(township=townships["nanzhao"])
    services.assignment_acknowledge(actor=users["township_nanzhao"], assignment=a)
    services.assignment_respond(actor=users["township_nanzhao"], assignment=a, text="已整改",
                                attachment=SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report"))
    file = attachments_of(a).get()
    assert file.part.startswith("response:")
    url = file.get_absolute_url()
    assert web(users["township_nanzhao"]).get(url).status_code == 200
    assert web(users["inspector"]).get(url).status_code == 200
    assert web(users["township_miaojie"]).get(url).status_code == 404
    assert web(users["discipline"]).get(url).status_code == 404
    assert not url.startswith("/media") and "/files/" in url
    page = web(users["township_nanzhao"]).get(a.get_absolute_url()).content.decode()
    assert "整改报告.pdf" in page and url in page


def test_filters(users, townships, web, api):
    import datetime as dt

    from supervision.sweep import fire_system_transition

    n1 = issue(users, townships, targets=("nanzhao", "miaojie"), urgency="urgent", title="紧急通知")
    issue(users, townships, targets=("dacang",), urgency="difficult", title="复杂通知")
    fire_system_transition(n1.assignments.get(township=townships["miaojie"]), "mark_overdue", comment="逾期")
    page = web(users["inspector"])

    def count(query):
        html = page.get("/notices/?" + query).content.decode()
        return int(html.split('id="register-count">')[1].split("<")[0])

    assert count("") == 3
    assert count(f"township={townships['dacang'].pk}") == 1
    assert count("state=overdue") == 1
    assert count("overdue=on") == 1
    assert count("urgency=urgent") == 2
    today = dt.date.today()
    assert count(f"issued_from={today + dt.timedelta(days=2)}") == 0
    assert count("q=复杂") == 1
    client = api(users["inspector"])
    assert client.get("/api/v1/notice-assignments/?state=overdue").json()["count"] == 1
    assert client.get(f"/api/v1/notice-assignments/?township={townships['nanzhao'].pk}").json()["count"] == 1
    assert client.get(f"/api/v1/notices/?township={townships['dacang'].pk}").json()["count"] == 1
    assert client.get("/api/v1/notices/?state=issued").json()["count"] == 2
    export = page.get("/notices/export.xlsx?state=overdue")
    from openpyxl import load_workbook as load

    assert len(list(load(BytesIO(export.content)).active.iter_rows(values_only=True))) == 2
