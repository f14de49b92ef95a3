"""A corpus: which files to read (paths, suffixes, size limit) and reading one into a Document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.ingest.document import Document
from qa.ingest.files import Notify, SkipFile, list_files
from qa.ingest.loaders.registry import loader_for
from qa.ingest.split import long_stretch_note, split_document


@dataclass(frozen=True)
class Corpus:
    """What to index: files and folders, the suffixes read from folders, a per-file size limit."""

    paths: tuple[Path, ...]
    extensions: tuple[str, ...]  # lower case, with the dot: (".txt", ".md")
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Corpus:
        return cls(tuple(settings.corpus), settings.extensions, settings.max_file_bytes)

    def files(self, notify: Notify) -> list[Path]:
        """Every document to read, sorted; what is left out is told to `notify`."""
        return list_files(self.paths, self.extensions, notify)

    def read(self, path: Path) -> Document:
        """One file as a Document; SkipFile says why it cannot be used."""
        return read_document(path, self.max_bytes)


def read_document(path: Path, max_bytes: int) -> Document:
    """Read, decode and split one file; SkipFile says why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(
                f"{size / 2**20:.1f} MB is over the {max_bytes / 2**20:g} MB limit (max_file_mb)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SkipFile("file disappeared while indexing") from None
    except IsADirectoryError:
        raise SkipFile("is a folder") from None
    except OSError as exc:
        raise SkipFile(f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise SkipFile(f"over the {max_bytes / 2**20:g} MB limit (max_file_mb)")
    loaded = loader_for(path).load(path, data)
    sentences = tuple(split_document(loaded.text, str(path)))
    if not sentences:
        raise SkipFile("empty: no sentences")
    return Document(str(path), loaded.text, loaded.title, sentences,
                    long_stretch_note(loaded.text, sentences), loaded.locations)


__all__ = ["Corpus", "read_document"]
