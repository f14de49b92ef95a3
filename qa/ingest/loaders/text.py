"""Plain text: bytes decoded by their byte-order mark, else as UTF-8, else by detection (an old
cp1252 or Latin-1 file); binary files refused."""

from __future__ import annotations

import html
import re
from pathlib import Path

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import Loaded

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), BOM-marked UTF-16/32, or a detected legacy
    encoding (cp1252, Latin-1, ...); SkipFile for binary or undecodable bytes."""
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
        if encoding != "utf-8":
            raise SkipFile(f"not valid {encoding.upper()} text (byte {exc.start})") from None
        text = _legacy(data, exc.start)
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > 0.05 * min(len(text), 8192):
        raise SkipFile("binary content, not text")
    return text


# What charset-normalizer may name for a text that is not UTF-8 and that we trust; a Western
# text it names otherwise (cp1250, mac_roman on a short file) is read as cp1252, the encoding
# Windows wrote such files in, of which Latin-1 is all but a subset.
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_15", "cp1250", "mac_roman", "cp850"})


def _legacy(data: bytes, bad: int) -> str:
    """Text in an encoding other than UTF-8, found by charset-normalizer (imported only here:
    most corpora never need it); SkipFile when nothing decodes it as text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    guesses = [best.encoding] if best is not None and best.encoding not in _WESTERN else []
    for encoding in (*guesses, "cp1252", "latin_1"):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding == "latin_1" and any(0x80 <= ord(ch) < 0xA0 for ch in text):
            break  # C1 controls: not a Latin-1 text either
        return text
    raise SkipFile(f"not valid UTF-8 text (byte {bad}) and no other encoding fits")


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
