"""Lexical evidence: a BM25 index kept as plain numpy arrays.

We keep our own small BM25 rather than a library: it is a few array operations, its arrays
memory-map straight from the store, and importing a BM25 package cost more of the one-shot
start-up budget than the whole of this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class LexicalIndex:
    """BM25 weights per (term, sentence) as a compressed postings matrix (CSC by term)."""

    vocab: dict[str, int]
    idf: NDArray[np.float32]  # per term
    indptr: NDArray[np.int64]  # postings of term t are rows[indptr[t]:indptr[t+1]]
    rows: NDArray[np.int32]
    weights: NDArray[np.float32]  # BM25 term weight, idf * saturated tf, per posting
    count: int  # sentences

    @classmethod
    def build(cls, docs: Sequence[Iterable[str]]) -> LexicalIndex:
        """Index tokenised sentences (each a sequence of terms)."""
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        row_ids: list[int] = []
        lengths = np.zeros(len(docs), dtype=np.float32)
        for row, toks in enumerate(docs):
            toks = list(toks)
            lengths[row] = len(toks)
            for tok in toks:
                term_ids.append(vocab.setdefault(tok, len(vocab)))
                row_ids.append(row)
        n = len(docs)
        post_terms, post_rows, tf, indptr = postings_of(term_ids, row_ids, n, len(vocab))
        idf = idf_of(np.diff(indptr).astype(np.float32), n)
        avg = float(lengths.mean()) if n else 1.0
        weights = bm25_weights(idf[post_terms], tf, lengths[post_rows], avg)
        return cls(vocab, idf, indptr, post_rows, weights, n)

    def postings(self, tid: int) -> NDArray[np.int32]:
        """The rows that hold term `tid`, ascending."""
        return self.rows[self.indptr[tid] : self.indptr[tid + 1]]

    def max_idf(self) -> float:
        return float(np.log1p((self.count + 0.5) / 0.5))

    def unseen(self) -> float:
        """The chance that a further sentence uses a word this corpus has not (`unseen`)."""
        return unseen(np.diff(self.indptr))

    def scores(self, query_terms: Sequence[str], rows: NDArray[np.int64] | None = None
               ) -> tuple[NDArray[np.float32], float]:
        """BM25 of every sentence (or of `rows` only) for the query, and the best score a
        sentence could reach.

        Unknown terms add to the reachable maximum only, so a question about things the
        corpus never mentions scores low everywhere.
        """
        out = np.zeros(self.count if rows is None else rows.shape[0], dtype=np.float32)
        best = 0.0
        for term in dict.fromkeys(query_terms):
            tid = self.vocab.get(term)
            if tid is None:
                best += self.max_idf() * (K1 + 1)
                continue
            best += float(self.idf[tid]) * (K1 + 1)
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            if rows is None:
                out[self.rows[lo:hi]] += self.weights[lo:hi]
            else:
                hit, at = members(self.rows[lo:hi], rows)
                out[hit] += self.weights[lo:hi][at[hit]]
        return out, best


def idf_of(df: NDArray[np.float32], n: int) -> NDArray[np.float32]:
    """Each term's BM25 idf from its sentence frequency `df` among `n` sentences."""
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def postings_of(term_ids: Sequence[int], row_ids: Sequence[int], rows: int, terms: int
                ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64],
                           NDArray[np.int64]]:
    """(term, row) pairs, one per occurrence, as postings sorted by term then row: each
    posting's term and row, its term frequency, and every term's start (`indptr`, `terms` + 1
    long) in them."""
    n = max(rows, 1)
    key = np.asarray(term_ids, dtype=np.int64) * n + np.asarray(row_ids, dtype=np.int64)
    uniq, tf = np.unique(key, return_counts=True)  # sorted pairs, their runs counted
    post_terms = uniq // n
    indptr = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_terms, minlength=terms), out=indptr[1:])
    return post_terms, (uniq % n).astype(np.int32), tf, indptr


def bm25_weights(idf: NDArray[np.float32], tf: NDArray[np.int64], lengths: NDArray[np.float32],
                 avg: float) -> NDArray[np.float32]:
    """The BM25 weight of each posting: its term's idf, its count in the sentence, the
    sentence's length in terms and the corpus's mean length. A store read a few documents at
    a time (qa.milvus) weighs its postings with the whole corpus's idf and mean, and so gets
    the weights a store of the whole corpus holds."""
    norm = K1 * (1 - B + B * lengths / max(avg, 1e-9))
    return (idf * tf * (K1 + 1) / (tf + norm)).astype(np.float32)


def members(postings: NDArray[np.int32], rows: NDArray[np.int64]
             ) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which of `rows` are in the (ascending) postings, and where in them."""
    if postings.shape[0] == 0:
        return np.zeros(rows.shape[0], dtype=bool), np.zeros(rows.shape[0], dtype=np.int64)
    at = np.minimum(np.searchsorted(postings, rows), postings.shape[0] - 1)
    return postings[at] == rows, at


def unseen(sentences_per_term: NDArray[np.int64]) -> float:
    """The Good-Turing estimate of the chance that a further sentence uses a word the corpus
    has not: the share of all (sentence, word) pairs whose word occurs in one sentence only.
    A short article leaves most words unused; thousands of stories leave few."""
    total = int(sentences_per_term.sum())
    return int(np.count_nonzero(sentences_per_term == 1)) / total if total else 1.0
