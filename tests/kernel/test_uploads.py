"""Uploads are checked by content as well as name (issue 10 item 4) and served with the detected
type, nosniff and Content-Disposition."""
import pytest
from django import forms
from django.test import Client

from supervision.attachments import attachment_create
from supervision.filetypes import detect
from supervision.forms import validate_upload
from supervision.models import Attachment
from tests import samples
from tests.kernel.factories import widget

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["报告.pdf", "整改方案.docx", "台账.xlsx", "现场照片.jpg", "照片.JPEG", "截图.png"])
def test_real_files_are_accepted(name):
    content = samples.BUILDERS[name.rsplit(".", 1)[-1].lower().replace("jpeg", "jpg")]()
    validate_upload(samples.upload(name, content))


@pytest.mark.parametrize("name,content", [
    ("evil.pdf", samples.exe()), ("evil.docx", samples.exe()), ("photo.jpg", samples.pdf()),
    ("table.xlsx", samples.docx()), ("notes.pdf", b"just some text"), ("a.png", samples.jpg()),
    ("readme.txt", samples.exe()), ("archive.zip", samples.exe()),
])
def test_content_that_does_not_match_the_name_is_refused(name, content):
    with pytest.raises(forms.ValidationError) as err:
        validate_upload(samples.upload(name, content))
    assert "内容与扩展名" in str(err.value) and err.value.code == "file_content"


def test_plain_text_and_legacy_office_are_recognised():
    assert detect("整改情况说明".encode()) == "text/plain"
    assert detect("整改情况说明".encode("gb18030")) == "text/plain"
    assert detect(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500)) == "application/x-ole-storage"
    assert detect(samples.exe()) == "application/x-msdownload"


def test_an_executable_renamed_pdf_is_refused_with_a_clear_message_on_a_page(users, townships):
    w = widget(townships["nanzhao"])
    with pytest.raises(forms.ValidationError):
        attachment_create(actor=users["inspector"], target=w, upload=samples.upload("evil.pdf", samples.exe()))
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name,served", [
    ("报告.pdf", "application/pdf"), ("照片.png", "image/png"),
    ("方案.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
def test_download_is_served_with_the_detected_type_nosniff_and_as_attachment(users, townships, name, served):
    w = widget(townships["nanzhao"])
    a = attachment_create(actor=users["inspector"], target=w,
                          upload=samples.upload(name, content_type="text/html"))  # the declared type is ignored
    assert a.file.name.rsplit("/", 1)[-1] != name and name.rsplit(".", 1)[0] not in a.file.name  # generated name
    web = Client()
    web.force_login(users["township_nanzhao"])
    r = web.get(a.get_absolute_url())
    assert r.status_code == 200
    assert r["Content-Type"] == served
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("attachment;")
    assert b"".join(r.streaming_content) == samples.BUILDERS[name.rsplit(".", 1)[-1]]()
