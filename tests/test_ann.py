"""Dense search: exact on hand-made vectors; the ANN index's recall against exact search; the
int8 scan returning exactly the float32 top k."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.vectors import (
    DenseIndex,
    ExactIndex,
    HnswIndex,
    Int8Index,
    VectorIndex,
    exact_scores,
    wants_ann,
)

from .conftest import SEEDS, SHARED


def _unit(rows: list[list[float]]) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


class Folder:
    """Derived files in a plain folder, listed with their sizes as a store generation does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: dict[str, int] = {}

    def derived(self, name: str) -> Path | None:
        path = self.path / name
        listed = name in self.sizes and path.is_file()
        return path if listed and path.stat().st_size == self.sizes[name] else None

    def keep(self, name: str, write: Callable[[Path], None]) -> Path | None:
        write(self.path / name)
        self.sizes[name] = (self.path / name).stat().st_size
        return self.path / name


def test_three_indexes_behind_one_protocol(tmp_path: Path) -> None:
    vectors = _unit(np.random.default_rng(4).normal(size=(300, 8)).tolist())
    folder = Folder(tmp_path)
    assert HnswIndex.build(vectors, folder) and Int8Index.build(vectors, folder)
    hnsw, int8 = HnswIndex.open(vectors, folder), Int8Index.open(vectors, folder)
    assert hnsw is not None and int8 is not None
    indexes: list[VectorIndex] = [ExactIndex(vectors), int8, hnsw]
    for index in indexes:
        found = index.search(vectors[7], 3)
        assert found.rows[0] == 7 and found.scores[0] == pytest.approx(1.0, abs=1e-5)
        assert np.allclose(found.lookup(found.rows), found.scores)
        assert int(np.argmax(index.scores(vectors[7]))) == 7
    assert sorted(folder.sizes) == ["ann.json", "ann.usearch", "quantized.json", "scales.f32",
                                    "vectors.i8"]


def test_exact_scores_on_hand_made_vectors() -> None:
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    query = _unit([[0.9, 0.1, 0]])[0]
    scores = exact_scores(vectors, query)
    assert int(np.argmax(scores)) == 0
    rows, values, _ = DenseIndex(vectors, None, "exact").search(query, 2)
    assert rows.tolist() == [0, 3]
    assert np.allclose(values, scores[[0, 3]])


@pytest.mark.parametrize(("count", "search", "expected"), [
    (10, "auto", False), (500, "auto", True), (10, "ann", True), (10**6, "exact", False),
])
def test_search_mode_chosen_by_size(count: int, search: str, expected: bool) -> None:
    assert wants_ann(count, search, ann_min_sentences=500) is expected


def test_ann_on_hand_made_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(300, 8)).tolist())
    dense = DenseIndex(vectors, Folder(tmp_path), "ann")
    dense.ensure_index()
    assert isinstance(dense.index, HnswIndex)
    query = vectors[17]
    rows, values, _ = dense.search(query, 5)
    assert rows[0] == 17 and values[0] == pytest.approx(1.0, abs=1e-5)
    scores = dense.scores(query)
    assert scores.shape == (300,) and int(np.argmax(scores)) == 17
    # every row the index did not propose gets the lowest proposed cosine
    assert scores.min() == pytest.approx(float(dense.search(query).scores[-1]))


def test_damaged_or_foreign_index_falls_back_to_exact(tmp_path: Path) -> None:
    vectors = _unit(np.random.default_rng(1).normal(size=(50, 4)).tolist())
    folder = Folder(tmp_path)
    assert HnswIndex.build(vectors, folder)
    assert HnswIndex.open(vectors[:49], folder) is None  # built for another store
    size = (tmp_path / "ann.usearch").stat().st_size
    (tmp_path / "ann.usearch").write_bytes(os.urandom(size))  # listed, right size, garbage
    assert HnswIndex.open(vectors, folder) is None
    (tmp_path / "ann.usearch").write_bytes(b"not an index")  # not the size listed
    dense = DenseIndex(vectors, folder, "ann")
    assert dense.index is None
    assert np.allclose(dense.scores(vectors[3]), exact_scores(vectors, vectors[3]))
    assert dense.kind == "exact"


