"""Attachment services and selectors; scope comes from the record the file belongs to."""
from __future__ import annotations

from django.http import Http404

from . import access, registry
from .forms import validate_upload
from .models import Attachment
from .storage import read_head
from .transitions import save_with_history


def attachment_create(*, actor, target, upload, part: str = "") -> Attachment:
    validate_upload(upload)
    attachment = Attachment(record_type=target._meta.label_lower, object_id=str(target.pk), part=part,
                            name=upload.name[:255], size=upload.size, uploaded_by=actor)
    attachment.file.save(upload.name, upload, save=False)
    save_with_history(attachment, actor=actor, reason="upload")
    return attachment


def attachments_of(target, part: str | None = None):
    qs = Attachment.objects.filter(record_type=target._meta.label_lower, object_id=str(target.pk))
    if part is not None:
        qs = qs.filter(part=part)
    return qs


def attachments_for_many(objs) -> dict:
    """{obj.pk: [attachments]} for a list of records of one type, in one query."""
    objs = list(objs)
    if not objs:
        return {}
    label = objs[0]._meta.label_lower
    found: dict = {o.pk: [] for o in objs}
    by_str = {str(o.pk): o.pk for o in objs}
    for a in Attachment.objects.filter(record_type=label, object_id__in=list(by_str)):
        found[by_str[a.object_id]].append(a)
    return found


def attachment_get_visible(*, user, pk) -> Attachment:
    """The attachment, if ``user`` may see the record it belongs to; else 404."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    try:
        rt = registry.for_key(attachment.record_type)
    except LookupError:
        raise Http404 from None
    if not access.visible(user, rt.model).filter(pk=attachment.object_id).exists():
        raise Http404
    return attachment


# Types shown in the page (PDF in a frame, images in <img>); anything else is only downloaded.
PREVIEW_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "gif": "image/gif", "webp": "image/webp"}
_MAGIC = [(b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif")]


def inline_type(attachment) -> str | None:
    """The preview type the file's name promises (cheap, for the page); ``sniff_inline_type`` decides."""
    ext = attachment.name.rsplit(".", 1)[-1].lower() if "." in attachment.name else ""
    return PREVIEW_TYPES.get(ext)


def sniff_inline_type(attachment) -> str | None:
    """The type detected from the file's first bytes, if it is one we preview; else None."""
    head = read_head(attachment.file, 16)
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
