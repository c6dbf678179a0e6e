"""Stored files (attachments, generated documents): Django's default storage, served only here.

The default storage is local disk (``MEDIA_ROOT``) or, with ``STORAGE_URL``, an S3-compatible
object store (``config.settings.base.storage_from_url``). Either way nothing is public: there is
no media URL, objects are private, and a file leaves the system only through a view that has
checked the record's scope and then calls ``stored_file_response``, which streams the object
through the worker (no redirect to the store, so no URL that outlives the check).
"""
from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404


def is_object_storage(storage=None) -> bool:
    """True when files live in an S3-compatible object store (``STORAGE_URL``)."""
    storage = storage or default_storage
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _open_object(storage, name: str):
    """(streaming body, length) of an object in an S3 store; Http404 when it is not there."""
    from botocore.exceptions import ClientError
    from storages.utils import clean_name

    key = storage._normalize_name(clean_name(name))
    try:
        obj = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
            raise Http404 from None
        raise
    return obj["Body"], obj.get("ContentLength")


def read_head(fieldfile, size: int) -> bytes:
    """The first ``size`` bytes of a stored file (a ranged GET in an object store); Http404 if gone."""
    storage = fieldfile.storage
    if is_object_storage(storage):
        from botocore.exceptions import ClientError
        from storages.utils import clean_name

        key = storage._normalize_name(clean_name(fieldfile.name))
        try:
            obj = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key,
                                                            Range=f"bytes=0-{size - 1}")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise Http404 from None
            raise
        return obj["Body"].read(size)
    try:
        with fieldfile.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise Http404 from None


def stored_file_response(fieldfile, *, filename: str, as_attachment: bool = True,
                         content_type: str | None = None) -> FileResponse:
    """Stream a stored file to a user whose right to it the caller has already checked."""
    storage = fieldfile.storage
    if is_object_storage(storage):
        body, length = _open_object(storage, fieldfile.name)
        response = FileResponse(body, as_attachment=as_attachment, filename=filename, content_type=content_type)
        if length is not None:
            response.headers["Content-Length"] = str(length)
        return response
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
