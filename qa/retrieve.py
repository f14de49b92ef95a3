"""Ranking sentences for a question: dense and lexical evidence, fused, with context.

`score` everywhere means the fused relevance in [0, 1]: higher is better, and it is what the
abstain threshold is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qa.embed import Embedder
from qa.lexical import terms
from qa.store import Store

CANDIDATES = 200


@dataclass(frozen=True, slots=True)
class Hit:
    """One answering sentence, where it came from and why it ranked."""

    text: str
    score: float
    source: str
    start: int
    end: int
    passage: int
    title: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    speaker: str | None = None
    row: int = -1


def top_k(scores: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
    """Indices and values of the k largest scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def fuse(dense: NDArray[np.float32], lexical: NDArray[np.float32],
         weight: float) -> NDArray[np.float32]:
    """Weighted sum of dense cosine and normalised BM25, both on a 0-1 scale."""
    return (1.0 - weight) * np.clip(dense, 0.0, 1.0) + weight * lexical


class Retriever:
    """Scores every sentence of a store against a question."""

    lexical_weight = 0.45

    def __init__(self, store: Store, embedder: Embedder, context: int = 1) -> None:
        self.store = store
        self.embedder = embedder
        self.context = context

    def scores(self, question: str) -> NDArray[np.float32]:
        """Fused score of every sentence."""
        query = self.embedder.encode_query(question)
        dense = np.asarray(self.store.vectors @ query, dtype=np.float32)
        lex, best = self.store.lexicon.scores(terms(question))
        lexical = lex / best if best > 0 else lex
        return fuse(dense, lexical, self.lexical_weight)

    def search(self, question: str, k: int, skip: frozenset[int] = frozenset()) -> list[Hit]:
        """The k best sentences, near-duplicates collapsed, rows in `skip` left out."""
        scores = self.scores(question)
        hits: list[Hit] = []
        seen: set[str] = set()
        for row, score in top_k(scores, min(CANDIDATES, max(4 * k, k + len(skip) + 10))):
            key = _normal(self.store.text(row))
            if row in skip or key in seen:
                continue
            seen.add(key)
            hits.append(self.hit(row, score))
            if len(hits) == k:
                break
        return hits

    def hit(self, row: int, score: float) -> Hit:
        s = self.store.sentence(row)
        doc = self.store.document_of(row)
        lo, hi = doc.first, doc.first + doc.count
        before = tuple(self.store.text(r) for r in range(max(lo, row - self.context), row))
        after = tuple(self.store.text(r) for r in range(row + 1, min(hi, row + 1 + self.context)))
        return Hit(s.text, round(score, 4), s.source, s.start, s.end, s.passage, doc.title,
                   before, after, None, row)


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip("“”\"'’‘ .,")
