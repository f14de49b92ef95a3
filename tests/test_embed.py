"""The query model (ONNX export) against sentence-transformers, and what a fresh process imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embed import Embedder, QueryModel
from qa.index import Store
from qa.ingest import read_document
from qa.rank import Retriever
from qa.vectors import DenseIndex

from .conftest import ROOT, SEEDS, SHARED


@pytest.fixture(scope="module")
def st_embedder() -> Embedder:
    """Questions and documents both through sentence-transformers (no query model)."""
    return Embedder()


@pytest.fixture(scope="module")
def seed_sentences() -> list[str]:
    doc = read_document(next(SEEDS.glob("*.txt")), 10 << 20)
    return [s.text for s in doc.sentences] + [doc.title]


def _query_model(store: Path) -> QueryModel:
    embedder = Embedder(query_dir=store)
    model = embedder._load_query_model()
    assert model is not None, "the store should hold a query model"
    return model


def test_store_holds_query_model(seed_store: Path) -> None:
    folder = Embedder(query_dir=seed_store).query_folder
    assert folder is not None and folder.parent == seed_store
    info = json.loads((folder / "info.json").read_text())
    assert info["max_length"] == 256 and info["dim"] == 384
    assert {"model.onnx", "weights.bin", "embeddings.bin", "tokenizer.json"} <= set(info["files"])


def test_query_vectors_equal_sentence_transformers(
    seed_store: Path, st_embedder: Embedder, seed_sentences: list[str]
) -> None:
    expected = st_embedder._st_encode(seed_sentences)
    model = _query_model(seed_store)
    one_by_one = np.stack([model.encode([s])[0] for s in seed_sentences])
    batched = model.encode(seed_sentences)
    assert one_by_one.shape == expected.shape == (len(seed_sentences), 384)
    assert float((one_by_one * expected).sum(axis=1).min()) >= 0.9999
    assert float((batched * expected).sum(axis=1).min()) >= 0.9999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_truncates_like_sentence_transformers(seed_store: Path, st_embedder: Embedder) -> None:
    long = " ".join(["Stoltenberg met Vucic in Belgrade to talk about Kosovo."] * 80)
    got = _query_model(seed_store).encode([long])[0]
    assert float(got @ st_embedder._st_encode([long])[0]) >= 0.9999


def test_same_top5_rows_on_seed_dev(seed_store: Path, st_embedder: Embedder) -> None:
    path = SHARED / "eval" / "seed_dev.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    questions = [json.loads(line)["q"] for line in path.read_text().splitlines() if line.strip()]
    store = Store.load(seed_store, Embedder().identity)
    assert store is not None
    fast = Embedder(query_dir=seed_store)
    for embedder in (fast, st_embedder):
        assert embedder.query_dir is None or embedder._load_query_model() is not None
    fast_r = Retriever(store, fast, dense=DenseIndex(store.vectors, None, "exact"))
    slow_r = Retriever(store, st_embedder, dense=DenseIndex(store.vectors, None, "exact"))
    for q in questions:
        assert [h.row for h in fast_r.search(q, 5)] == [h.row for h in slow_r.search(q, 5)], q
        dense_fast = np.argsort(-(store.vectors @ fast.encode_query(q)))[:5]
        dense_slow = np.argsort(-(store.vectors @ st_embedder.encode_query(q)))[:5]
        assert dense_fast.tolist() == dense_slow.tolist(), q


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_qa_does_not_import_torch() -> None:
    out = _run("import sys, qa; print(sorted(m for m in ('torch', 'sentence_transformers', "
               "'transformers', 'onnxruntime') if m in sys.modules))")
    assert out.strip() == "[]"


def test_answer_from_existing_store_never_imports_torch(seed_store: Path) -> None:
    out = _run(
        "import sys, qa\n"
        f"bot = qa.Bot(corpus={str(SEEDS)!r}, store={str(seed_store)!r})\n"
        "print(bot.ask('what did Stoltenberg say about the KSF').hits[0].text)\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    assert "Kosovo Security Forces" in out
    assert out.strip().splitlines()[-1] == "False False"


def test_missing_or_damaged_query_model_is_rebuilt(seed_store: Path, tmp_path: Path) -> None:
    from qa import Bot

    store_dir = tmp_path / "store"
    shutil.copytree(seed_store, store_dir)
    folder = Embedder(query_dir=store_dir).query_folder
    assert folder is not None
    (folder / "weights.bin").write_bytes(b"truncated")  # stale: sizes no longer match
    bot = Bot(corpus=SEEDS, store=store_dir, notify=lambda _: None)
    assert bot.ask("what did Stoltenberg say about the KSF").hits
    assert bot.embedder._query_model is not None  # made again, then used
    assert json.loads((folder / "info.json").read_text())["files"]["weights.bin"] > 1 << 20
    shutil.rmtree(folder)
    assert Embedder(query_dir=store_dir).prepare_query_model()
    assert (folder / "info.json").is_file()
    assert not list(store_dir.glob(".query-tmp-*"))


def test_documents_deduplicated_and_in_order(st_embedder: Embedder) -> None:
    texts = ["NATO met in Brussels.", "Serbia is neutral.", "NATO met in Brussels.", "Hi"]
    got = st_embedder.encode(texts)
    assert got.shape == (4, 384)
    assert np.array_equal(got[0], got[2])
    assert float(got[1] @ st_embedder._st_encode(["Serbia is neutral."])[0]) >= 0.99999
