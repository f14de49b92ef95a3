"""Answers as terminal text: pure functions shared by the one-shot mode and the chat."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from qa.bot import Answer, display_path
from qa.text import WORD, safe, terms

BOLD, DIM, CYAN, YELLOW, RED, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[0m"


def use_color(stream: TextIO = sys.stdout) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _style(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and text else text


def emphasise(text: str, question: str, color: bool) -> str:
    """Bold the words of `text` that match the question's terms (by stem)."""
    wanted = set(terms(question))
    if not color or not wanted:
        return safe(text)
    out, pos = [], 0
    for match in WORD.finditer(text):
        word = match.group()
        if set(terms(word)) & wanted:
            out.append(safe(text[pos : match.start()]))
            out.append(_style(safe(word), BOLD, color))
            pos = match.end()
    out.append(safe(text[pos:]))
    return "".join(out)


def format_answer(answer: Answer, color: bool = False, context: bool = True,
                  start: int = 1) -> str:
    """The answer as a few readable lines: each sentence, then its source and location."""
    lines: list[str] = []
    if answer.understood_as and answer.understood_as != answer.question:
        lines.append(_style(f"(understood as: {safe(answer.understood_as)})", DIM, color))
    if answer.abstained:
        lines.append(answer.message)
        return "\n".join(lines)
    query = answer.understood_as or answer.question
    for number, hit in enumerate(answer.hits, start):
        body = emphasise(hit.text, query, color)
        before = " ".join(safe(t) for t in hit.before) if context else ""
        after = " ".join(safe(t) for t in hit.after) if context else ""
        if color:  # context inline and dimmed, so the answer stands out within it
            body = " ".join(p for p in (_style(before, DIM, color), body,
                                        _style(after, DIM, color)) if p)
        lines.append(f"{number}. {body}")
        where = f"{display_path(hit.source)}, paragraph {hit.passage + 1}, chars {hit.start}-{hit.end}"
        said = f"{safe(hit.speaker)} said · " if hit.speaker else ""
        lines.append("   " + _style(f"{said}{where} · score {hit.score:.2f}", CYAN, color))
        if not color:  # without dimming, context goes on its own labelled lines
            lines.extend(f"   {label}: {text}" for label, text in
                         (("before", before), ("after", after)) if text)
    return "\n".join(lines)
