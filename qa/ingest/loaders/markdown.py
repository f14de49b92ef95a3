"""Markdown, read as the text it is written in.

The source is kept as it is, so sentence offsets point into the file a user edits; the splitter
already drops heading, bullet and quote markers at the start of a sentence, and the title is
the first heading (or, as for plain text, a short first line). Heading paths as `locations`
belong here when answers start citing sections.
"""

from __future__ import annotations

from pathlib import Path

from qa.ingest.loaders.base import Loaded
from qa.ingest.loaders.text import decode, title_of


class MarkdownLoader:
    """A .md file: decoded like plain text, titled by its first heading."""

    suffixes: tuple[str, ...] = (".md", ".markdown")

    def load(self, path: Path, data: bytes) -> Loaded:
        text = decode(data)
        return Loaded(text, title_of(text, path))


__all__ = ["MarkdownLoader"]
