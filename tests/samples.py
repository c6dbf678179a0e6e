"""Real (tiny) files of each accepted type, built in memory, for upload tests."""
import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def docx() -> bytes:
    """The same bytes on every call: each member carries a fixed time, not the clock's (a test
    compares a download with a second build, which could otherwise fall in the next 2 seconds)."""
    def member(name):
        return zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member("[Content_Types].xml"), '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr(member("word/document.xml"), '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats'
                   '.org/wordprocessingml/2006/main"><w:body/></w:document>')
    return buf.getvalue()


def xlsx() -> bytes:
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00")) + chunk(b"IEND", b""))


def jpg() -> bytes:
    return bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb0043") + bytes(64) + bytes.fromhex("ffd9")


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(47) + b"PE\x00\x00" + bytes(128)


BUILDERS = {"pdf": pdf, "docx": docx, "xlsx": xlsx, "png": png, "jpg": jpg}


def upload(name: str, content: bytes | None = None, content_type: str = "application/octet-stream"):
    """A SimpleUploadedFile named ``name``; real content of its extension's type unless given."""
    if content is None:
        content = BUILDERS[name.rsplit(".", 1)[-1].lower()]()
    return SimpleUploadedFile(name, content, content_type=content_type)
