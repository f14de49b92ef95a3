"""A corpus: which files to read (paths, suffixes, size limit) and reading one into a Document."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings, cache_dir
from qa.ingest.document import Document
from qa.ingest.extracted import ExtractionCache
from qa.ingest.files import Notify, SkipFile, file_digest, list_files, read_bytes
from qa.ingest.loaders.isolated import IsolatedLoader
from qa.ingest.loaders.registry import kind_of, loader_for
from qa.ingest.split import long_stretch_note, split_document


@dataclass(frozen=True)
class Corpus:
    """What to index: files and folders, the suffixes read from folders, a per-file size limit,
    and whether links inside the folders may lead out of them."""

    paths: tuple[Path, ...]
    extensions: tuple[str, ...]  # lower case, with the dot: (".txt", ".md")
    max_bytes: int
    follow_links: bool = False
    # Where PDF, Word and HTML extraction results are kept by content hash; None keeps none.
    cache: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Corpus:
        return cls(tuple(settings.corpus), settings.extensions, settings.max_file_bytes,
                   settings.follow_links, cache_dir() / "extracted")

    def files(self, notify: Notify) -> list[Path]:
        """Every document to read, sorted; what is left out is told to `notify`."""
        return list_files(self.paths, self.extensions, notify, self.follow_links)

    def read(self, path: Path) -> Document:
        """One file as a Document; SkipFile says why it cannot be used."""
        return read_document(path, self.max_bytes, self.follow_links, self.cache)

    def digest(self, path: Path) -> str:
        """SHA-1 of a listed file's bytes, "" when it cannot be read."""
        return file_digest(path, self.follow_links)


def read_document(path: Path, max_bytes: int, follow_links: bool = True,
                  cache: Path | None = None) -> Document:
    """Read, decode and split one file; SkipFile says why it cannot be used. Formats read in
    the worker process are looked up in, and added to, the extraction cache in `cache`."""
    data = read_bytes(path, max_bytes, follow_links)
    if not data:  # a PDF or Word file of 0 bytes is empty, not damaged
        raise SkipFile("is empty (0 bytes)")
    loader = loader_for(path)
    if isinstance(loader, IsolatedLoader) and cache is not None:
        kept = ExtractionCache(cache)
        loaded = kept.get(data, loader.cls)
        if loaded is None:
            loaded = loader.load(path, data)
            kept.put(data, loader.cls, loaded)
    else:
        loaded = loader.load(path, data)
    sentences = tuple(split_document(loaded.text, str(path), loaded.markup))
    if not sentences:
        raise SkipFile("empty: no sentences")
    return Document(str(path), loaded.text, loaded.title, sentences,
                    long_stretch_note(loaded.text, sentences), loaded.locations)


def summary(read: Iterable[str], skipped: Iterable[str]) -> str:
    """One line on what indexing read and skipped, by kind: "read 3 PDF, 2 text; skipped 1
    PDF"."""
    def counts(paths: Iterable[str]) -> str:
        found = Counter(kind_of(Path(p)) for p in paths)
        return ", ".join(f"{n:,} {kind}" for kind, n in sorted(found.items()))

    line = f"read {counts(read) or 'no files'}"
    left_out = counts(skipped)
    return f"{line}; skipped {left_out}" if left_out else line


__all__ = ["Corpus", "read_document", "summary"]
