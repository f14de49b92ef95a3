"""Dense search over a store's vectors: exact, int8-scanned or through an HNSW index."""

from qa.vectors.dense import (
    CANDIDATES,
    AnnIndex,
    DenseIndex,
    Lookup,
    Quantized,
    build_index,
    build_quantized,
    exact_scores,
    gather,
    wants_ann,
)

__all__ = ["CANDIDATES", "AnnIndex", "DenseIndex", "Lookup", "Quantized", "build_index",
           "build_quantized", "exact_scores", "gather", "wants_ann"]