@pytest.fixture(scope="module")
def ann_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real store searched through its ANN index: the seed article, plus 40 BBC
    technology articles when ../shared is there."""
    from qa import Bot

    root = tmp_path_factory.mktemp("ann-corpus")
    shutil.copytree(SEEDS, root / "seeds")
    bbc = SHARED / "corpora" / "bbc-news" / "news" / "tech"
    if bbc.is_dir():
        (root / "bbc").mkdir()
        for f in sorted(bbc.glob("*.txt"))[:40]:
            shutil.copy(f, root / "bbc" / f.name)
    store = tmp_path_factory.mktemp("ann-store")
    Bot(corpus=root, store=store, search="ann", notify=lambda _: None).reindex()
    return store


def _questions() -> list[str]:
    found = ["what did Stoltenberg say about the KSF", "who makes the fastest chips",
             "how many people use broadband"]
    for name in ("seed_dev.jsonl", "bbc_dev.jsonl"):
        path = SHARED / "eval" / name
        if path.is_file():
            found += [json.loads(x)["q"] for x in path.read_text().splitlines() if x.strip()]
    return found


@pytest.mark.slow
def test_ann_recall_at_10_against_exact(ann_store: Path) -> None:
    from qa import Bot
    from qa.index import Store

    bot = Bot(corpus=SEEDS, store=ann_store, search="ann", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None and store.derived("ann.usearch") is not None
    dense = DenseIndex(store.vectors, store, "ann")
    exact = DenseIndex(store.vectors, store, "exact")
    assert isinstance(dense.index, HnswIndex) and isinstance(exact.index, ExactIndex)
    queries = [bot.embedder.encode_query(q) for q in _questions()]
    # sentences of the store as queries too: the hardest case, many near neighbours
    queries += [np.asarray(v) for v in store.vectors[:: max(1, store.count // 200)]]
    found = total = 0
    for q in queries:
        want = set(exact.search(q, 10).rows.tolist())
        got = set(dense.search(q).rows[:10].tolist())
        found += len(want & got)
        total += len(want)
    # The graph is built on every core, so it differs run to run and so does recall, by about
    # half a point on this small store (0.980-0.990 seen; once 0.9799 in CI): the floor leaves
    # room for that. benchmarks/speed.py measures recall at a million rows.
    assert found / total >= 0.97


@pytest.mark.slow
def test_bot_with_ann_answers_like_exact(ann_store: Path) -> None:
    from qa import Bot
    from qa.index import Store
    from qa.rank import Retriever

    bot = Bot(corpus=SEEDS, store=ann_store, search="ann", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None
    ann = Retriever(store, bot.embedder, dense=DenseIndex(store.vectors, store, "ann"))
    exact = Retriever(store, bot.embedder, dense=DenseIndex(store.vectors, None, "exact"))
    # Rows the index does not propose get a bound, not their cosine, so answers may differ
    # where nothing is relevant (unanswerable questions); relevant answers must agree.
    questions = _questions()[:40]
    same = sum(ann.search(q, 1)[0].row == exact.search(q, 1)[0].row for q in questions)
    assert same / len(questions) >= 0.9


def test_int8_scan_refuses_what_it_cannot_prove(tmp_path: Path) -> None:
    # Rows closer to each other than int8 can tell apart: the top 1 cannot be proven from a
    # window of 3, so the scan says so and DenseIndex computes the float32 product instead.
    rng = np.random.default_rng(2)
    base = _unit(rng.normal(size=(1, 32)).tolist())[0]
    vectors = _unit((base + rng.normal(scale=1e-4, size=(100, 32))).tolist())
    folder = Folder(tmp_path)
    assert Int8Index.build(vectors, folder)
    int8 = Int8Index.open(vectors, folder)
    assert int8 is not None
    assert int8.proven(base, 1, extra=2) is None
    dense = DenseIndex(vectors, folder, "exact", quantize_from=0)
    assert isinstance(dense.index, Int8Index)
    dense.index.extra = 2
    rows, _, _ = dense.search(base, 1)
    assert rows[0] == int(np.argmax(exact_scores(vectors, base))) and dense.index.fallbacks == 1


def test_damaged_int8_copy_is_not_used(tmp_path: Path) -> None:
    vectors = _unit(np.random.default_rng(3).normal(size=(60, 8)).tolist())
    folder = Folder(tmp_path)
    assert Int8Index.build(vectors, folder)
    assert Int8Index.open(vectors[:59], folder) is None  # made for another store
    (tmp_path / "vectors.i8").write_bytes(b"short")
    dense = DenseIndex(vectors, folder, "exact", quantize_from=0)
    assert dense.index is None
    rows, _, _ = dense.search(vectors[5], 3)
    assert rows[0] == 5 and dense.kind == "exact"


@pytest.mark.slow
def test_int8_scan_gives_the_float32_top_k_on_a_real_store(ann_store: Path,
                                                             tmp_path: Path) -> None:
    from qa import Bot
    from qa.index import Store

    bot = Bot(corpus=SEEDS, store=ann_store, search="ann", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None
    folder = Folder(tmp_path)
    assert Int8Index.build(store.vectors, folder)
    int8 = Int8Index.open(store.vectors, folder)
    assert int8 is not None
    queries = [bot.embedder.encode_query(q) for q in _questions()]
    queries += [np.asarray(v) for v in store.vectors[:: max(1, store.count // 100)]]
    proven = 0
    for q in queries:
        found = int8.proven(q, 10, extra=min(100, store.count - 11))
        if found is None:
            continue
        proven += 1
        want = exact_scores(store.vectors, q)
        assert np.allclose(found[1], np.sort(want)[::-1][:10], atol=1e-6)
        assert set(found[0].tolist()) == set(np.argsort(-want)[:10].tolist()) or np.isclose(
            found[1][-1], np.sort(want)[::-1][10], atol=1e-6)  # a tie at the tenth place
    assert proven / len(queries) >= 0.9


@pytest.mark.slow
def test_bot_with_int8_scan_answers_as_float32(ann_store: Path) -> None:
    from qa import Bot
    from qa.index import Store
    from qa.rank import Retriever

    bot = Bot(corpus=SEEDS, store=ann_store, search="exact", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None
    scan = DenseIndex(store.vectors, store, "exact", quantize_from=0)
    scan.ensure_index()
    int8 = scan.index
    assert isinstance(int8, Int8Index) and store.derived("vectors.i8") is not None
    int8.extra = 100  # the store is small: the default window would cover all of it
    plain = DenseIndex(store.vectors, None, "exact")
    # Both score candidate documents only (as a big store does), from their dense top rows.
    by_int8 = Retriever(store, bot.embedder, dense=scan, full_scan_below=0)
    float32 = Retriever(store, bot.embedder, dense=plain, full_scan_below=0)
    questions = _questions()[:40]
    same_top = same_five = 0
    for q in questions:
        query = bot.embedder.encode_query(q)
        # the same cosines, best first (rows may differ only between equal cosines)
        assert np.allclose(scan.search(query).scores, plain.search(query).scores, atol=1e-6)
        got = [h.row for h in by_int8.search(q, 5)]
        want = [h.row for h in float32.search(q, 5)]
        same_top += got[0] == want[0]
        same_five += got == want
    # The dense top is exact; rows below it carry their int8 cosine (within about 0.02), so
    # a near tie far down the list may fall the other way.
    assert same_top == len(questions)
    assert same_five >= 0.9 * len(questions)
    assert int8.fallbacks <= len(questions) // 2  # most proven by the int8 scan itself
