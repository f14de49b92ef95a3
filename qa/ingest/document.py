"""Documents and sentences: what reading a corpus produces.

A "document" is a file, a "passage" a paragraph of it (blank-line separated), and a "sentence"
the unit qa answers with. Every sentence keeps character offsets into its document's text, so
`document.text[s.start:s.end] == s.text` and any answer can be shown in context. (For a loader
that blanks markup, Markdown's, the sentence leaves the markup out: see `Loaded.markup`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qa.ingest.loaders.base import Location


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document: `text == document_text[start:end]` (less blanked markup)."""

    text: str
    source: str  # path of the document, as stored
    passage: int  # paragraph number in the document, from 0
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A file of the corpus, decoded, with its title and sentences."""

    path: str
    text: str
    title: str
    sentences: tuple[Sentence, ...]
    note: str = ""  # something the reader should know about how the file was split
    # Where stretches of `text` sit in the file (pages, sections), as its loader gave them.
    locations: Mapping[int, Location] = field(default_factory=dict)


__all__ = ["Document", "Sentence"]
