"""Dense search: exact on hand-made vectors; the ANN index's recall against exact search."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.ann import INDEX_FILE, AnnIndex, DenseIndex, build_index, exact_scores, wants_ann

from .conftest import SEEDS, SHARED


def _unit(rows: list[list[float]]) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_exact_scores_on_hand_made_vectors() -> None:
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    query = _unit([[0.9, 0.1, 0]])[0]
    scores = exact_scores(vectors, query)
    assert int(np.argmax(scores)) == 0
    rows, values = DenseIndex(vectors, None, "exact").candidates(query, 2)
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
    build_index(vectors, tmp_path)
    dense = DenseIndex(vectors, tmp_path, "ann")
    assert dense.ann is not None
    query = vectors[17]
    rows, values = dense.candidates(query, 5)
    assert rows[0] == 17 and values[0] == pytest.approx(1.0, abs=1e-5)
    scores = dense.scores(query)
    assert scores.shape == (300,) and int(np.argmax(scores)) == 17
    # every row the index did not propose gets the lowest proposed cosine
    assert scores.min() == pytest.approx(float(dense.candidates(query)[1][-1]))


def test_damaged_or_foreign_index_falls_back_to_exact(tmp_path: Path) -> None:
    vectors = _unit(np.random.default_rng(1).normal(size=(50, 4)).tolist())
    build_index(vectors, tmp_path)
    assert AnnIndex.open(tmp_path, 51, 4) is None  # built for another store
    (tmp_path / INDEX_FILE).write_bytes(b"not an index")
    dense = DenseIndex(vectors, tmp_path, "ann")
    assert dense.ann is None and not dense.use_ann
    assert np.allclose(dense.scores(vectors[3]), exact_scores(vectors, vectors[3]))


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


def test_ann_recall_at_10_against_exact(ann_store: Path) -> None:
    from qa import Bot

    from qa.store import Store

    bot = Bot(corpus=SEEDS, store=ann_store, search="ann", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None and store.generation is not None
    assert (store.generation / INDEX_FILE).is_file()
    dense = DenseIndex(store.vectors, store.generation, "ann")
    exact = DenseIndex(store.vectors, store.generation, "exact")
    assert dense.ann is not None and exact.ann is None
    queries = [bot.embedder.encode_query(q) for q in _questions()]
    # sentences of the store as queries too: the hardest case, many near neighbours
    queries += [np.asarray(v) for v in store.vectors[:: max(1, store.count // 200)]]
    found = total = 0
    for q in queries:
        want = set(exact.candidates(q, 10)[0].tolist())
        got = set(dense.candidates(q)[0][:10].tolist())
        found += len(want & got)
        total += len(want)
    assert found / total >= 0.98


def test_bot_with_ann_answers_like_exact(ann_store: Path) -> None:
    from qa import Bot
    from qa.retrieve import Retriever
    from qa.store import Store

    bot = Bot(corpus=SEEDS, store=ann_store, search="ann", notify=lambda _: None)
    store = Store.load(ann_store, bot.embedder.identity)
    assert store is not None
    ann = Retriever(store, bot.embedder, dense=DenseIndex(store.vectors, store.generation, "ann"))
    exact = Retriever(store, bot.embedder, dense=DenseIndex(store.vectors, None, "exact"))
    # Rows the index does not propose get a bound, not their cosine, so answers may differ
    # where nothing is relevant (unanswerable questions); relevant answers must agree.
    questions = _questions()[:40]
    same = sum(ann.search(q, 1)[0].row == exact.search(q, 1)[0].row for q in questions)
    assert same / len(questions) >= 0.9
