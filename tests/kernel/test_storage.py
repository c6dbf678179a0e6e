"""Files in an S3-compatible object store (moto's server): private, served only by the scoped view."""
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.settings.base import storage_from_url
from supervision.attachments import attachment_create
from supervision.storage import is_object_storage
from tests.kernel.factories import widget
from tests.objectstore import s3_client

CONTENT = "南诏镇整改报告：已完成。\n".encode()


def test_storage_url_parsing():
    assert storage_from_url(None) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    conf = storage_from_url("s3://county-files/weishan?endpoint_url=http://127.0.0.1:9000&region_name=cn-north-1")
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    opts = conf["OPTIONS"]
    assert opts["bucket_name"] == "county-files" and opts["location"] == "weishan"
    assert opts["endpoint_url"] == "http://127.0.0.1:9000" and opts["region_name"] == "cn-north-1"
    assert opts["default_acl"] is None and opts["querystring_auth"] is True and opts["querystring_expire"] <= 60
    assert opts["file_overwrite"] is False
    for bad in ("http://bucket/x", "s3:///nobucket", "s3://b?acl=public-read"):
        with pytest.raises(ValueError):
            storage_from_url(bad)


@pytest.mark.django_db
def test_attachment_in_object_storage_is_served_only_through_the_scoped_view(object_storage, users, townships, web,
                                                                             settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert is_object_storage(default_storage)
    record = widget(townships["nanzhao"])
    att = attachment_create(actor=users["township_nanzhao"], target=record,
                            upload=SimpleUploadedFile("整改报告.txt", CONTENT, content_type="text/plain"))

    # The bytes are in the bucket, under a random key that does not carry the file's name; not on disk.
    key = f"media/{att.file.name}"
    obj = s3_client(object_storage).get_object(Bucket=object_storage["bucket"], Key=key)
    assert obj["Body"].read() == CONTENT
    assert "整改报告" not in att.file.name and not any(tmp_path.rglob("*"))

    url = reverse("attachment-download", args=[att.pk])
    in_scope = web(users["township_nanzhao"]).get(url)
    assert in_scope.status_code == 200
    assert b"".join(in_scope.streaming_content) == CONTENT
    assert in_scope["Content-Length"] == str(len(CONTENT))
    assert "attachment" in in_scope["Content-Disposition"]

    assert web(users["township_miaojie"]).get(url).status_code == 404  # other township: not even 403
    assert web(users["discipline"]).get(url).status_code == 404        # role without the workflow
    anonymous = web().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    # Guessing the key gets nothing: the store refuses unsigned requests, the site has no media URL.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{object_storage['endpoint']}/{object_storage['bucket']}/{key}", timeout=5)
    assert refused.value.code == 403
    client = web(users["township_nanzhao"])
    for guess in (f"/media/{att.file.name}", f"/{key}", f"/files/{att.file.name}"):
        assert client.get(guess).status_code == 404

    # The admin offers the scoped view, never the store's own URL.
    from supervision.models import User

    admin_page = web(User.objects.create_superuser("files_admin", password="x")).get(
        f"/admin/supervision/attachment/{att.pk}/change/")
    assert admin_page.status_code == 200 and f'href="{url}"' in admin_page.text
    assert object_storage["endpoint"] not in admin_page.text and "X-Amz-Signature" not in admin_page.text

    # What storage.url() would hand out is signed and expires within a minute.
    signed = parse_qs(urlsplit(default_storage.url(att.file.name)).query)
    assert int(signed["X-Amz-Expires"][0]) <= 60 and "X-Amz-Signature" in signed


@pytest.mark.django_db
def test_missing_object_is_404_not_500(object_storage, users, townships, web):
    record = widget(townships["nanzhao"])
    att = attachment_create(actor=users["township_nanzhao"], target=record,
                            upload=SimpleUploadedFile("a.txt", CONTENT, content_type="text/plain"))
    default_storage.delete(att.file.name)
    assert web(users["township_nanzhao"]).get(reverse("attachment-download", args=[att.pk])).status_code == 404


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_inline_preview_from_object_storage(object_storage, users, townships, web):
    record = widget(townships["nanzhao"])
    att = attachment_create(actor=users["township_nanzhao"], target=record,
                            upload=SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"))
    url = reverse("attachment-inline", args=[att.pk])
    page = web(users["township_nanzhao"]).get(url)
    assert page.status_code == 200 and page["Content-Type"] == "application/pdf"
    assert b"".join(page.streaming_content) == PDF and "inline" in page["Content-Disposition"]
    assert web(users["township_miaojie"]).get(url).status_code == 404
    default_storage.delete(att.file.name)
    assert web(users["township_nanzhao"]).get(url).status_code == 404
