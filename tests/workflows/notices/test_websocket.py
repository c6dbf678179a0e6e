"""Live delivery: the township's socket gets "issued" without a reload, the inspector's gets
"responded"; nothing is pushed before the transition commits, and the other township hears nothing."""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from config.asgi import application
from workflows.notices import services

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _connect(user_cookie):
    comm = WebsocketCommunicator(application, "/ws/notifications/",
                                 headers=[(b"origin", b"http://testserver"), (b"cookie", user_cookie.encode())])
    connected, _code = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    return comm


def test_issued_reaches_the_township_and_responded_the_inspector(users, townships):
    nanzhao, miaojie, inspector = users["township_nanzhao"], users["township_miaojie"], users["inspector"]
    cookies = {u.username: _cookie(u) for u in (nanzhao, miaojie, inspector)}

    async def scenario():
        township_ws = await _connect(cookies["township_nanzhao"])
        other_ws = await _connect(cookies["township_miaojie"])
        inspector_ws = await _connect(cookies["inspector"])

        def draft_and_issue_in_one_transaction():
            with transaction.atomic():
                notice = services.notice_create(
                    actor=inspector, title="关于村务公开的督办通知", findings="f", requirements="r",
                    category="party_building", urgency="normal", target_townships=[townships["nanzhao"]])
                services.notice_issue(actor=inspector, notice=notice)
                return notice.pk

        notice_pk = await database_sync_to_async(draft_and_issue_in_one_transaction)()
        msg = await township_ws.receive_json_from(timeout=5)
        assert msg["type"] == "notification" and msg["notification"]["verb"] == "notices.issued"
        assert "关于村务公开的督办通知" in msg["notification"]["message"] and msg["unread"] == 1
        assert await other_ws.receive_nothing(timeout=0.3)
        assert await inspector_ws.receive_nothing(timeout=0.3)  # not told about their own action

        def acknowledge_and_respond():
            from workflows.notices.models import NoticeAssignment

            a = NoticeAssignment.objects.get(notice_id=notice_pk)
            services.assignment_acknowledge(actor=nanzhao, assignment=a)
            with transaction.atomic():
                services.assignment_respond(actor=nanzhao, assignment=a, text="已整改")
                time.sleep(0.3)  # still inside the transaction: the response must not be pushed yet
                queued = [m.get("text", "") for m in list(inspector_ws.output_queue._queue)]
                assert not any("notices.respond" in text for text in queued), queued

        def before_commit_nothing():
            from workflows.notices.models import NoticeAssignment

            a = NoticeAssignment.objects.get(notice_id=notice_pk)
            with transaction.atomic():
                services.assignment_return(actor=inspector, assignment=a, comment="补充材料")
                raise_rollback()

        await database_sync_to_async(acknowledge_and_respond)()
        verbs = [(await inspector_ws.receive_json_from(timeout=5))["notification"]["verb"] for _ in range(2)]
        assert verbs == ["notices.acknowledge", "notices.respond"]
        assert await other_ws.receive_nothing(timeout=0.3)

        try:
            await database_sync_to_async(before_commit_nothing)()
        except RollbackForTest:
            pass
        assert await township_ws.receive_nothing(timeout=0.5)  # rolled back: never pushed
        for ws in (township_ws, other_ws, inspector_ws):
            await ws.disconnect()

    _run(scenario)


def _run(scenario):
    """Run the async scenario on its own loop in a worker thread: Playwright's sync API (the
    browser tests, session-scoped) keeps an event loop in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()


class RollbackForTest(Exception):
    pass


def raise_rollback():
    raise RollbackForTest
