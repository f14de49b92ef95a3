"""Embedding the documents a sync found new or changed, keeping partial work as it goes.

Every chunk's vectors are saved in the store's partial/ folder as soon as they exist, by the
model and the SHA-1 of exactly what was embedded (the sentences and the title), so an interrupted
or killed run loses one chunk at most and the next run goes on from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from qa.index.generation import PARTIAL
from qa.ingest import Document, Notify


class DocumentEncoder(Protocol):
    """Turns sentences and titles into the vectors a store holds."""

    @property
    def identity(self) -> str:
        """Names the model and its weights; a store written by another identity is rebuilt."""
        ...

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        """One unit-length float32 row per text; a progress bar on stderr when asked."""
        ...


def text_sha1(doc: Document) -> str:
    """The hash of a document's text, by which a touched but unchanged file is known."""
    return hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


class IndexInterrupted(KeyboardInterrupt):
    """Ctrl-C while embedding: the message says how much is kept for the next run."""


def embed(directory: Path, docs: list[Document], encoder: DocumentEncoder, notify: Notify,
          progress: bool) -> list[tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """Each document's sentence vectors and title vector, embedded CHUNK_SENTENCES at a time.

    Every chunk's vectors are saved in the store's partial/ folder as soon as they exist, so
    an interrupted or killed run loses one chunk at most, and the next run (which finds them
    by the document's sentences and title, and the model) goes on from there. They become part
    of a store only when a whole generation is written and published; partial/ is then
    removed, as it is by the next sync that finds nothing to embed (qa.index.sync).
    """
    saved = _Partial(directory, encoder.identity)
    out: list[tuple[NDArray[np.float32], NDArray[np.float32]] | None] = [
        saved.get(doc) for doc in docs]
    total = sum(len(doc.sentences) for doc in docs)
    done = sum(len(doc.sentences) for doc, v in zip(docs, out, strict=True) if v is not None)
    if done:
        notify(f"going on from an interrupted run: {done:,} of {total:,} sentences were "
               "embedded already")
    todo = [i for i, v in enumerate(out) if v is None]
    bar = _bar(total, len(docs), done, len(docs) - len(todo)) if progress and todo else None
    try:
        for chunk in _chunks(todo, docs):
            texts = [s.text for i in chunk for s in docs[i].sentences]
            vectors = encoder.encode(texts + [docs[i].title for i in chunk], False)
            pos = 0
            for number, i in enumerate(chunk):
                n = len(docs[i].sentences)
                made = (vectors[pos : pos + n], vectors[len(texts) + number])
                out[i] = made
                saved.put(docs[i], *made)
                pos += n
            done += len(texts)
            if bar is not None:
                bar.update(len(texts))
                bar.set_postfix_str(f"{bar.files + len(chunk):,}/{len(docs):,} files")
                bar.files += len(chunk)
    except KeyboardInterrupt:
        raise IndexInterrupted(f"stopped: {done:,} of {total:,} sentences embedded are kept - "
                               "run the same command again to go on from there") from None
    finally:
        if bar is not None:
            bar.close()
    return [v for v in out if v is not None]


# Sentences embedded between two saves of partial work: Ctrl-C or a kill loses at most this
# many. 512 is a few seconds of embedding on 2 cores; a save costs about 1 ms per document.
CHUNK_SENTENCES = 512


def _chunks(todo: list[int], docs: list[Document]) -> Iterator[list[int]]:
    """Whole documents, in order, grouped up to about CHUNK_SENTENCES sentences."""
    chunk: list[int] = []
    size = 0
    for i in todo:
        chunk.append(i)
        size += len(docs[i].sentences) + 1
        if size >= CHUNK_SENTENCES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _bar(total: int, files: int, done: int, files_done: int) -> Any:
    """A progress bar on stderr: sentences embedded, files, rate and time left."""
    from tqdm import tqdm

    bar = tqdm(total=total, initial=done, unit="sent", desc="Embedding", file=sys.stderr,
               leave=False, dynamic_ncols=True, smoothing=0.1)
    bar.files = files_done
    bar.set_postfix_str(f"{files_done:,}/{files:,} files")
    return bar


class _Partial:
    """Vectors of documents embedded by a run that has not published yet: one .npy per
    document, named by the SHA-1 of its sentences and title, in a folder per model."""

    def __init__(self, directory: Path, model: str) -> None:
        key = hashlib.sha1(model.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        self.folder = directory / PARTIAL / key

    def _file(self, doc: Document) -> Path:
        # Not by the text alone: the same text can have another title (a file's name) and,
        # split by another qa, other sentences.
        embedded = json.dumps([doc.title, *(s.text for s in doc.sentences)])
        return self.folder / f"{hashlib.sha1(embedded.encode()).hexdigest()}.npy"

    def get(self, doc: Document) -> tuple[NDArray[np.float32], NDArray[np.float32]] | None:
        """The document's vectors and title vector from an earlier run, if saved whole."""
        try:
            rows = np.load(self._file(doc), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        n = len(doc.sentences)
        if rows.ndim != 2 or rows.shape[0] != n + 1 or rows.dtype != np.float32:
            return None
        return rows[:n], rows[n]

    def put(self, doc: Document, vectors: NDArray[np.float32],
            title: NDArray[np.float32]) -> None:
        """Save one document's vectors: written aside, then renamed, so never half a file."""
        path = self._file(doc)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                np.save(f, np.vstack([vectors, title[None, :]]).astype(np.float32),
                        allow_pickle=False)
            os.replace(tmp, path)
        except OSError:  # partial work is a convenience: without it the run still completes
            tmp.unlink(missing_ok=True)


__all__ = ["CHUNK_SENTENCES", "PARTIAL", "DocumentEncoder", "IndexInterrupted", "embed",
           "text_sha1"]
