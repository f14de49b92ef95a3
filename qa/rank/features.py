"""The evidence for a question, sentence by sentence, and the one fused score made of it.

How a sentence is scored (`fuse`; in [0, 1], higher is better):

    fused = w_dense    * cosine(question, sentence)            (clipped to 0-1)
          + w_lexical  * BM25(sentence) / best reachable BM25   (unknown words count too)
          + w_title    * cosine(question, document title)
          + w_document_dense * best cosine of any sentence of the same document
          + w_lead     * 1 / (1 + the sentence's position in its document)
          + w_focus    * cosine(question, sentence), both with their document title's
                          direction taken out: what the sentence says beyond naming its subject
          + w_focus_coverage * share of the question's words (idf-weighted) that are not in
                          the document title, held by the sentence
          + w_document_coverage * share of the question's words (weighted by idf squared, so
                          its rare names count most) held anywhere in the sentence's document,
                          beyond the corpus's mean share
          + w_kind     * [the sentence holds what the question asks for: a year for "when",
                          a number for "how many", a name for "who", a place for "where"]
          + w_speaker  * [the sentence is one the question names (qa.rank.subjects): its
                          speaker's words or deeds, who its person is, what its acronym means]
          - w_passed   * [another sentence of its document holds a value of the asked kind
                          that the question does not give (a number for "how many", an age
                          for "how old", a name for "who"), and this one holds none]

The weights (qa.rank.weights) sum to 1 without the speaker and passed terms; the result is
clipped to 1.
A document's heading scores 0, and a thin sentence (fewer than THIN_TERMS words that count)
loses THIN: "According to him." is close to many questions and answers none.

For a speaker question, the speaker's own sentences get their dense, lexical and focus evidence
from the question without the speaker's names ("What did say about terrorism?"): a quote
attributed by "he said" does not name its speaker, and must compete on its topic with the
speaker's sentences that do. The two focus terms tell apart the sentences of one document: in
a document about Kennedy, "how did Kennedy die?" is answered by the sentence on his death, not
by the lead sentence that names him (and so is close to any question about him). The passed
term does the same for what a question asks for: in the article on a bridge, "how many cars
cross it?" is answered by the sentence with a number, not by the lead that names the bridge;
a document none of whose sentences holds such a value keeps its order (the value may be
written in a way qa.rank.intent does not read).

The document coverage tells related stories apart. Of the BBC fitting questions whose first
hit came from the wrong article (27 of 210), 24 lost to another story on the same person,
company or event (no near-duplicates): its sentence echoed the question's words, while the
story that answers names the subject in one sentence and gives the answer, in words of its
own, in another. That story holds more of the question's rare words as a whole.

Evidence from a sentence's neighbours in its document (their vectors summed with its own, the
question's words they hold, the sentence before one that opens with "That" or "It") was tried
for the answer that does not name its subject (issue 17) and dropped: the comment of
qa.rank.weights.Weights gives what was fitted and measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from qa.index import K1, members
from qa.rank.facts import StoreFacts
from qa.rank.intent import Intent, new_values
from qa.rank.weights import PASSED_ROWS, RANKED_MAX, THIN, UNKNOWN_DISCOUNT, Weights
from qa.vectors import DenseIndex

Rows = NDArray[np.int64]


@dataclass(frozen=True)
class Features:
    """Every sentence's evidence for one question (or that of some rows), each on a 0-1 scale."""

    dense: NDArray[np.float32]
    lexical: NDArray[np.float32]
    title: NDArray[np.float32]
    document_dense: NDArray[np.float32]
    lead: NDArray[np.float32]
    kind: NDArray[np.float32]
    focus: NDArray[np.float32]
    focus_coverage: NDArray[np.float32]
    document_coverage: NDArray[np.float32]
    # last two: benchmarks/fit.py adds the speaker's unnormalised and takes `passed` off, as
    # `fuse` does
    speaker: NDArray[np.float32]
    passed: NDArray[np.float32]


