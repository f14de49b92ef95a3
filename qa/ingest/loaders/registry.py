"""Which loader reads which file suffix. A new format is one module and one line in LOADERS."""

from __future__ import annotations

from pathlib import Path

from qa.ingest.loaders.base import Loader
from qa.ingest.loaders.isolated import IsolatedLoader
from qa.ingest.loaders.markdown import MarkdownLoader
from qa.ingest.loaders.text import TextLoader

_PLAIN: Loader = TextLoader()

# PDF, Word and HTML are read in a worker process with a deadline (see isolated.py): their
# parsers are large, and a hostile file must not hang or exhaust the indexer.
LOADERS: tuple[Loader, ...] = (
    _PLAIN,
    MarkdownLoader(),
    IsolatedLoader("qa.ingest.loaders.pdf", "PdfLoader", (".pdf",), "PDF"),
    IsolatedLoader("qa.ingest.loaders.docx", "DocxLoader", (".docx",), "Word"),
    IsolatedLoader("qa.ingest.loaders.html", "HtmlLoader", (".html", ".htm", ".xhtml"), "HTML"),
)

_BY_SUFFIX: dict[str, Loader] = {s: loader for loader in LOADERS for s in loader.suffixes}


def kind_of(path: Path) -> str:
    """How a user names the format of `path`: "PDF", "Word", "HTML", "Markdown" or "text"."""
    loader = loader_for(path)
    return str(getattr(loader, "kind", "Markdown" if isinstance(loader, MarkdownLoader)
                       else "text"))


def loader_for(path: Path) -> Loader:
    """The loader for `path` by its suffix; plain text for a suffix with no loader of its own.

    Which suffixes are read at all is the `extensions` setting's choice; one named there
    without a loader (".rst", ".log") is read as plain text.
    """
    return _BY_SUFFIX.get(path.suffix.lower(), _PLAIN)


__all__ = ["LOADERS", "kind_of", "loader_for"]
