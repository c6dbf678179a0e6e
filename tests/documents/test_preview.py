"""Attachments previewed in the page: a PDF or an image (detected from its bytes) is served inline to
whoever may see the record, 404 to anyone else; other files are downloaded as before."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from supervision.attachments import attachment_create
from supervision.errors import ValidationError
from supervision.models import Attachment, ReadAccess
from supervision.transitions import save_with_history
from workflows.cases.models import Case
from workflows.notices.models import Notice

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _body(response):
    return b"".join(response.streaming_content)


def test_pdf_attachment_previews_inline_in_scope_only(seed, users, web):
    seed("notices")
    notice = Notice.objects.filter(state="issued").exclude(number="").order_by("pk").first()
    town = notice.assignments.select_related("township").first().township
    outsider = next(p for p in ("nanzhao", "miaojie", "dacang", "yongjian", "qinghua")
                    if not notice.assignments.filter(township__pinyin=p).exists())
    pdf = attachment_create(actor=users["inspector"], target=notice, upload=SimpleUploadedFile("方案.pdf", PDF))
    html = SimpleUploadedFile("其实是网页.pdf", b"<html><script>alert(1)</script>")
    with pytest.raises(ValidationError):  # refused at upload since uploads are checked by content
        attachment_create(actor=users["inspector"], target=notice, upload=html)
    # One stored before that check existed: still never previewed inline.
    fake = Attachment(record_type=notice._meta.label_lower, object_id=str(notice.pk), name=html.name, size=html.size,
                      uploaded_by=users["inspector"])
    fake.file.save(html.name, html, save=False)
    save_with_history(fake, actor=users["inspector"], reason="upload")
    url = reverse("attachment-inline", args=[pdf.pk])

    for user in (users["inspector"], users[f"township_{town.pinyin}"], users["leader"]):
        response = web(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.get("X-Frame-Options") == "SAMEORIGIN"
        assert _body(response) == PDF
    for user in (users[f"township_{outsider}"], users["discipline"]):
        assert web(user).get(url).status_code == 404
        assert web(user).get(reverse("attachment-download", args=[pdf.pk])).status_code == 404
    assert web().get(url).status_code == 302

    # Content that is not what its name says is never served inline: it downloads.
    response = web(users["inspector"]).get(reverse("attachment-inline", args=[fake.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")

    # The notice page frames the PDF preview (and offers a preview for the .pdf-named file, which downloads).
    body = web(users["inspector"]).get(notice.get_absolute_url()).content.decode()
    assert f'<iframe class="preview-frame" src="{url}"' in body


def test_image_preview_and_case_file_read_log(seed, users, web):
    seed("cases")
    case = Case.objects.order_by("pk").first()
    image = attachment_create(actor=users["discipline"], target=case, upload=SimpleUploadedFile("现场.png", PNG))
    url = reverse("attachment-inline", args=[image.pk])
    response = web(users["discipline"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert ReadAccess.objects.filter(user=users["discipline"], object_id=str(case.pk), via="file").count() == 1
    assert web(users["leader"]).get(url).status_code == 404
    body = web(users["discipline"]).get(case.get_absolute_url()).content.decode()
    assert f'<img class="preview-image" src="{url}"' in body
