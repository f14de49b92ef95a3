"""Whether the corpus is about a question at all, apart from how well any sentence scores.

A sentence score says which sentence fits a question best; it cannot say that nothing fits: the
best of many unrelated sentences still scores. What does say it is whether the words of the
question that carry its meaning - its rare words and the things it names, weighted by how rare
they are in the corpus (idf) - occur in the corpus at all, in the best hit's document, and near
the best hit. "Who won the Oscar for best picture?" over the BBC news finds a sentence on the
People's Choice awards that scores well, but "Oscar" and "picture" are not near it.
Computed from the lexical index alone; never from a list of names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from qa.rank.facts import StoreFacts
from qa.rank.weights import ABOUT_PASSAGE, ABOUT_WINDOW, CONFIDENT_FROM
from qa.text import NAME_TOKEN, terms

Reply = Literal["high", "low", "none"]


@dataclass(frozen=True, slots=True)
class About:
    """How much of a question the corpus holds: each an idf-weighted share of the question's
    index terms, from 0 (none of them) to 1 (all)."""

    corpus: float  # used anywhere in the corpus
    document: float  # in the best hit's document
    passage: float  # in the best hit's sentence or within ABOUT_WINDOW sentences of it
    named: float  # of the words the question capitalises (its named things), in the corpus
    rarest: float  # 1 when the rarest word of the question the corpus uses is in the document

    def evidence(self, score: float) -> float:
        """What the decline threshold is compared with: the best hit's score, raised by how
        much of the question is near it (ABOUT_PASSAGE)."""
        return score + ABOUT_PASSAGE * self.passage


NOTHING = About(0.0, 0.0, 0.0, 0.0, 0.0)


def reply(score: float, seen: About, threshold: float) -> Reply:
    """The kind of reply for a best hit of `score` (None: no hit) and what the corpus holds
    of the question: "none" (decline) when the question names things the corpus never
    mentions, or its evidence is below `threshold`; "high" (confident) from CONFIDENT_FROM
    up when the best hit's document holds the question's rarest word; "low" (a marked guess)
    otherwise."""
    if seen.named == 0.0 or seen.evidence(score) < threshold:
        return "none"
    sure = score >= max(CONFIDENT_FROM, threshold) and seen.rarest > 0
    return "high" if sure else "low"


def about(facts: StoreFacts, question: str, row: int) -> About:
    """How much of `question` the corpus, and the document and passage of `row`, hold."""
    lexicon = facts.store.lexicon
    asked = dict.fromkeys(terms(question))
    if not asked or row < 0:
        return NOTHING
    named = _named_terms(question)
    first, count = (int(x[facts.doc[row]]) for x in facts.spans)
    near = (max(first, row - ABOUT_WINDOW), min(first + count, row + ABOUT_WINDOW + 1))
    rare = lexicon.max_idf()
    total = corpus = document = passage = named_total = named_held = 0.0
    rarest, rarest_held = -1.0, False
    for term in asked:
        tid = lexicon.vocab.get(term)
        idf = rare if tid is None else float(lexicon.idf[tid])
        total += idf
        in_doc = in_passage = False
        if tid is not None:
            corpus += idf
            postings = lexicon.postings(tid)
            in_doc = _any_in(postings, first, first + count)
            in_passage = in_doc and _any_in(postings, *near)
        document += idf * in_doc
        if tid is not None and idf > rarest:
            rarest, rarest_held = idf, in_doc
        passage += idf * in_passage
        if term in named:
            named_total += idf
            named_held += idf * (tid is not None)
    if total <= 0:
        return NOTHING
    return About(corpus / total, document / total, passage / total,
                 named_held / named_total if named_total else 1.0, float(rarest_held))


def _named_terms(question: str) -> set[str]:
    """Index terms of the words a question capitalises other than its first: its named things
    ("Oscar", "WorldCom", "US"); none when it is typed all in lower case."""
    tokens = NAME_TOKEN.findall(question)
    return {t for w in tokens[1:] if w[:1].isupper() for t in terms(w)}


def _any_in(postings: np.ndarray, lo: int, hi: int) -> bool:
    """Whether the ascending row list `postings` holds a row in [lo, hi)."""
    at = int(np.searchsorted(postings, lo))
    return at < postings.shape[0] and int(postings[at]) < hi


__all__ = ["NOTHING", "About", "Reply", "about", "reply"]
