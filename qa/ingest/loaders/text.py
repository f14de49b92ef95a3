"""Plain text: bytes decoded by their byte-order mark, else as UTF-8; binary files refused."""

from __future__ import annotations

import html
import re
from pathlib import Path

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import Loaded

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or BOM-marked UTF-16/32; else SkipFile."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
            raise SkipFile("binary content, not text")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid {encoding.upper()} text (byte {exc.start})") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > 0.05 * min(len(text), 8192):
        raise SkipFile("binary content, not text")
    return text


def title_of(text: str, path: Path) -> str:
    """The document's title: a Markdown heading or short first line, else the file name.

    HTML entities are decoded (`&#163;` is shown as `£`): text scraped from the web keeps them.
    """
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            return html.unescape(line.lstrip("#").strip())
        if len(line) <= 150 and not line.endswith((".", "!", "?", ":", ",")):
            return html.unescape(line)
        break
    # A file name that is not valid UTF-8 reaches Python with lone surrogates in it, which no
    # tokenizer accepts: its undecodable bytes become U+FFFD in the title.
    stem = path.stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"[-_]+", " ", stem).strip()


class TextLoader:
    """A .txt file: its text as decoded, titled by its first short line or its file name."""

    suffixes: tuple[str, ...] = (".txt",)

    def load(self, path: Path, data: bytes) -> Loaded:
        text = decode(data)
        return Loaded(text, title_of(text, path))


__all__ = ["TextLoader", "decode", "title_of"]
