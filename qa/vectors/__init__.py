"""Dense search over a store's vectors: the VectorIndex seam, its exact, int8 and HNSW
implementations, and DenseIndex, which picks one for a store."""

from qa.vectors.base import (
    DerivedFiles,
    Lookup,
    Nearest,
    VectorIndex,
    exact_scores,
    gather,
)
from qa.vectors.dense import DenseIndex, wants_ann
from qa.vectors.exact import ExactIndex
from qa.vectors.hnsw import CANDIDATES, CONNECTIVITY, EXPANSION_SEARCH, HnswIndex
from qa.vectors.int8 import QUANTIZE_FROM, WINDOW, Int8Index

__all__ = ["CANDIDATES", "CONNECTIVITY", "EXPANSION_SEARCH", "QUANTIZE_FROM", "WINDOW",
           "DenseIndex", "DerivedFiles", "ExactIndex", "HnswIndex", "Int8Index", "Lookup",
           "Nearest", "VectorIndex", "exact_scores", "gather", "wants_ann"]
