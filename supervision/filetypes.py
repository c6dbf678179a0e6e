"""What an uploaded file really is, from its content (issue 10 item 4).

``filetype`` (pure Python, no libmagic) reads the file's first bytes; OLE2 (legacy .doc/.xls) and
plain text, which it does not name, are recognised here. An upload is accepted only when what its
name declares is what its content is: an executable renamed ``evil.pdf`` is refused. Downloads are
served with the detected type (never the one the uploader declared).
"""
from __future__ import annotations

import filetype

OLE = "application/x-ole-storage"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
TEXT = "text/plain"

# Declared extension → the detected types that content may have.
ACCEPTED: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({OLE}),
    "xls": frozenset({OLE}),
    "docx": frozenset({DOCX}),
    "xlsx": frozenset({XLSX}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "png": frozenset({"image/png"}),
    "zip": frozenset({ZIP}),
    "ofd": frozenset({ZIP}),  # OFD (GB/T 33190) is a ZIP package
    "txt": frozenset({TEXT}),
}
# What a download is served as, when the detected type alone does not say it precisely.
SERVED = {("doc", OLE): "application/msword", ("xls", OLE): "application/vnd.ms-excel",
          ("ofd", ZIP): "application/ofd", ("txt", TEXT): "text/plain; charset=utf-8"}
HEAD_BYTES = 8192
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        for cut in range(4):  # the sample may end inside a multi-byte character
            try:
                (head[:-cut] if cut else head).decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def detect(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when unrecognised."""
    kind = filetype.guess(bytearray(head[:HEAD_BYTES])) if head else None
    if kind is not None:
        return kind.mime
    if head.startswith(_OLE_MAGIC):
        return OLE
    if _is_text(head[:HEAD_BYTES]):
        return TEXT
    return None


def read_head(fileobj) -> bytes:
    """The first bytes of an uploaded or stored file, leaving its position where it was."""
    pos = fileobj.tell() if hasattr(fileobj, "tell") else None
    try:
        fileobj.seek(0)
        return fileobj.read(HEAD_BYTES) or b""
    finally:
        if pos is not None:
            fileobj.seek(pos)


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""


def matches(ext: str, detected: str | None) -> bool:
    return detected is not None and detected in ACCEPTED.get(ext, frozenset())


def served_type(ext: str, detected: str | None) -> str:
    """The Content-Type a download goes out with: from the content, never from the uploader."""
    if detected is None or not matches(ext, detected):
        return "application/octet-stream"
    return SERVED.get((ext, detected), detected)
