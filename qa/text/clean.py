"""Text from outside made safe: questions cleaned of control characters, output escaped."""

from __future__ import annotations

import re

from qa.errors import QuestionError

MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Text with control characters and escape sequences made harmless for a terminal."""
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()) if m.group() != "\n" else "\n", text)


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


__all__ = ["MAX_QUESTION_CHARS", "clean_question", "safe"]
