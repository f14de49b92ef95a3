"""Ranking math on hand-made arrays: best-first order, document maxima, fusion, focus, and
near-duplicates."""

from __future__ import annotations

import numpy as np
import pytest

from qa.rank import Features, Weights, document_max, focus, fuse, near_duplicate, top_k


def test_top_k_orders_best_first() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.7], dtype=np.float32)
    assert [i for i, _ in top_k(scores, 3)] == [1, 3, 2]
    assert top_k(scores, 0) == []


def test_document_max() -> None:
    values = np.array([0.1, 0.9, 0.2, 0.3, 0.4], dtype=np.float32)
    doc = np.array([0, 0, 0, 1, 1], dtype=np.int32)
    firsts = np.array([0, 3])
    assert document_max(values, firsts, doc).tolist() == pytest.approx([0.9] * 3 + [0.4] * 2)


def test_fuse_is_a_weighted_mean_plus_the_speaker_bonus() -> None:
    one = np.array([1.0, 0.0], dtype=np.float32)
    zero = np.zeros(2, dtype=np.float32)
    speaker = np.array([0.0, 1.0], dtype=np.float32)
    f = Features(one, zero, zero, zero, zero, zero, zero, zero, zero, speaker, zero)
    w = Weights(dense=0.5, lexical=0.5, title=0, document_dense=0, lead=0, kind=0,
                focus=0, focus_coverage=0, document_coverage=0, speaker=0.25)
    assert fuse(f, w).tolist() == pytest.approx([0.5, 0.25])
    full = Features(one, one, one, one, one, one, one, one, one, one, zero)
    assert fuse(full, w).max() <= 1.0


def test_focus_leaves_out_what_the_title_explains() -> None:
    """A sentence that shares only the title's subject with the question has no focus."""
    title = np.array([1.0, 0.0, 0.0])
    sentence = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    same_aspect, other_aspect = sentence, np.array([1.0, 0.0, 1.0]) / np.sqrt(2)

    def one(x: float) -> np.ndarray:
        return np.array([x], dtype=np.float32)

    got = [focus(one(q @ sentence), one(q @ title), one(sentence @ title))[0]
           for q in (same_aspect, other_aspect)]
    assert got == pytest.approx([1.0, 0.0], abs=1e-3)


def test_near_duplicates_are_word_sets_almost_inside_each_other() -> None:
    a = {"our", "harbour", "is", "safer", "with", "a", "light", "that", "works"}
    assert near_duplicate(a, a | {"now"})  # one word more
    longer = a | {"and", "the", "council", "will", "pay", "for", "all", "of", "it"}
    assert not near_duplicate(a, longer)
    assert not near_duplicate({"yes", "no"}, {"yes", "no", "maybe"})  # too short to tell
    assert near_duplicate(set(), {"anything"})
