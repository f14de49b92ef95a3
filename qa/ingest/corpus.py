"""A corpus: which files to read (paths, suffixes, size limit) and reading one into a Document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.ingest.document import Document
from qa.ingest.files import Notify, SkipFile, file_digest, list_files, read_bytes
from qa.ingest.loaders.registry import loader_for
from qa.ingest.split import long_stretch_note, split_document


@dataclass(frozen=True)
class Corpus:
    """What to index: files and folders, the suffixes read from folders, a per-file size limit,
    and whether links inside the folders may lead out of them."""

    paths: tuple[Path, ...]
    extensions: tuple[str, ...]  # lower case, with the dot: (".txt", ".md")
    max_bytes: int
    follow_links: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Corpus:
        return cls(tuple(settings.corpus), settings.extensions, settings.max_file_bytes,
                   settings.follow_links)

    def files(self, notify: Notify) -> list[Path]:
        """Every document to read, sorted; what is left out is told to `notify`."""
        return list_files(self.paths, self.extensions, notify, self.follow_links)

    def read(self, path: Path) -> Document:
        """One file as a Document; SkipFile says why it cannot be used."""
        return read_document(path, self.max_bytes, self.follow_links)

    def digest(self, path: Path) -> str:
        """SHA-1 of a listed file's bytes, "" when it cannot be read."""
        return file_digest(path, self.follow_links)


def read_document(path: Path, max_bytes: int, follow_links: bool = True) -> Document:
    """Read, decode and split one file; SkipFile says why it cannot be used."""
    data = read_bytes(path, max_bytes, follow_links)
    loaded = loader_for(path).load(path, data)
    sentences = tuple(split_document(loaded.text, str(path)))
    if not sentences:
        raise SkipFile("empty: no sentences")
    return Document(str(path), loaded.text, loaded.title, sentences,
                    long_stretch_note(loaded.text, sentences), loaded.locations)


__all__ = ["Corpus", "read_document"]
