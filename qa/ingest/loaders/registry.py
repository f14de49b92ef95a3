"""Which loader reads which file suffix. A new format is one module and one line in LOADERS."""

from __future__ import annotations

from pathlib import Path

from qa.ingest.loaders.base import Loader
from qa.ingest.loaders.markdown import MarkdownLoader
from qa.ingest.loaders.text import TextLoader

_PLAIN: Loader = TextLoader()

LOADERS: tuple[Loader, ...] = (
    _PLAIN,
    MarkdownLoader(),
)

_BY_SUFFIX: dict[str, Loader] = {s: loader for loader in LOADERS for s in loader.suffixes}


def loader_for(path: Path) -> Loader:
    """The loader for `path` by its suffix; plain text for a suffix with no loader of its own.

    Which suffixes are read at all is the `extensions` setting's choice; one named there
    without a loader (".rst", ".log") is read as plain text.
    """
    return _BY_SUFFIX.get(path.suffix.lower(), _PLAIN)


__all__ = ["LOADERS", "loader_for"]
