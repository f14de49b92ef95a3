"""Ranking sentences for a question: evidence, one fused score, confidence, hits."""

from qa.rank.retriever import (
    Features,
    Hit,
    Retriever,
    Weights,
    asks_who_is,
    assurance,
    fuse,
    top_k,
)

__all__ = ["Features", "Hit", "Retriever", "Weights", "asks_who_is", "assurance", "fuse",
           "top_k"]
