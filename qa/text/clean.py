"""Text from outside made safe: questions cleaned, output escaped.

Everything qa shows came from outside: file names, document text, titles, speakers, questions,
config values. One rule decides which of its characters may reach a terminal, a JSON stream or
an HTML page as they are: none that act rather than print. Those are shown as escapes.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

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


# --- questions --------------------------------------------------------------------------------

# Terminal escape sequences: CSI (colours, cursor moves), OSC (window titles) and short ESC ones.
_ESCAPES = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*"
                      r"(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]")


def clean_question(question: str) -> str:
    """Strip control characters and escape sequences; refuse empty or oversized questions."""
    if not isinstance(question, str):
        raise TypeError("question must be a str")
    text = _ESCAPES.sub(" ", question)  # pasted coloured text: keep the words, not "[31m"
    text = "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty - type a question, or :help for commands")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(text):,} characters long; qa reads at most "
            f"{MAX_QUESTION_CHARS:,} - ask it in fewer words"
        )
    return text


__all__ = ["MAX_QUESTION_CHARS", "clean_question", "for_html", "for_json", "safe"]
