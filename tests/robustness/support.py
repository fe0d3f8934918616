"""What the robustness tests share: a store snapshot, and bad PDFs made in the test's tmp_path with nothing
but the standard library and pypdfium2.

reportlab, pikepdf and qpdf are not dependencies: an encrypted PDF is written by hand with the PDF
standard security handler (revision 2: RC4 with a 40-bit key), which every reader supports.
SEE: https://opensource.adobe.com/dc-acrobat-sdk-docs/pdfstandards/PDF32000_2008.pdf (7.6.3, algorithms 2-4)
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from pathlib import Path

import pypdfium2 as pdfium

# Algorithm 2's padding string (PDF 32000-1:2008, 7.6.3.3).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_PERMISSIONS = -44  # print and copy forbidden; any value works, it only enters the key


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _padded(password: bytes) -> bytes:
    return (password + _PAD)[:32]


def write_pdf(path: Path, objects: list[bytes], trailer: bytes = b"") -> Path:
    """A PDF file of the given objects (numbered from 1, the first the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def encrypted_pdf(path: Path, user_password: bytes = b"secret", owner_password: bytes = b"owner") -> Path:
    """A one-page PDF encrypted with a user password: no reader opens it without the password."""
    owner = _rc4(hashlib.md5(_padded(owner_password)).digest()[:5], _padded(user_password))
    file_id = hashlib.md5(path.name.encode()).digest()
    key = hashlib.md5(_padded(user_password) + owner + struct.pack("<i", _PERMISSIONS) + file_id).digest()[:5]
    user = _rc4(key, _PAD)
    content_number = 4
    object_key = hashlib.md5(key + content_number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
    content = _rc4(object_key, b"BT /F1 24 Tf 72 700 Td (Budget 2024 encrypted) Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), user.hex().encode(), _PERMISSIONS),
    ]
    trailer = b"/Encrypt 6 0 R /ID [<%s> <%s>]" % (file_id.hex().encode(), file_id.hex().encode())
    return write_pdf(path, objects, trailer)


def blank_pdf(path: Path, pages: int) -> Path:
    """A PDF of `pages` blank pages, written by pdfium itself."""
    pdf = pdfium.PdfDocument.new()
    try:
        for _ in range(pages):
            pdf.new_page(200, 200)
        pdf.save(path)
    finally:
        pdf.close()
    return path


def truncated_pdf(path: Path, source: Path, keep: float = 0.5) -> Path:
    """The first part of a real PDF, as an interrupted download leaves it."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def sparse_file(path: Path, size: int, head: bytes = b"%PDF-1.7\n") -> Path:
    """A file of `size` bytes that takes no disk space (a hole after `head`)."""
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def store_snapshot(root: Path) -> str:
    """Hash of every row of a store's SQLite file and of chroma's, read through fresh read-only
    connections: equal snapshots mean nothing was written."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.sqlite*")):
        if path.suffix in {".sqlite", ".sqlite3"}:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                for line in conn.iterdump():
                    digest.update(line.encode())
    return digest.hexdigest()
