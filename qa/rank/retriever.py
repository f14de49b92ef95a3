"""Retriever: a question in, the best sentences of a store out.

`search` reads the question once (intent.py), finds the rows it names (subjects.py), embeds it,
picks the rows to score (all of a small store, candidates.py for a big one), computes their
evidence and fuses it (features.py), and turns the best rows into hits with one confidence
(confidence.py, hits.py). What is known of every row is worked out once (facts.py); every
fitted number is in weights.py.

A store read a question at a time (`Store.narrow`, qa.index.backend) holds no rows between
questions: each question is read first, then the backend proposes rows and hands back their
whole documents as a small store, which a Retriever of its own scores whole; its hits are given
the whole store's row numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from qa.embed import Embedder
from qa.index import Narrowed, Store, Wanted
from qa.knowledge import Analysis
from qa.rank.about import NOTHING, About, about
from qa.rank.candidates import candidate_rows
from qa.rank.confidence import assurance, confident_hits, top_k
from qa.rank.facts import StoreFacts
from qa.rank.features import Cosines, Features, Query, features, relevance
from qa.rank.hits import Hit
from qa.rank.intent import Intent, read_intent
from qa.rank.subjects import subject_rows
from qa.rank.weights import (
    DENSE_CANDIDATES,
    FULL_SCAN_BELOW,
    LEXICAL_CANDIDATES,
    TITLE_CANDIDATES,
    Weights,
    ranked_window,
)
from qa.text import terms
from qa.vectors import DenseIndex


@dataclass(frozen=True)
class Fused:
    """A question's fused relevance (qa.rank.features) of the rows it scored: every row of a
    small store, the candidate rows of a big one. Exact for the best RANKED_MAX rows; a row
    below them may lack its answer-kind evidence."""

    rows: NDArray[np.int64]  # ascending
    values: NDArray[np.float32]  # headings 0, thin sentences lowered
    assurance: NDArray[np.float32]  # what each would add to the confidence as the best one
    # the best dense evidence of any row scored but headings (About.closest): the question's
    # cosine, the topic's for a speaker's rows
    closest: float = 0.0

    def near(self) -> tuple[float, float]:
        """How near the question the rows scored come: the best cosine, the best relevance."""
        return self.closest, float(self.values.max()) if self.values.size else 0.0


class Retriever:
    """Ranks the sentences of a store for a question.

    Args:
        context: sentences shown either side of a hit.
        dense: the dense index over the store's vectors (exact search when not given).
        full_scan_below: stores with fewer sentences are scored whole, others through
            candidates (qa.rank.candidates).
    """

    def __init__(self, store: Store, embedder: Embedder, context: int = 1,
                 weights: Weights | None = None, dense: DenseIndex | None = None,
                 full_scan_below: int = FULL_SCAN_BELOW) -> None:
        self.store = store
        self.dense = dense or DenseIndex(store.vectors, None, "exact")
        self.embedder = embedder
        self.context = context
        self.weights = weights or Weights()
        self.full_scan_below = full_scan_below
        self._queries: dict[str, NDArray[np.float32]] = {}  # the last texts embedded
        # A narrowed store's last question, per thread: qa serve asks from several at once.
        self._asked = threading.local()

    @cached_property
    def facts(self) -> StoreFacts:
        """What is known of every row of the store."""
        return StoreFacts(self.store, big=not self.scans_whole)

    @property
    def scans_whole(self) -> bool:
        """Whether every sentence is scored, rather than candidates only."""
        return self.store.count < self.full_scan_below

    @property
    def analysis(self) -> Analysis:
        """Acronyms, aliases and speakers of the corpus (saved in the store at index time)."""
        return self.facts.analysis

    @property
    def headings(self) -> NDArray[np.bool_]:
        """Rows that are their document's title line: context for the others, never hits."""
        return self.facts.headings

    def expand(self, question: str) -> str:
        """The question as searched: acronyms spelled out, short names completed."""
        return self.analysis.expand(question, self.facts.unknown)

    def intent(self, question: str) -> Intent:
        """What the question asks for (qa.rank.intent)."""
        facts = self.facts
        return read_intent(question, facts.analysis, facts.unknown, facts.speakers_known)

    def features(self, intent: Intent) -> Features:
        """Every sentence's evidence, the answer kind checked for all (benchmarks/fit.py)."""
        return features(self.facts, self._query(intent, scan=True))

    def fused(self, question: str) -> Fused:
        """The fused relevance of the rows a question scores (`Fused`)."""
        if self.store.narrow is not None:
            narrowed, sub = self._narrowed(question)
            found = sub.fused(question)
            return replace(found, rows=narrowed.rows[found.rows])
        with self.dense.one_blas_thread():
            return self._fused(self.intent(question))

    def search(self, question: str, k: int, skip: frozenset[int] = frozenset(),
               within: NDArray[np.int64] | None = None) -> list[Hit]:
        """The k best sentences, near-duplicates collapsed, rows in `skip` left out.

        `within` (ascending rows of whole documents) limits the rows scored to those, before
        ranking, so a filtered question costs no more than an unfiltered one.
        """
        if self.store.narrow is not None:
            narrowed, sub = self._narrowed(question, within)
            hits = sub.search(question, k, frozenset(narrowed.local(skip).tolist()),
                              None if within is None else narrowed.local(within))
            return [replace(h, row=int(narrowed.rows[h.row])) for h in hits]
        intent = self.intent(question)
        with self.dense.one_blas_thread():
            fused = self._fused(intent, within)
            self._asked.near = (question, within, fused.near())
            ranked = top_k(fused.values, ranked_window(k, len(skip)))
            sure = float(fused.assurance[ranked[0][0]]) if ranked else 0.0
            rows = [(int(fused.rows[i]), v) for i, v in ranked]
            return confident_hits(self.facts, rows, sure, intent, self.weights, k, skip,
                                  self.context)

    def about(self, question: str, rows: Sequence[int],
              within: NDArray[np.int64] | None = None) -> About:
        """How much of the question the corpus (or its rows `within`) holds, and whether its
        best hits `rows` (best first) give what it asks for: whether the corpus is about the
        question at all (qa.rank.about). A narrowed store holds only the rows it fetched, `within`
        them. How near the nearest sentence comes (About.faint) is read only when the whole
        corpus is asked: its floors were fitted there, and a follow-up keeps to its story unless
        the story is silent on it (qa.chat)."""
        if self.store.narrow is not None:
            last: tuple[Narrowed, Retriever] | None = getattr(self._asked, "last", None)
            if last is None:
                return NOTHING
            narrowed, sub = last
            # one at a time: `local` gives store order, and the best hit must stay first
            local = [narrowed.local(np.asarray([row], dtype=np.int64)) for row in rows]
            if not local or not local[0].size:
                return NOTHING
            return sub._about(question, [int(at[0]) for at in local if at.size], None,
                              near=within is None)
        return self._about(question, rows, within, near=within is None)

    def near(self, question: str, within: NDArray[np.int64] | None = None
             ) -> tuple[float, float]:
        """The best dense evidence (a speaker's rows judged on the topic, as ranking does) and
        the best fused relevance (before the confidence) of any row the question scores
        (`within` them): kept from the search just made for it on this thread, else worked out
        again."""
        if self.store.narrow is not None:
            narrowed, sub = self._narrowed(question, within)
            return sub.near(question, None if within is None else narrowed.local(within))
        last: tuple[str, NDArray[np.int64] | None, tuple[float, float]] | None = getattr(
            self._asked, "near", None)
        if last is not None and last[0] == question and last[1] is within:
            return last[2]
        with self.dense.one_blas_thread():
            return self._fused(self.intent(question), within).near()

    def _about(self, question: str, rows: Sequence[int], within: NDArray[np.int64] | None,
               near: bool) -> About:
        closest, relevance = self.near(question) if near else (1.0, 1.0)
        return about(self.facts, self.intent(question), rows, within=within, closest=closest,
                     relevance=relevance)

    def _narrowed(self, question: str, within: NDArray[np.int64] | None = None
                  ) -> tuple[Narrowed, Retriever]:
        """The small store a narrowed store's backend assembles for a question, and the
        Retriever that scores it whole (module docstring)."""
        assert self.store.narrow is not None
        intent = self.intent(question)
        names = " ".join((*intent.speaker_names, *intent.who_is, intent.spelled_out)).strip()
        words = terms(f"{question} {intent.text} {intent.topic} {names}") + list(intent.acts)
        documents = None
        if within is not None:
            firsts = self.facts.spans[0]
            documents = np.unique(np.searchsorted(firsts, within, side="right") - 1)
        wanted = Wanted(tuple(self._encode(t) for t in (intent.text, intent.topic) if t),
                        tuple(t for t in (intent.text, names) if t),
                        tuple(dict.fromkeys(words)), DENSE_CANDIDATES, LEXICAL_CANDIDATES,
                        TITLE_CANDIDATES, documents)
        narrowed: Narrowed = self.store.narrow(wanted)
        sub = Retriever(narrowed.store, self.embedder, self.context, self.weights,
                        full_scan_below=narrowed.store.count + 1)
        sub._queries = self._queries  # the question is embedded once
        self._asked.last = (narrowed, sub)
        return narrowed, sub

    def _encode(self, text: str) -> NDArray[np.float32]:
        """The question's vector, remembered for the few texts embedded last."""
        vector = self._queries.get(text)
        if vector is None:
            vector = self.embedder.encode_query(text)
            if len(self._queries) >= 4:
                self._queries.clear()
            self._queries[text] = vector
        return vector

    def _fused(self, intent: Intent, within: NDArray[np.int64] | None = None) -> Fused:
        facts, w = self.facts, self.weights
        scan = self.scans_whole
        query = self._query(intent, scan)
        rows = None if scan else candidate_rows(facts, query)
        if within is not None:
            rows = within_rows(rows, within, self.full_scan_below)
        if rows is not None and rows.size == 0:
            empty = np.zeros(0, dtype=np.float32)
            return Fused(rows, empty, empty, 0.0)
        f = features(facts, query, rows, ranking=w)
        headings = facts.headings if rows is None else facts.headings[rows]
        thin = facts.thin if rows is None else facts.thin[rows]
        every = np.arange(self.store.count, dtype=np.int64) if rows is None else rows
        return Fused(every, relevance(f, w, headings, thin), assurance(f, w),
                     _nearest(f.dense, headings))

    def _query(self, intent: Intent, scan: bool) -> Query:
        """The question embedded (and its topic), cosines scanned over every row or searched,
        and the rows it names."""
        titles = self.store.title_vectors

        def cosines(text: str) -> Cosines:
            vector = self._encode(text)
            if scan:
                return Cosines.scan(self.dense, titles, vector)
            return Cosines.search(self.dense, titles, vector, DENSE_CANDIDATES)

        return Query(intent, cosines(intent.text),
                     cosines(intent.topic) if intent.topic else None,
                     subject_rows(self.facts, intent))


def _nearest(dense: NDArray[np.float32], headings: NDArray[np.bool_]) -> float:
    """The best dense evidence of the rows scored but headings: a title that repeats the
    question is no sentence near it (ranking puts headings at 0)."""
    kept = dense[~headings]
    return float(kept.max()) if kept.size else 0.0


def within_rows(candidates: NDArray[np.int64] | None, within: NDArray[np.int64],
                full_scan_below: int) -> NDArray[np.int64]:
    """The rows to score when a question is limited to `within`: all of them when they are
    few enough to scan (or every row is scanned anyway), else the candidates among them, or
    all of them when no candidate lies within."""
    if candidates is None or within.size < full_scan_below:
        return within
    inside = np.intersect1d(candidates, within, assume_unique=True)
    return inside if inside.size else within


__all__ = ["Fused", "Retriever", "within_rows"]