@dataclass(frozen=True)
class Cosines:
    """What the dense side knows of one text: its clipped cosine with any row and with every
    document title, and its best rows when it was searched rather than scanned."""

    titles: NDArray[np.float32]  # by document number
    best: Rows
    _at: Callable[[Rows | None], NDArray[np.float32]]

    @classmethod
    def scan(cls, dense: DenseIndex, title_vectors: NDArray[np.float32],
             vector: NDArray[np.float32]) -> Cosines:
        """Cosines with every row (`DenseIndex.scores`): a store scored whole."""
        every = np.clip(dense.scores(vector), 0.0, 1.0)
        return cls(_titles(title_vectors, vector), np.zeros(0, dtype=np.int64),
                   lambda rows: every if rows is None else every[rows])

    @classmethod
    def search(cls, dense: DenseIndex, title_vectors: NDArray[np.float32],
               vector: NDArray[np.float32], k: int) -> Cosines:
        """The k best rows, and any row's cosine as the search knows it (`DenseIndex.search`):
        a store scored through candidates."""
        best, _, known = dense.search(vector, k)
        count = dense.vectors.shape[0]

        def at(rows: Rows | None) -> NDArray[np.float32]:
            asked = np.arange(count, dtype=np.int64) if rows is None else rows
            return np.clip(known(asked), 0.0, 1.0)

        return cls(_titles(title_vectors, vector), best, at)

    def at(self, rows: Rows | None = None) -> NDArray[np.float32]:
        """The clipped cosine of these rows, or of every row."""
        return self._at(rows)


@dataclass(frozen=True)
class Query:
    """One question made ready to score: what it asks, the dense side's view of it and of its
    topic (a speaker question's text without the names), and the rows it names."""

    intent: Intent
    cosines: Cosines
    topic: Cosines | None
    subjects: Rows


def features(facts: StoreFacts, query: Query, rows: Rows | None = None,
             ranking: Weights | None = None) -> Features:
    """The evidence of every row, or of `rows` (ascending, whole documents), for a question.

    The answer-kind evidence is checked for every row; given the weights `ranking` ranks with,
    only for the rows whose fused score could reach the best RANKED_MAX with it, which leaves
    those best rows and their scores as checking every row would.
    """
    intent = query.intent
    doc = facts.doc if rows is None else facts.doc[rows]
    n = doc.shape[0]
    if rows is None:
        firsts, doc_at = facts.firsts, doc
    else:  # documents numbered in the order of `rows`
        change = np.concatenate([[False], doc[1:] != doc[:-1]])
        doc_at = np.cumsum(change)
        firsts = np.flatnonzero(np.concatenate([[True], change[1:]]))
    sentence_titles = facts.sentence_titles if rows is None else facts.sentence_titles[rows]
    dense = query.cosines.at(rows)
    titles = query.cosines.titles[doc]
    lexical = _lexical(facts, intent.terms, rows)
    focused = focus(dense, titles, sentence_titles)
    focus_coverage = _focus_coverage(facts, intent.terms, doc, rows)
    document_coverage = _document_coverage(facts, intent.terms)[doc]
    # Document evidence comes from the whole question, names included: it finds where the
    # speaker is. Within it, the speaker's own sentences are judged on the topic.
    document_dense = document_max(dense, firsts, doc_at)
    speaker = np.zeros(n, dtype=np.float32)
    speaker[query.subjects if rows is None else np.isin(rows, query.subjects)] = 1.0
    if query.topic is not None:
        # "What did Stoltenberg say about terrorism?": his quotes attributed by "he said" do
        # not name him, so among his sentences his name must not favour those that do.
        mine = speaker > 0
        topic_dense = query.topic.at(rows)
        dense = np.where(mine, topic_dense, dense).astype(np.float32)
        lexical = np.where(mine, _lexical(facts, intent.topic_terms, rows),
                           lexical).astype(np.float32)
        focused = np.where(mine, focus(topic_dense, query.topic.titles[doc], sentence_titles),
                           focused).astype(np.float32)
        focus_coverage = np.where(mine, _focus_coverage(facts, intent.topic_terms, doc, rows),
                                  focus_coverage).astype(np.float32)
    lead = facts.lead if rows is None else facts.lead[rows]
    none = np.zeros(n, dtype=np.float32)
    found = Features(dense, lexical, titles, document_dense, lead, none, focused,
                     focus_coverage, document_coverage, speaker, none)
    return _with_kinds(found, facts, intent, rows, (firsts, doc_at), ranking)


