"""Searching a Milvus store: its dense ANN search and its BM25 full-text search propose the
candidate rows of a big store (qa.rank.candidates); every cosine is then computed exactly from
the mirror's vectors, so scoring is the local store's to the last digit."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.index import Store
from qa.milvus import collections as coll
from qa.milvus.client import Location, failure
from qa.milvus.mirror import IDS
from qa.vectors import DenseIndex, Nearest, exact_scores, gather


class MilvusIndex:
    """A VectorIndex (qa.vectors) whose nearest rows come from Milvus's search."""

    def __init__(self, store: Store, client: Any, where: Location) -> None:
        self.vectors = store.vectors
        self.client = client
        self.where = where
        ids = np.asarray(store.extra_arrays[IDS], dtype=np.int64)
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def rows(self, ids: list[int]) -> NDArray[np.int64]:
        """The mirror's row numbers of these Milvus ids (ids it does not hold left out)."""
        if not ids or self._sorted.size == 0:
            return np.zeros(0, dtype=np.int64)
        asked = np.asarray(ids, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, asked), self._sorted.size - 1)
        hit = self._sorted[at] == asked
        return np.asarray(self._order[at[hit]], dtype=np.int64)

    def _search(self, data: list[Any], field: str, metric: str, k: int) -> list[int]:
        try:
            found = self.client.search(coll.names(self.where.collection)[0], data=data,
                                       anns_field=field, limit=k, output_fields=[],
                                       search_params={"metric_type": metric})
        except Exception as exc:  # noqa: BLE001 - pymilvus and grpc errors alike
            raise failure(self.where, exc) from None
        return [int(hit["id"]) for hit in found[0]] if found else []

    def search(self, query: NDArray[np.float32], k: int) -> Nearest:
        rows = self.rows(self._search([query.tolist()], "vector", "IP", k))
        scores = exact_scores(gather(self.vectors, rows), query)
        order = np.argsort(-scores, kind="stable")

        def lookup(asked: NDArray[np.int64]) -> NDArray[np.float32]:
            return exact_scores(gather(self.vectors, asked), query)

        return Nearest(rows[order], scores[order], lookup)

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        return exact_scores(self.vectors, query)

    def lexical(self, terms: tuple[str, ...], k: int) -> NDArray[np.int64]:
        """The best rows by Milvus's BM25 for the question's terms."""
        text = " ".join(dict.fromkeys(terms))
        if not text.strip():
            return np.zeros(0, dtype=np.int64)
        return self.rows(self._search([text], "sparse", "BM25", k))


class MilvusDense(DenseIndex):
    """DenseIndex over a mirror, searching through Milvus."""

    def __init__(self, index: MilvusIndex) -> None:
        super().__init__(index.vectors, None, "exact")
        self.kind = "milvus"
        self._index = index


def attach(store: Store, client: Any, where: Location) -> Store:
    """`store` (a mirror) with Milvus's dense and lexical search offered (qa.index.backend)."""
    index = MilvusIndex(store, client, where)
    store.dense = MilvusDense(index)
    store.lexical = index.lexical
    return store


__all__ = ["MilvusDense", "MilvusIndex", "attach"]
