"""The loader seam: how one kind of file becomes text for the splitter.

A loader turns a file's bytes into `Loaded`: the text the sentences are cut from, a title, and
optionally where stretches of the text sit in the file. Offsets are what tie a sentence to its
source, so a loader that drops or rewrites characters (a PDF's layout, HTML tags) decides once
what the text is, and every sentence offset points into that text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from qa.ingest.files import SkipFile


@dataclass(frozen=True, slots=True)
class Location:
    """Where a stretch of loaded text sits in its file, beyond character offsets."""

    page: int | None = None  # a paged format's page number, from 1
    headings: tuple[str, ...] = ()  # the section path, outermost heading first


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file as text, ready to split into passages and sentences."""

    text: str
    title: str
    # Offset into `text` -> the location of the text from there up to the next key. A PDF
    # loader maps each page's first offset to Location(page=n); a Markdown loader could map
    # each section's first offset to its heading path. Empty when the format has no such places.
    locations: Mapping[int, Location] = field(default_factory=dict)
    # Where markup was overwritten by spaces to keep offsets those of the file (Markdown): one
    # byte per character of `text`, 1 for markup. A sentence's text leaves those characters
    # out, so it is not `text[start:end]` verbatim. Empty for a loader that blanks nothing.
    markup: bytes = b""


class Loader(Protocol):
    """Reads one kind of file. Register an implementation in `qa.ingest.loaders.registry`."""

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The lower-case file suffixes it reads, with their dot: (".md", ".markdown")."""
        ...

    def load(self, path: Path, data: bytes) -> Loaded:
        """The text of the file at `path`, whose bytes are `data`.

        Raises SkipFile (from qa.ingest.files) with a one-line reason when the file cannot be
        read as this format; the file is then left out with a notice, never an error.
        """
        ...


FOOTNOTES = -1  # a block's level in `sectioned`: a footnote, cited under the section "Footnotes"


def sectioned(blocks: list[tuple[int, str]], title: str, path: Path, empty: str) -> Loaded:
    """Blocks of a structured file - (heading level, text), level 0 for body text, FOOTNOTES
    for a footnote - joined by blank lines, each heading opening the section path of what
    follows it; titled `title`, else the first heading, else the file's name. A file with no
    text at all is skipped as `empty`."""
    text = ""
    locations: dict[int, Location] = {}
    trail: list[tuple[int, str]] = []
    for level, block in blocks:
        if text:
            text += "\n\n"
        if level == FOOTNOTES:
            if trail != [(0, "Footnotes")]:
                trail = [(0, "Footnotes")]
                locations[len(text)] = Location(headings=("Footnotes",))
        elif level:
            trail = [(lv, h) for lv, h in trail if lv < level] + [(level, block)]
            locations[len(text)] = Location(headings=tuple(h for _, h in trail))
            title = title or block
        text += block
    if not text.strip():
        raise SkipFile(empty)
    return Loaded(text, title or re.sub(r"[-_]+", " ", path.stem), locations)


__all__ = ["FOOTNOTES", "Loaded", "Loader", "Location", "sectioned"]
