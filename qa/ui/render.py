"""Text for the terminal: the one writer, and answers as pure functions shared by the one-shot
mode and the chat.

Whatever reaches the terminal goes through `terminal()`: a plain str is escaped whole by
`safe()`, so a file name, a sentence or a config value can never move the cursor or retitle the
window. Only `Terminal` text, built here from escaped parts, carries qa's own colour codes.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass
from typing import TextIO

import click

from qa.bot import Answer
from qa.rank import Hit
from qa.text import WORD, normal, safe, terms

BOLD, DIM, CYAN, YELLOW, RED, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[0m"
UNDERLINE = "\x1b[4m"


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


_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # qa's own codes: the only escapes Terminal text holds
# What a wrapped line's further lines are indented under: an answer's number ("12. ") or the
# first column of a table of two or more spaces (":k N    show N sentences", in :help).
_HANGING = re.compile(r"\d+\. |\S+(?: \S+)*  +(?=\S)")


def columns_of(text: str) -> int:
    """How many terminal columns `text` takes: style codes none, wide (CJK) characters two,
    combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF"
               else 1 for c in _STYLE.sub("", text))


def wrap(text: str, width: int) -> Terminal:
    """Terminal text fitted to a terminal `width` columns wide: each line broken between words
    (the terminal would cut words in two), its further lines indented under its text."""
    out = []
    for line in terminal(text).split("\n"):
        if columns_of(line) <= width:
            out.append(line)
            continue
        plain = _STYLE.sub("", line)
        lead = len(plain) - len(plain.lstrip(" "))
        marker = _HANGING.match(plain, lead)
        hang = lead + (columns_of(marker.group()) if marker else 0)
        if hang > width // 2:  # a first column too wide to indent under
            hang = min(lead, width // 4)
        rows, row, used = [], line[:lead], lead
        for word in line[lead:].split(" "):
            size = columns_of(word)
            if used > hang and used + 1 + size > width:  # a word too long stays whole
                rows.append(row)
                row, used = " " * hang + word, hang + size
            else:
                gap = " " if used > (lead if not rows else hang) else ""
                row, used = row + gap + word, used + len(gap) + size
        rows.append(row)
        out.extend(rows)
    return Terminal("\n".join(out))


def columns() -> int:
    """The terminal's width ($COLUMNS first, as shells set it), read anew for each reply since
    the window may have been resized."""
    return shutil.get_terminal_size().columns


def use_color(stream: TextIO = sys.stdout) -> bool:
    """Colour only on a terminal that shows it (not TERM=dumb), and never when NO_COLOR is set."""
    return ("NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
            and hasattr(stream, "isatty") and stream.isatty())


def emphasise(text: str, question: str, color: bool, code: str = BOLD) -> Terminal:
    """Style (bold) the words of `text` that match the question's terms (by stem)."""
    wanted = set(terms(question))
    if not color or not wanted:
        return terminal(text)
    out, pos = [], 0
    for match in WORD.finditer(text):
        word = match.group()
        if set(terms(word)) & wanted:
            out.append(safe(text[pos : match.start()]))
            out.append(Terminal(f"{code}{safe(word)}{RESET}{BOLD if code != BOLD else ''}"))
            pos = match.end()
    out.append(safe(text[pos:]))
    return Terminal("".join(out))


LOW_CONFIDENCE = "Not sure — the closest I found:"


@dataclass
class _Block:
    """Hits whose sentences neighbour each other in one document, shown as one passage."""

    hits: list[Hit]
    rows: dict[int, str]  # row -> sentence text, answers and context alike

    @property
    def last(self) -> int:
        """The row of its last answer."""
        return max(h.row for h in self.hits)


def _window(hit: Hit) -> dict[int, str]:
    if hit.row < 0:  # a hit not from a store: its own block
        return {}
    rows = {hit.row - len(hit.before) + i: text for i, text in enumerate(hit.before)}
    rows[hit.row] = hit.text
    rows.update({hit.row + 1 + i: text for i, text in enumerate(hit.after)})
    return rows


def blocks(hits: tuple[Hit, ...]) -> list[_Block]:
    """Hits grouped so that no sentence shows twice and each passage opens with its best hit:
    a hit that goes on from an earlier block's answers (the next sentence, or one shown as its
    context after them) joins them; one shown as context before the block's best hit stays
    context there ("who did Vucic thank?" opens with his thanks, not the sentence before it);
    any other starts a block, without the context rows an earlier block shows, and a sentence
    another file's block shows (a copy of a document) is not shown again. Blocks keep the best
    hit's order."""
    out: list[_Block] = []
    printed: dict[str, str] = {}  # each sentence shown (normal()) -> the file it came from
    for hit in hits:
        window = _window(hit)
        if not window:
            out.append(_Block([hit], {}))
            continue
        same = [b for b in out if b.rows and b.hits[0].source == hit.source]
        block = next((b for b in same if hit.row in b.rows or hit.row == b.last + 1), None)
        shown = {r for b in same if b is not block for r in b.rows}

        def elsewhere(text: str, source: str = hit.source) -> bool:
            """Shown from another file (a copy of a document, a quote reported twice)."""
            return printed.get(normal(text), source) != source

        if block is None and elsewhere(hit.text):
            continue  # shown already, from the other file
        if block is None:
            added = {r: t for r, t in window.items()
                     if r == hit.row or (r not in shown and not elsewhere(t))}
            out.append(_Block([hit], added))
        elif hit.row > block.hits[0].row:
            block.hits.append(hit)
            added = {r: t for r, t in window.items() if r >= hit.row and r not in shown}
            block.rows.update(added)
        else:  # before the block's best, where its context shows it already
            continue
        for text in added.values():
            printed.setdefault(normal(text), hit.source)
    return out


def citation(hit: Hit, paragraphs: list[int] | None = None,
             pages: list[int] | None = None) -> str:
    """Where a sentence is, as people cite it: `report.pdf, page 12`, `notes.md › Install ›
    Linux`, or `seeds/a.txt, paragraph 3` for a format with neither; a passage of several
    sentences (their `paragraphs` and `pages`) as `pages 12-13` or `paragraphs 3-4`."""
    where = hit.source
    if hit.page is not None:
        numbers = sorted(set(pages or [hit.page]))
        where += (f", page {numbers[0]}" if len(numbers) == 1
                  else f", pages {numbers[0]}-{numbers[-1]}")
    if hit.section:
        where += " › " + " › ".join(hit.section)
    if hit.page is None and not hit.section:
        numbers = sorted(set(paragraphs or [hit.passage + 1]))
        if len(numbers) == 1:
            where += f", paragraph {numbers[0]}"
        else:
            where += f", paragraphs {numbers[0]}-{numbers[-1]}"
    return where


def format_answer(answer: Answer, color: bool = False, context: bool = True,
                  start: int = 1, scores: bool = False) -> Terminal:
    """The answer as a few readable lines: each passage once, its answer sentences emphasised
    (the rest dimmed, or labelled before/after without colour), then where it is.

    Neighbouring hits are merged into one passage, so no sentence is printed twice. A "low"
    confidence answer is headed as a guess and its sentences are not bold (in normal weight,
    between dimmed context). Scores only when asked.
    """
    out: list[str] = []
    if answer.understood_as and answer.understood_as != answer.question:
        out.append(paint(f"(understood as: {answer.understood_as})", DIM, color))
    if answer.message:  # why it declined, or a note: "Putin is not named in the 1 document ..."
        out.append(answer.message)
    if answer.abstained:
        return join_lines(*out)
    unsure = answer.confidence == "low"
    if unsure:
        out.append(LOW_CONFIDENCE)
    query = answer.understood_as or answer.question
    for number, block in enumerate(blocks(answer.hits), start):
        answers = {h.row: h for h in block.hits if h.row >= 0}
        if not answers:  # a hit without a row: its sentence and its own context
            hit = block.hits[0]
            body = _strong(hit.text, query, color and not unsure)
            before, after = list(hit.before), list(hit.after)
        else:
            lo, hi = min(answers), max(answers)
            # Without colour, answers with context between them are marked as Markdown marks
            # bold; answers in a row need no mark, their context being labelled before/after.
            marked = not color and any(r not in answers for r in block.rows if lo < r < hi)
            parts = []
            for row in range(lo, hi + 1):
                text = block.rows.get(row)
                if text is None:
                    continue
                if row in answers:
                    shown = _strong(text, query, color and not unsure)
                    parts.append(Terminal(f"**{shown}**") if marked else shown)
                else:
                    parts.append(paint(text, DIM, color))
            body = Terminal(" ".join(parts))
            before = [block.rows[r] for r in sorted(block.rows) if r < lo]
            after = [block.rows[r] for r in sorted(block.rows) if r > hi]
        if not context:
            before, after = [], []
        if color:  # context inline and dimmed, so the answer stands out within it
            body = Terminal(" ".join(p for p in (paint(" ".join(before), DIM, color), body,
                                                 paint(" ".join(after), DIM, color)) if p))
        out.append(Terminal(f"{number}. {body}"))
        best = block.hits[0]
        said = f"{best.speaker} said · " if best.speaker else ""
        scored = f" · score {best.score:.2f}" if scores else ""
        where = citation(best, [h.passage + 1 for h in block.hits],
                         [h.page for h in block.hits if h.page is not None])
        out.append(Terminal("   " + paint(f"{said}{where}{scored}", CYAN, color)))
        if not color:  # without dimming, context goes on its own labelled lines
            out.extend(Terminal(f"   {label}: {terminal(' '.join(text))}") for label, text in
                       (("before", before), ("after", after)) if text)
    return join_lines(*out)


def _strong(text: str, question: str, color: bool) -> Terminal:
    """An answer sentence: bold, its words that match the question underlined as well."""
    if not color:
        return terminal(text)
    return Terminal(f"{BOLD}{emphasise(text, question, color, UNDERLINE)}{RESET}")
