"""Fixtures of the notices tests: the browser harness and a few notices in known states."""
import pytest

from tests.browser.conftest import _playwright, browser, live_url, new_page  # noqa: F401
from workflows.notices import services


@pytest.fixture
def make_notice(users, townships):
    """make_notice(targets=("nanzhao", "miaojie"), urgency="normal", issue=True) → Notice."""

    def make(targets=("nanzhao", "miaojie"), urgency="normal", issue=True, title="关于村级组织建设问题的督办通知"):
        notice = services.notice_create(
            actor=users["inspector"], title=title, findings="发现的问题", requirements="整改要求",
            category="party_building", urgency=urgency, target_townships=[townships[t] for t in targets])
        if issue:
            notice = services.notice_issue(actor=users["inspector"], notice=notice)
        return notice

    return make


@pytest.fixture
def assignment_of():
    def get(notice, township):
        return notice.assignments.get(township=township)

    return get
