import pytest

from .factories import fire, reload


@pytest.mark.django_db
def test_posting_visible_and_completable(make_posting, users, api):
    p = make_posting()
    assert api(users["township_nanzhao"]).get(f"/api/v1/postings/{p.pk}/").status_code == 200
    assert api(users["township_miaojie"]).get(f"/api/v1/postings/{p.pk}/").status_code == 404
    fire(p, "complete", users["organization"])
    assert reload(p).state == "completed"
