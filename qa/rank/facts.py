"""StoreFacts: what ranking knows of every row of one store, worked out once and kept.

Headings, thin rows, the lead prior, speakers, title words, every sentence's cosine with its
document title and, row by row as questions need them, which answer kinds a sentence holds.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from qa.index import Store
from qa.knowledge import Analysis, for_store
from qa.rank.intent import answer_values, holds_kind
from qa.rank.weights import THIN_TERMS
from qa.text import normal, terms
from qa.vectors import gather

TITLE_COSINES = "title-cosines.f32"  # every sentence's cosine with its title, big stores
_BLOCK = 16_384  # rows read at a time when computing the title cosines


class StoreFacts:
    """Per-row facts of one store.

    Args:
        store: the store.
        big: whether the store is scored through candidates: its vectors are then read in
            blocks rather than mapped, and its title cosines kept in its generation.
    """

    def __init__(self, store: Store, big: bool) -> None:
        self.store = store
        self.big = big
        self._kinds: dict[str, NDArray[np.int8]] = {}  # per kind: 1, 0, or -1 not yet known
        self._values: dict[str, dict[int, frozenset[str]]] = {}  # per kind, rows read so far

    @cached_property
    def analysis(self) -> Analysis:
        """Acronyms, aliases and speakers of the corpus (saved in the store at index time)."""
        return for_store(self.store)

    @cached_property
    def doc(self) -> NDArray[np.int32]:
        """Every row's document number."""
        return np.asarray(self.store.rows[:, 0], dtype=np.int32)

    @cached_property
    def firsts(self) -> NDArray[np.int64]:
        """The first row of every document that has rows."""
        return np.asarray([d.first for d in self.store.documents if d.count], dtype=np.int64)

    @cached_property
    def spans(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First row and row count of every document, by document number."""
        docs = self.store.documents
        return (np.asarray([d.first for d in docs], dtype=np.int64),
                np.asarray([d.count for d in docs], dtype=np.int64))

    @cached_property
    def headings(self) -> NDArray[np.bool_]:
        """Rows that are their document's title line: context for the others, not answers."""
        store = self.store
        mask = np.zeros(store.count, dtype=bool)
        for d in store.documents:
            if d.count > 1 and normal(store.text(d.first)).lstrip("# ") == normal(d.title):
                mask[d.first] = True
        return mask

    def heading(self, row: int) -> bool:
        """Whether a row is a heading, never an answer: its document's title line, or a
        section's heading (a Markdown, Word or HTML heading: the last of its own heading
        path). Asked of the few rows a reply may show, not worked out for every row."""
        return bool(self.headings[row]) or self.heads(row, self.store.location(row).headings)

    def heads(self, row: int, path: tuple[str, ...]) -> bool:
        """Whether a row is the heading of the section `path` (its last heading)."""
        return bool(path) and normal(self.store.text(row)).lstrip("# ") == normal(path[-1])

    @cached_property
    def thin(self) -> NDArray[np.bool_]:
        """Rows with fewer than THIN_TERMS distinct index terms; a piece of a quote that runs
        over several sentences counts the words of the whole quote, as it is shown whole."""
        counts = np.bincount(self.store.lexicon.rows, minlength=self.store.count)
        quote = self.analysis.quote
        if len(quote) == self.store.count and self.store.count:
            total = np.concatenate([[0], np.cumsum(counts)])
            counts = total[quote[:, 1] + 1] - total[quote[:, 0]]
        return counts < THIN_TERMS

    @cached_property
    def lead(self) -> NDArray[np.float32]:
        """1 for a document's first sentence after its heading, 1/2 for the next, and so on."""
        position = np.arange(self.store.count, dtype=np.float32)
        for d in self.store.documents:
            position[d.first : d.first + d.count] -= d.first + int(self.headings[d.first])
        return (1.0 / (1.0 + np.maximum(position, 0.0))).astype(np.float32)

    @cached_property
    def speaker_ids(self) -> NDArray[np.int32]:
        """Every row's speaker id (Analysis.speakers), -1 for none; empty when unknown."""
        return np.asarray(self.analysis.speaker, dtype=np.int32)

    @property
    def speakers_known(self) -> bool:
        """Whether every row's speaker is known (the analysis matches the store)."""
        return len(self.speaker_ids) == self.store.count

    @cached_property
    def title_terms(self) -> dict[str, list[int]]:
        """For every word of a document title, the documents whose title holds it."""
        out: dict[str, list[int]] = {}
        for i, d in enumerate(self.store.documents):
            for term in dict.fromkeys(terms(d.title)):
                out.setdefault(term, []).append(i)
        return out

    @cached_property
    def sentence_titles(self) -> NDArray[np.float32]:
        """Every row's cosine with its document's title.

        A big store keeps them in its generation (`TITLE_COSINES`, made on first use through
        `Store.keep`): computing them reads every vector, a second or more for a million rows.
        """
        store, count = self.store, self.store.count
        kept = store.derived(TITLE_COSINES) if self.big else None
        if kept is not None:
            try:
                if kept.stat().st_size == 4 * count:
                    return np.memmap(kept, dtype=np.float32, mode="r", shape=(count,))
            except (OSError, ValueError):
                pass  # gone or unreadable since it was listed: made again below
        out = np.zeros(count, dtype=np.float32)
        for lo in range(0, count, _BLOCK):
            hi = min(lo + _BLOCK, count)
            # a view of a small store (its vectors are read whole for every question anyway);
            # a read of a big one, so its pages are not mapped into the process
            block = (gather(store.vectors, np.arange(lo, hi, dtype=np.int64)) if self.big
                     else store.vectors[lo:hi])
            doc = self.doc[lo:hi]
            starts = np.flatnonzero(np.concatenate([[True], doc[1:] != doc[:-1]]))
            for a, b in zip(starts.tolist(), [*starts[1:].tolist(), hi - lo]):
                out[lo + a:lo + b] = block[a:b] @ store.title_vectors[doc[a]]
        if self.big:
            store.keep(TITLE_COSINES, out.tofile)  # None when read-only: made again next run
        return out

    def kinds(self, kind: str, rows: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """1 for each sentence (of `rows`, or all) that holds `kind`, else 0; remembered."""
        known = self._kinds.get(kind)
        if known is None:
            known = self._kinds[kind] = np.full(self.store.count, -1, dtype=np.int8)
        at = np.arange(self.store.count, dtype=np.int64) if rows is None else rows
        for r in at[known[at] < 0].tolist():
            known[r] = 1 if holds_kind(kind, self.store.text(r)) else 0
        return known[at].astype(np.float32)

    def values(self, kind: str, rows: NDArray[np.int64]) -> list[frozenset[str]]:
        """The values of `kind` each of `rows` holds (qa.rank.intent.answer_values); remembered."""
        known = self._values.setdefault(kind, {})
        out = []
        for r in rows.tolist():
            found = known.get(r)
            if found is None:
                found = known[r] = answer_values(kind, self.store.text(r))
            out.append(found)
        return out

    def unknown(self, word: str) -> bool:
        """Whether the corpus never uses this word."""
        vocab = self.store.lexicon.vocab
        return not any(t in vocab for t in terms(word))


__all__ = ["TITLE_COSINES", "StoreFacts"]
