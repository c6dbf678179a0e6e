"""After 提级办理 (issue 15 item 4) a township committee loses the case, except what it wrote:
the changes its people made and the files they uploaded before the take-up, on pages of its own."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from supervision.attachments import attachment_create
from supervision.models import ReadAccess
from workflows.cases.models import Case

from .conftest import fire
from .test_routing import MIAOJIE, NANZHAO, NANZHAO_HEAD, routed

pytestmark = pytest.mark.django_db


def _taken_up(users, townships):
    case = routed(users, townships)
    nz = users[NANZHAO]
    case = fire(case, "propose_disposition", nz, {"target": "verification"}, comment="建议初核")
    case = fire(case, "approve", users[NANZHAO_HEAD])
    ours = attachment_create(actor=nz, target=case, upload=SimpleUploadedFile("乡镇初核材料.pdf", b"%PDF-1.4 ours"))
    county_file = attachment_create(actor=users["discipline"], target=case,
                                    upload=SimpleUploadedFile("县纪委材料.pdf", b"%PDF-1.4 county"))
    case = fire(case, "take_up", users["discipline_head"], comment="案情重大，提级办理")
    after = attachment_create(actor=users["discipline"], target=case,
                              upload=SimpleUploadedFile("提级后材料.pdf", b"%PDF-1.4 after"))
    case = fire(case, "propose_extension", users["discipline"], {"days": 30}, comment="县纪委延期")
    return case, ours, county_file, after


def test_committee_reads_what_it_wrote_and_nothing_else(users, townships, web):
    case, ours, county_file, after = _taken_up(users, townships)
    client = web(users[NANZHAO])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404  # the case itself: gone

    listing = client.get(reverse("cases:handed-over")).content.decode()
    assert case.number in listing
    page = client.get(reverse("cases:handed-over-detail", args=[case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "建议初核" in text and "乡镇初核材料.pdf" in text           # its own proposal and file
    assert "县纪委延期" not in text and "县纪委材料.pdf" not in text    # the county's work is not shown
    assert "提级后材料.pdf" not in text and "案情重大" not in text
    assert "王举报" not in text                                         # the reporter stays hidden
    assert ReadAccess.objects.filter(user=users[NANZHAO], object_id=str(case.pk), via="ui").exists()

    got = client.get(reverse("cases:handed-over-file", args=[case.pk, ours.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 ours"
    for other in (county_file, after):
        assert client.get(reverse("cases:handed-over-file", args=[case.pk, other.pk])).status_code == 404
    assert client.get(reverse("attachment-download", args=[ours.pk])).status_code == 404  # not via the case


def test_the_head_of_the_committee_reads_it_too_and_no_one_else(users, townships, web):
    case, ours, _county, _after = _taken_up(users, townships)
    assert web(users[NANZHAO_HEAD]).get(reverse("cases:handed-over-detail", args=[case.pk])).status_code == 200
    other = web(users[MIAOJIE])
    assert other.get(reverse("cases:handed-over-detail", args=[case.pk])).status_code == 404
    assert other.get(reverse("cases:handed-over-file", args=[case.pk, ours.pk])).status_code == 404
    assert case.number not in other.get(reverse("cases:handed-over")).content.decode()
    # The county has the case itself; the page for committees is not its.
    assert web(users["discipline"]).get(reverse("cases:handed-over")).status_code == 404


def test_a_case_never_taken_up_is_not_on_the_list(users, townships, web):
    case = routed(users, townships)
    client = web(users[NANZHAO])
    assert client.get(reverse("cases:handed-over-detail", args=[case.pk])).status_code == 404
    assert Case.objects.filter(pk=case.pk, taken_up_at__isnull=True).exists()
    assert "已提级办理的案件" in client.get(reverse("cases:list")).content.decode()  # the link is there
