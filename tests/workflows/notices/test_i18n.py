"""The pages speak Chinese by default and English when chosen."""
from .helpers import build


def test_register_and_detail_in_english(users, townships, web):
    a = build("acknowledged", users, townships)
    page = web(users["township_nanzhao"])
    assert "督查督办台账" in page.get("/notices/").content.decode()
    page.post("/i18n/setlang/", {"language": "en", "next": "/notices/"})
    html = page.get("/notices/", headers={"accept-language": "en"}).content.decode()
    assert "Notice register" in html and "Acknowledged" in html
    html = page.get(a.get_absolute_url()).content.decode()
    assert "Submit report" in html and "Request extension" in html
