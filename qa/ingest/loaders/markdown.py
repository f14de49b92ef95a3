"""Markdown: the text a reader sees, at the offsets it has in the file, under its headings.

Markup (`**`, `` ` ``, link targets, table pipes, code fences, heading marks) is
overwritten with spaces rather than removed, so the loaded text is exactly as long as the file
and every sentence offset points at the same characters of the file a user edits (a sentence's
own text leaves the markup out, see `Loaded.markup`). The heading
path above each line becomes its section (`notes.md › Install › Linux`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from qa.ingest.loaders.base import Loaded, Location
from qa.ingest.loaders.text import decode, title_of

_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+.*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# Inline markup, each with the groups to keep: an image or link keeps its text, emphasis and
# code their content, an autolink's brackets go. Emphasis is not taken inside a word (M*A*S*H).
# HTML tags are left as written: blanking them would cut sentences anew in Markdown read before
# (WikiQA's <ref> tags), and change its answers. Every repeat is bounded, so a line of
# 30,000 unclosed brackets costs a bounded scan from each, not one to the end of the line.
_INLINE = re.compile(
    r"!?\[(?P<link>[^\]\n]{0,300})\]\([^)\n]{0,1000}\)"
    r"|(?<![\w*~])(?P<em>\*\*|\*|~~)(?=\S)(?P<emtext>[^\n]{0,300}?\S)(?P=em)(?![\w*~])"
    r"|(?P<tick>`{1,3})(?P<code>[^`\n]{1,300}?)(?P=tick)"
    r"|<(?P<auto>(?:https?|mailto):[^>\s]{1,1000})>"
)


class MarkdownLoader:
    """A .md file: its text with the markup blanked, sections from its headings."""

    suffixes: tuple[str, ...] = (".md", ".markdown")

    def load(self, path: Path, data: bytes) -> Loaded:
        source = decode(data)
        text, heads, markup = blank_markdown(source)
        title = heads[0][2] if heads else title_of(source, path)
        path_now: list[tuple[int, str]] = []
        locations: dict[int, Location] = {}
        for offset, level, heading in heads:
            path_now = [(lv, h) for lv, h in path_now if lv < level] + [(level, heading)]
            locations[offset] = Location(headings=tuple(h for _, h in path_now))
        return Loaded(text, title, locations, markup)


def blank_markdown(source: str) -> tuple[str, list[tuple[int, int, str]], bytes]:
    """`source` with its markup overwritten by spaces, its headings as (offset of the heading
    line, level 1-6, heading text), and which characters were markup (Loaded.markup)."""
    out = list(source)
    marked = bytearray(len(source))
    heads: list[tuple[int, int, str]] = []

    def blank(a: int, b: int) -> None:
        for i in range(a, b):
            if out[i] not in "\r\n":
                out[i] = " "
                marked[i] = 1

    front = _FRONT_MATTER.match(source)
    if front:
        blank(0, front.end())
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    fence = ""
    previous = ""
    for i, line in enumerate(lines):
        at = starts[i]
        body = line.rstrip("\r\n")
        if front and at < front.end():
            previous = ""
            continue
        if fence:  # inside a code block: keep the code, blank the closing fence
            if body.strip().startswith(fence):
                blank(at, at + len(body))
                fence = ""
            continue
        if opened := _FENCE.match(body):
            fence = opened.group(1)[:3]
            blank(at, at + len(body))  # the fence and its language name
            previous = ""
            continue
        if heading := _atx(body):
            level, a, b = heading
            blank(at, at + a)
            blank(at + b, at + len(body))
            _inline(source, at + a, at + b, blank)
            heads.append((at, level, _clean(body[a:b])))
        elif previous and _SETEXT.match(body) and not _table_rule(previous):
            level = 1 if body.strip().startswith("=") else 2
            blank(at, at + len(body))
            top = starts[i - 1]
            heads.append((top, level, _clean(previous.strip())))
        elif _table_rule(body) or _REFERENCE.match(body):
            blank(at, at + len(body))
        else:
            _inline(source, at, at + len(body), blank)
            if "|" in body and body.strip().startswith("|"):
                for j, ch in enumerate(body):
                    if ch == "|":
                        out[at + j] = " "
                        marked[at + j] = 1
        previous = body if body.strip() else ""
    return "".join(out), heads, bytes(marked) if any(marked) else b""


def _atx(line: str) -> tuple[int, int, int] | None:
    """An ATX heading line (`## Install ##`) as (level, start, end of its words), else None.
    Parsed by hand: the obvious regex backtracks for minutes on a heading of 30,000 spaces and
    tabs."""
    text = line.lstrip(" ")
    indent = len(line) - len(text)
    level = len(text) - len(text.lstrip("#"))
    rest = text[level:]
    if indent > 3 or not 1 <= level <= 6 or (rest and rest[0] not in " \t"):
        return None
    start = indent + level + len(rest) - len(rest.lstrip(" \t"))
    words = rest.strip(" \t")
    closed = words.rstrip("#")
    if closed != words and (not closed or closed[-1] in " \t"):
        words = closed.rstrip(" \t")
    return level, start, start + len(words)


def _table_rule(line: str) -> bool:
    """A table's rule line (`|---|:--:|`). A set test, not a regex: a regex with optional
    spaces around optional pipes backtracks for ever on a long line of tabs."""
    bare = line.strip()
    return "---" in bare and not set(bare) - set("|:- \t")


def _inline(source: str, a: int, b: int, blank: Callable[[int, int], None]) -> None:
    """Blank the inline markup of source[a:b], keeping what a reader sees of it."""
    for match in _INLINE.finditer(source, a, b):
        for keep in ("link", "emtext", "code", "auto"):
            if match.group(keep) is not None:
                blank(match.start(), match.start(keep))
                blank(match.end(keep), match.end())
                if keep == "emtext":  # emphasis inside emphasis: ***both***
                    _inline(source, match.start(keep), match.end(keep), blank)
                break
        else:
            blank(match.start(), match.end())


def _clean(heading: str) -> str:
    """A heading as a reader sees it: its inline markup gone, spaces single."""
    out = list(heading)

    def blank(x: int, y: int) -> None:
        out[x:y] = " " * (y - x)

    _inline(heading, 0, len(heading), blank)
    return " ".join("".join(out).split())


__all__ = ["MarkdownLoader", "blank_markdown"]
