"""Text from outside made safe: bytes decoded line by line, questions cleaned, output escaped.

Everything qa shows came from outside: file names, document text, titles, speakers, questions,
config values. One rule decides which of its characters may reach a terminal, a JSON stream or
an HTML page as they are: none that act rather than print. Those are shown as escapes.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from qa.errors import QuestionError

MAX_QUESTION_CHARS = 1000

# Characters that act rather than print: C0 controls (ESC starts every CSI and OSC sequence,
# BEL ends a title, CR and newline fake lines), DEL, C1 controls (U+009B and U+009D are CSI and
# OSC on their own), the line and paragraph separators, bidi embeddings, overrides and isolates
# (U+202A-202E, U+2066-2069: they reorder what follows on screen, "Trojan Source"), and lone
# surrogates (the undecodable bytes of a file name, which no UTF-8 stream can carry).
_ACTING = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """`text` for a terminal, on one line: every character that acts rather than prints shown as
    \\n, \\xNN or \\uNNNN, so an escape sequence arrives as harmless visible text (\\x1b[31m)."""
    return _ACTING.sub(_shown, text)


_WRAP = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


def one_line(text: str) -> str:
    """A sentence as a reader sees it: a hard-wrapped paragraph's line breaks (and the spaces
    around them) are one space, not the "\\n" a terminal would be shown (`safe`)."""
    return _WRAP.sub(" ", text)


def for_json(data: Any) -> str:
    """`data` as one line of JSON with no acting character in its bytes; json.loads gives back
    the exact text. (ensure_ascii=False alone leaves DEL, C1, bidi and U+2028 raw.)"""
    text = json.dumps(data, ensure_ascii=False)
    # Such characters can only stand inside JSON strings, where \uNNNN means the same.
    return _ACTING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def for_html(text: str) -> str:
    """`text` for an HTML page: markup escaped, acting characters shown as safe() shows them
    (a numeric reference such as &#x202e; would hand the browser the override back)."""
    return html.escape(safe(text), quote=True)


# --- decoding ---------------------------------------------------------------------------------

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a text from outside; `error` says why it could not be decoded."""

    number: int
    text: str  # with undecodable bytes shown as \xNN when `error` is set
    error: str = ""  # what is wrong and what to do; the caller names the line and its source


def decode_lines(stream: IO[bytes]) -> Iterator[Line]:
    """The lines of `stream`: UTF-8 (a BOM is allowed), or UTF-16 or UTF-32 with a BOM.

    A line with bytes that do not decode comes back with an `error`; the others are still
    read. Lines end at LF, CRLF or a lone CR. UTF-8 is read a line at a time, so a pipe is answered as it flows.
    """
    first = stream.readline()
    for bom, encoding in _BOMS:
        if first.startswith(bom):
            break
    else:
        bom, encoding = b"", "utf-8"
    raw_lines: Iterable[bytes]
    if encoding != "utf-8":  # wide units: a 0x0A byte may be half a character, so read it all
        raw_lines = _split_wide(first[len(bom):] + stream.read(), encoding)
    else:
        raw_lines = _chain(first[len(bom):], stream)
    number = 1
    for raw in raw_lines:
        line = _decode_line(number, raw, encoding)
        # a lone CR ends a line too (old Mac files, some terminals), as universal newlines read
        for text in ([line.text] if line.error else line.text.split("\r")):
            yield Line(number, text, line.error)
            number += 1


def _chain(first: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from stream


def _split_wide(data: bytes, encoding: str) -> list[bytes]:
    newline, width = "\n".encode(encoding), len("\n".encode(encoding))
    lines, start, at = [], 0, data.find(newline)
    while at >= 0:
        if (at - start) % width == 0:
            lines.append(data[start:at + width])
            start = at + width
            at = data.find(newline, start)
        else:  # the match straddles two characters
            at = data.find(newline, at + 1)
    if start < len(data):
        lines.append(data[start:])
    return lines


def _decode_line(number: int, raw: bytes, encoding: str) -> Line:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        column = len(raw[:exc.start].decode(encoding, errors="replace")) + 1
        bad = " ".join(f"0x{b:02x}" for b in raw[exc.start:exc.end])
        bad = f"bytes {bad}" if exc.end - exc.start > 1 else f"byte {bad}"
        name = encoding.upper().replace("-LE", "").replace("-BE", "")
        return Line(number, raw.decode(encoding, errors="backslashreplace").rstrip("\r\n"),
                    f"not valid {name} ({bad} at column {column}) - qa reads UTF-8, "
                    "or UTF-16 with a byte-order mark")
    return Line(number, text.rstrip("\r\n"))


# --- questions --------------------------------------------------------------------------------

# Terminal escape sequences: CSI (colours, cursor moves), OSC (window titles) and short ESC ones.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*"
                      r"(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]")


def clean_question(question: str) -> str:
    """Strip control characters and escape sequences; refuse empty or oversized questions."""
    if not isinstance(question, str):  # None from an empty form field, bytes from a socket
        kind = "None" if question is None else type(question).__name__
        fix = ("decode it to a str first" if isinstance(question, (bytes, bytearray))
               else "pass the question as a str")
        raise QuestionError(f"a question is text, got {kind} - {fix}")
    # A command-line argument that is not UTF-8 arrives with lone surrogates, which no
    # tokenizer takes: its undecodable bytes become U+FFFD.
    text = question.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = _ESCAPES.sub(" ", text)  # pasted coloured text: keep the words, not "[31m"
    text = "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty - give a question in words")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(text):,} characters long; qa reads at most "
            f"{MAX_QUESTION_CHARS:,} - ask it in fewer words"
        )
    return text


__all__ = ["MAX_QUESTION_CHARS", "Line", "clean_question", "decode_lines", "for_html", "for_json",
           "one_line", "safe"]
