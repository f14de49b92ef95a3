"""An Analysis in the store: its one saved form, written and read back here, with its version.

The store keeps what its `analyze` hook returns beside each generation: JSON values in
meta.json "extras", numpy arrays next to the vectors ("extra_arrays"). An Analysis is saved as

    extras  analysis_version  VERSION below
            acronyms          {"KSF": ["Kosovo Security Forces", ...]}
            aliases           {"jens": ["Jens Stoltenberg"], "nato chief": [...]}
            speakers          ["Jens Stoltenberg", ...]
    arrays  speaker           int32 per sentence: index into speakers, -1 for none
            quote             int32 (first row, last row) per sentence of the quote it is in

A store saved with another VERSION (or none) is not current: opening it analyses the corpus
again and writes the analysis beside the vectors it already has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from qa.knowledge.analysis import Analysis, analyze

if TYPE_CHECKING:
    from qa.index import Store

# Raise it whenever analyze() learns something different, so saved analyses are redone.
VERSION = 6

_VERSION_KEY = "analysis_version"


class IndexedDocument(Protocol):
    """What the store's `analyze` hook is given per document."""

    @property
    def sentences(self) -> Sequence[tuple[str, int, int, int]]:
        """(text, passage, start, end) of each sentence."""
        ...


def to_extras(analysis: Analysis) -> dict[str, Any]:
    """The saved form: the store keeps the numpy values as arrays, the others in meta.json."""
    return {_VERSION_KEY: VERSION, "acronyms": analysis.acronyms, "aliases": analysis.aliases,
            "speakers": analysis.speakers, "speaker": analysis.speaker, "quote": analysis.quote}


def from_extras(extras: Mapping[str, Any], arrays: Mapping[str, Any]) -> Analysis | None:
    """Read back what `to_extras` saved; None when the store holds none or another version."""
    if extras.get(_VERSION_KEY) != VERSION or "speaker" not in arrays:
        return None
    return Analysis(dict(extras["acronyms"]), dict(extras["aliases"]), list(extras["speakers"]),
                    np.asarray(arrays["speaker"]), np.asarray(arrays["quote"]))


def is_current(store: Store) -> bool:
    """Whether a store holds an analysis of this VERSION (the store's `current` hook)."""
    return from_extras(store.extras, store.extra_arrays) is not None


def analyze_parts(parts: Sequence[IndexedDocument]) -> dict[str, Any]:
    """The store's `analyze` hook: the analysis of the documents being written, saved form."""
    docs = [[s[0] for s in p.sentences] for p in parts]
    passages = [[s[1] for s in p.sentences] for p in parts]
    return to_extras(analyze(docs, passages))


def for_store(store: Store) -> Analysis:
    """The analysis saved in a store, or computed now for a store saved without it."""
    saved = from_extras(store.extras, store.extra_arrays)
    if saved is not None:
        return saved
    docs, passages = [], []
    for d in store.documents:
        rows = range(d.first, d.first + d.count)
        docs.append([store.text(r) for r in rows])
        passages.append([int(store.rows[r, 1]) for r in rows])
    return analyze(docs, passages)


class StoredAnalysis:
    """The store's Analyzer (qa.index.sync): corpus knowledge learned when a generation is
    written, saved with it, and written again when this version would store it otherwise."""

    def analyze(self, parts: Sequence[IndexedDocument]) -> dict[str, Any]:
        return analyze_parts(parts)

    def current(self, store: Store) -> bool:
        return is_current(store)


__all__ = ["VERSION", "IndexedDocument", "StoredAnalysis", "analyze_parts", "for_store",
           "from_extras", "is_current", "to_extras"]
