"""The interface language is chosen per request and never leaks into the next one."""
from django.conf import settings
from django.utils import translation


def test_english_request_does_not_leave_english_active(users, web):
    c = web(users["discipline"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("zh-hans"):
        page = c.get("/")
        assert page.status_code == 200
        assert page.headers["Content-Language"] == "en"
        assert "Sign out" in page.content.decode() or "My tasks" in page.content.decode()
        assert translation.get_language() == "zh-hans"


def test_default_is_chinese_whatever_the_previous_request_chose(users, web):
    english = web(users["discipline"])
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.get("/")
    chinese = web(users["discipline"]).get("/")
    assert chinese.headers["Content-Language"] == settings.LANGUAGE_CODE
    assert "我的待办" in chinese.content.decode()
