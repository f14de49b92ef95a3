"""Which rows a big store scores for a question, rather than all of them.

From FULL_SCAN_BELOW sentences up, the candidates are the whole documents of the dense side's
best rows (of the question and of a speaker question's topic), of the best BM25 rows from the
postings, of the best-matching titles, and of the rows the question names (qa.rank.subjects).
Every feature is then computed for those rows only, with the same arithmetic, so a question
costs what its candidates cost rather than what the store holds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qa.index import LexicalIndex
from qa.rank.facts import StoreFacts
from qa.rank.features import Query
from qa.rank.weights import LEXICAL_CANDIDATES, TITLE_CANDIDATES


def candidate_rows(facts: StoreFacts, query: Query) -> NDArray[np.int64]:
    """Every row of the candidate documents (module docstring), ascending."""
    searched = facts.store.lexical  # a backend's own BM25 (qa.index.backend), when it has one
    lexical = (searched(query.intent.terms, LEXICAL_CANDIDATES) if searched is not None
               else lexical_best(facts.store.lexicon, query.intent.terms))
    seeds = [query.cosines.best, lexical, query.subjects]
    if query.topic is not None:
        seeds.append(query.topic.best)
    titles = query.cosines.titles
    n_titles = min(TITLE_CANDIDATES, titles.shape[0])
    title_docs = (np.argpartition(-titles, n_titles - 1)[:n_titles] if n_titles
                  else np.zeros(0, dtype=np.int64))
    docs = np.concatenate([facts.doc[np.concatenate(seeds).astype(np.int64)], title_docs])
    return whole_documents(facts, docs)


def lexical_best(lexicon: LexicalIndex, query_terms: tuple[str, ...]) -> NDArray[np.int64]:
    """The LEXICAL_CANDIDATES rows with the highest BM25 for the question, from the postings
    alone."""
    ids = [lexicon.vocab[t] for t in dict.fromkeys(query_terms) if t in lexicon.vocab]
    if not ids:
        return np.zeros(0, dtype=np.int64)
    rows = np.concatenate([lexicon.postings(i) for i in ids])
    weights = np.concatenate([lexicon.weights[lexicon.indptr[i] : lexicon.indptr[i + 1]]
                              for i in ids])
    uniq, inverse = np.unique(rows, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=weights)
    k = min(LEXICAL_CANDIDATES, uniq.shape[0])
    return np.asarray(uniq[np.argpartition(-total, k - 1)[:k]], dtype=np.int64)


def whole_documents(facts: StoreFacts, docs: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every row of these documents, ascending."""
    firsts, counts = facts.spans
    docs = np.unique(docs)
    firsts, counts = firsts[docs], counts[docs]
    # row i of the output is firsts[d] + (i - where document d starts in the output)
    starts = np.cumsum(counts) - counts
    rows = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(firsts - starts, counts)
    return np.asarray(rows, dtype=np.int64)


__all__ = ["candidate_rows", "lexical_best", "whole_documents"]
