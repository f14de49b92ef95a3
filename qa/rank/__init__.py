"""Ranking sentences for a question: what it asks, evidence, one fused score, confidence, hits.

    about.py       About: how much of a question the corpus holds; the kind of reply
    weights.py     Weights and every fitted number and cut-off, with where it came from
    intent.py      Intent: the question read once (answer kind, speakers, topic, who/what is)
    facts.py       StoreFacts: per-row facts of a store (headings, thin rows, title cosines, ...)
    subjects.py    the rows a question names (its speaker's sentences, who its person is, ...)
    candidates.py  which rows a big store scores
    features.py    Features of rows for a question, and `fuse` into one score
    confidence.py  the question's confidence, near-duplicates collapsed, hits
    hits.py        Hit
    retriever.py   Retriever: the parts composed; `search` is what the bot calls
"""

from qa.rank.about import NOTHING, About, Reply, about, reply
from qa.rank.confidence import assurance, near_duplicate, top_k, unmet
from qa.rank.facts import TITLE_COSINES, StoreFacts
from qa.rank.features import Features, document_max, focus, fuse, relevance
from qa.rank.hits import Hit
from qa.rank.intent import Intent, asks_who_is
from qa.rank.retriever import Fused, Retriever
from qa.rank.weights import ASKED_AMONG, Weights

__all__ = ["ASKED_AMONG", "NOTHING", "TITLE_COSINES", "About", "Features", "Fused", "Hit",
           "Intent", "Reply", "Retriever", "StoreFacts", "Weights", "about", "asks_who_is",
           "assurance", "document_max", "focus", "fuse", "near_duplicate", "relevance", "reply",
           "top_k", "unmet"]
