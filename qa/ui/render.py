"""Text for the terminal: the one writer, and answers as pure functions shared by the one-shot
mode and the chat.

Whatever reaches the terminal goes through `terminal()`: a plain str is escaped whole by
`safe()`, so a file name, a sentence or a config value can never move the cursor or retitle the
window. Only `Terminal` text, built here from escaped parts, carries qa's own colour codes.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from qa.bot import Answer, display_path
from qa.text import WORD, safe, terms

BOLD, DIM, CYAN, YELLOW, RED, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[0m"


class Terminal(str):
    """Text ready for the terminal: outside text escaped, only qa's own styling left."""


def terminal(text: str) -> Terminal:
    """`text` as it may reach the terminal: escaped whole, unless it is Terminal text already."""
    return text if isinstance(text, Terminal) else Terminal(safe(text))


def paint(text: str, code: str, color: bool) -> Terminal:
    """`text` made safe, then styled: the only way qa's escape codes get into the output."""
    shown = terminal(text)
    return Terminal(f"{code}{shown}{RESET}") if color and shown else shown


def join_lines(*parts: str) -> Terminal:
    """Several lines as one Terminal text, each part escaped unless it is Terminal already."""
    return Terminal("\n".join(terminal(part) for part in parts))


def echo(text: str, err: bool = False) -> None:
    """Write one message to stdout (or stderr): where the `qa` command's output leaves."""
    click.echo(terminal(text), err=err)


def use_color(stream: TextIO = sys.stdout) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def emphasise(text: str, question: str, color: bool) -> Terminal:
    """Bold the words of `text` that match the question's terms (by stem)."""
    wanted = set(terms(question))
    if not color or not wanted:
        return terminal(text)
    out, pos = [], 0
    for match in WORD.finditer(text):
        word = match.group()
        if set(terms(word)) & wanted:
            out.append(safe(text[pos : match.start()]))
            out.append(paint(word, BOLD, color))
            pos = match.end()
    out.append(safe(text[pos:]))
    return Terminal("".join(out))


def format_answer(answer: Answer, color: bool = False, context: bool = True,
                  start: int = 1) -> Terminal:
    """The answer as a few readable lines: each sentence, then its source and location."""
    out: list[str] = []
    if answer.understood_as and answer.understood_as != answer.question:
        out.append(paint(f"(understood as: {answer.understood_as})", DIM, color))
    if answer.abstained:
        out.append(answer.message)
        return join_lines(*out)
    query = answer.understood_as or answer.question
    for number, hit in enumerate(answer.hits, start):
        body = emphasise(hit.text, query, color)
        before = terminal(" ".join(hit.before) if context else "")
        after = terminal(" ".join(hit.after) if context else "")
        if color:  # context inline and dimmed, so the answer stands out within it
            body = Terminal(" ".join(p for p in (paint(before, DIM, color), body,
                                                 paint(after, DIM, color)) if p))
        out.append(Terminal(f"{number}. {body}"))
        where = f"{display_path(hit.source)}, paragraph {hit.passage + 1}, chars {hit.start}-{hit.end}"
        said = f"{hit.speaker} said · " if hit.speaker else ""
        out.append(Terminal("   " + paint(f"{said}{where} · score {hit.score:.2f}", CYAN, color)))
        if not color:  # without dimming, context goes on its own labelled lines
            out.extend(Terminal(f"   {label}: {text}") for label, text in
                       (("before", before), ("after", after)) if text)
    return join_lines(*out)