def fuse(f: Features, w: Weights) -> NDArray[np.float32]:
    """The fused score of every sentence (module docstring), in [0, 1]."""
    score = (w.dense * f.dense + w.lexical * f.lexical + w.title * f.title
             + w.document_dense * f.document_dense + w.lead * f.lead
             + w.kind * f.kind + w.focus * f.focus
             + w.focus_coverage * f.focus_coverage
             + w.document_coverage * f.document_coverage) / max(w.total(), 1e-9)
    return np.asarray(np.minimum(score + w.speaker * f.speaker - w.passed * f.passed, 1.0),
                      dtype=np.float32)


def relevance(f: Features, w: Weights, headings: NDArray[np.bool_],
              thin: NDArray[np.bool_]) -> NDArray[np.float32]:
    """`fuse`, with headings at 0 and thin sentences lowered by THIN (module docstring)."""
    return _lowered(fuse(f, w), headings, thin)


def _lowered(fused: NDArray[np.float32], headings: NDArray[np.bool_],
             thin: NDArray[np.bool_]) -> NDArray[np.float32]:
    """`fused` (changed in place) with headings at 0 and thin sentences lowered by THIN."""
    fused[headings] = 0.0
    fused[thin] -= THIN
    return fused


def focus(dense: NDArray[np.float32], title: NDArray[np.float32],
          sentence_title: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine of question and sentence once the title's direction is taken out of both.

    Args:
        dense: cosine of question and sentence; title: of question and the sentence's
            document title; sentence_title: of sentence and title (all unit vectors).
    """
    rest = np.sqrt(np.maximum(1.0 - title * title, 1e-6) * np.maximum(
        1.0 - sentence_title * sentence_title, 1e-6))
    return np.asarray(np.clip((dense - title * sentence_title) / rest, 0.0, 1.0), dtype=np.float32)


def document_max(values: NDArray[np.float32], firsts: NDArray[np.int64],
                 doc: NDArray[np.int32] | NDArray[np.int64]) -> NDArray[np.float32]:
    """For each row, the largest value in its document (rows are in document order; `firsts`
    are where documents start, `doc` numbers each row's document in that order)."""
    if values.shape[0] == 0:
        return values
    per_doc = np.maximum.reduceat(values, firsts)
    return per_doc[doc]


def _with_kinds(found: Features, facts: StoreFacts, intent: Intent, rows: Rows | None,
                docs: tuple[Rows, NDArray[np.int32] | NDArray[np.int64]],
                ranking: Weights | None) -> Features:
    """`found` with its answer-kind evidence, for every row or for the whole documents of the
    reachable ones (`features`)."""
    kind = intent.kind
    n = found.kind.shape[0]
    if kind is None or n == 0:
        return found
    firsts, doc_at = docs
    if ranking is None:
        need = whole = np.arange(n, dtype=np.int64)
    else:
        fused = fuse(found, ranking)
        need = _reachable(fused, ranking, facts, rows)
        # `passed` looks at every sentence of the documents of the best PASSED_ROWS rows
        best = need[np.argsort(-fused[need])[:PASSED_ROWS]]
        whole = np.flatnonzero(np.isin(doc_at, doc_at[best]))
    held = np.zeros(n, dtype=np.float32)
    held[need] = facts.kinds(kind, need if rows is None else rows[need])
    answers = np.zeros(n, dtype=np.float32)
    answers[whole] = [new_values(v, intent.text)
                      for v in facts.values(kind, whole if rows is None else rows[whole])]
    passed = document_max(answers, firsts, doc_at) * (1.0 - answers)
    return replace(found, kind=held, passed=passed.astype(np.float32))


def _reachable(fused: NDArray[np.float32], w: Weights, facts: StoreFacts, rows: Rows | None
               ) -> Rows:
    """Positions whose score (`fuse`d, before headings and thin sentences are lowered as
    `relevance` lowers them) with the best answer-kind evidence could reach the best RANKED_MAX
    scores: the kind adds at most w.kind / w.total() to a score and nothing else. Passed only
    lowers scores."""
    headings = facts.headings if rows is None else facts.headings[rows]
    thin = facts.thin if rows is None else facts.thin[rows]
    fused = _lowered(fused.copy(), headings, thin)
    m = min(RANKED_MAX, fused.shape[0])
    # 1e-6: the float32 sums of `fuse` round
    gain = w.kind / max(w.total(), 1e-9)
    cutoff = float(np.partition(fused, -m)[-m]) - gain - 1e-6
    return np.flatnonzero(fused >= cutoff)


def _titles(title_vectors: NDArray[np.float32], vector: NDArray[np.float32]
            ) -> NDArray[np.float32]:
    """The clipped cosine of a text with every document title."""
    return np.clip(np.asarray(title_vectors @ vector, dtype=np.float32), 0.0, 1.0)


def _lexical(facts: StoreFacts, query_terms: tuple[str, ...], rows: Rows | None
             ) -> NDArray[np.float32]:
    """BM25 of every sentence (or of `rows`) over the best score a sentence could reach."""
    lexicon = facts.store.lexicon
    lex, best = lexicon.scores(query_terms, rows)
    # A word the corpus never uses counts against every sentence, but less than a word it
    # uses and a sentence lacks: one unusual verb must not sink an answerable question.
    unknown = sum(1 for t in dict.fromkeys(query_terms) if t not in lexicon.vocab)
    best -= UNKNOWN_DISCOUNT * unknown * lexicon.max_idf() * (K1 + 1)
    return np.asarray(lex / best if best > 0 else lex, dtype=np.float32)


def _focus_coverage(facts: StoreFacts, query_terms: tuple[str, ...], doc: NDArray[np.int32],
                    rows: Rows | None) -> NDArray[np.float32]:
    """The share of the question's words (idf-weighted) a sentence (of `rows`, documents
    `doc`) holds, over the words its document title lacks: "how did Kennedy die?" asks about
    dying in the document on Kennedy."""
    lexicon = facts.store.lexicon
    n_docs = len(facts.store.documents)
    out = np.zeros(doc.shape[0], dtype=np.float32)
    total = np.zeros(n_docs, dtype=np.float32)  # per document
    for term in dict.fromkeys(query_terms):
        tid = lexicon.vocab.get(term)
        idf = UNKNOWN_DISCOUNT * lexicon.max_idf() if tid is None else float(lexicon.idf[tid])
        titled = np.zeros(n_docs, dtype=bool)
        titled[facts.title_terms.get(term, [])] = True
        total += np.where(titled, 0.0, idf).astype(np.float32)
        if tid is None:
            continue
        postings = lexicon.postings(tid)
        held = postings if rows is None else np.flatnonzero(members(postings, rows)[0])
        out[held] += np.where(titled[doc[held]], 0.0, idf).astype(np.float32)
    total_at = total[doc]
    return np.where(total_at > 0, out / np.maximum(total_at, 1e-9), 0.0).astype(np.float32)


def _document_coverage(facts: StoreFacts, query_terms: tuple[str, ...]) -> NDArray[np.float32]:
    """By document number, the share of the question's words (idf-weighted) the document
    holds anywhere: a story that answers may name the subject in one sentence and give the
    answer in another, where a related story matches one sentence well."""
    lexicon = facts.store.lexicon
    doc = facts.doc
    out = np.zeros(len(facts.store.documents), dtype=np.float32)
    total = 0.0
    for term in dict.fromkeys(query_terms):
        tid = lexicon.vocab.get(term)
        if tid is None:
            total += (UNKNOWN_DISCOUNT * lexicon.max_idf()) ** 2
            continue
        idf = float(lexicon.idf[tid]) ** 2
        total += idf
        out[np.unique(doc[lexicon.postings(tid)])] += idf
    if total <= 0:
        return out
    # what it holds beyond a document of this corpus on average: in a corpus of one document,
    # nothing (the share would only lift every score)
    share = out / total
    mean = float(share.mean())
    return np.asarray(np.clip((share - mean) / max(1.0 - mean, 1e-9), 0.0, 1.0), dtype=np.float32)


__all__ = ["Cosines", "Features", "Query", "document_max", "features", "focus", "fuse",
           "relevance"]
