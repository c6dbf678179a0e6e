"""live.js catches up on pushes that never arrived: after a gap in the user's ``seq``, and after
a quiet period. The websocket is played by the test (Playwright's route_web_socket) so that it
can "lose" pushes; the catch-up goes to the real server's feed."""
import json

import pytest

from supervision.models import User
from supervision.notify import notify
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _fake_socket(context):
    sockets = []

    def handle(ws):
        ws.on_message(lambda message: None)  # the page's own messages go nowhere
        sockets.append(ws)

    context.route_web_socket("**/ws/notifications/", handle)
    return sockets


def _toast_ids(page):
    return sorted(int(x) for x in page.eval_on_selector_all(
        "#toasts .toast", "els => els.map(e => e.getAttribute('data-notification-id'))"))


def test_a_gap_in_seq_fetches_the_missed_notifications(live_url, new_page, county):
    page = new_page()
    sockets = _fake_socket(page.context)
    login(page, live_url, "township_nanzhao")
    sockets[0].send(json.dumps({"type": "hello", "unread": 0, "seq": 0}))
    user = User.objects.get(username="township_nanzhao")
    sent = [notify(recipients=[user], verb="t", message=f"第{i}条通知")[0] for i in (1, 2, 3)]
    assert [n.seq for n in sent] == [1, 2, 3]
    # Only the third push arrives: 1 and 2 were dropped on the way.
    sockets[0].send(json.dumps({"type": "notification", "notification": sent[2].as_payload(), "unread": 3}))
    page.wait_for_selector("body[data-last-seq='3']", state="attached")
    assert _toast_ids(page) == sorted(n.pk for n in sent)
    assert page.inner_text("#unread-badge") == "3"
    screenshot(page, "live-gap-catch-up")


@pytest.fixture
def quick_quiet(settings):
    # Set before the server process starts (it is forked with these settings).
    settings.SUPERVISION = {**settings.SUPERVISION, "NOTIFY_QUIET_SECONDS": 1}


def test_a_quiet_period_fetches_what_was_missed(quick_quiet, live_url, new_page, county):
    page = new_page()
    sockets = _fake_socket(page.context)
    login(page, live_url, "township_miaojie")
    user = User.objects.get(username="township_miaojie")
    lost = notify(recipients=[user], verb="t", message="推送丢失的通知")[0]
    # Nothing arrives over the socket; after a second of silence the page asks the feed.
    page.wait_for_selector(f"#toasts .toast[data-notification-id='{lost.pk}']")
    assert page.get_attribute("body", "data-last-seq") == str(lost.seq)
    assert sockets  # the page did open its (silent) socket
