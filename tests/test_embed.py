"""The query model (ONNX export) against sentence-transformers, where it is kept, and what a
fresh process imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa import Bot
from qa.config import cache_dir
from qa.embed import Embedder, QueryModel
from qa.index import Store
from qa.ingest import read_document
from qa.rank import Retriever
from qa.vectors import DenseIndex

from .conftest import ROOT, SEEDS, SHARED

QUESTION = "what did Stoltenberg say about the KSF"


@pytest.fixture(scope="module")
def st_embedder() -> Embedder:
    """Questions and documents both through sentence-transformers (no query model)."""
    return Embedder()


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def seed_sentences() -> list[str]:
    doc = read_document(next(SEEDS.glob("*.txt")), 10 << 20)
    return [s.text for s in doc.sentences] + [doc.title]


def _query_model(store: Path) -> QueryModel:
    """The query model the store's bot answers with (made when the store was built)."""
    model = Embedder(cache=cache_dir()).load_query_model()
    assert model is not None, "the cache should hold a query model"
    return model


def test_cache_holds_query_model(seed_store: Path) -> None:
    folder = Embedder(cache=cache_dir()).query_folder
    assert folder is not None and folder.parent == cache_dir() / "query-models"
    info = json.loads((folder / "info.json").read_text())
    assert info["max_length"] == 256 and info["dim"] == 384
    assert {"model.onnx", "weights.bin", "embeddings.bin", "tokenizer.json"} <= set(info["files"])
    assert not list(seed_store.glob("query-model*"))  # the store holds none of it


def test_query_model_exported_once_for_every_store(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    first = Bot(corpus=SEEDS, store=tmp_path / "one", notify=_quiet)
    first.reindex()
    folder = first.embedder.query_folder
    assert folder is not None and folder.is_relative_to(tmp_path / "cache")
    made = (folder / "info.json").stat()
    second = Bot(corpus=SEEDS, store=tmp_path / "two", notify=_quiet)
    second.reindex()  # embeds the corpus again, with torch loaded: the export is reused
    assert second.ask(QUESTION).hits
    model = second.embedder.load_query_model()
    assert model is not None and model.folder == folder
    again = (folder / "info.json").stat()
    assert (again.st_ino, again.st_mtime_ns) == (made.st_ino, made.st_mtime_ns)
    assert [p.name for p in (tmp_path / "cache" / "query-models").iterdir()] == [folder.name]


def test_unwritable_cache_falls_back_to_sentence_transformers(
    seed_bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("QA_CACHE", str(tmp_path / "file" / "cache"))  # cannot be made
    bot = Bot(corpus=SEEDS, store=seed_bot.settings.store, notify=_quiet)
    answer = bot.ask(QUESTION)
    assert bot.embedder.load_query_model() is None and bot.embedder.torch_loaded
    assert [h.row for h in answer.hits] == [h.row for h in seed_bot.ask(QUESTION).hits]
    assert not (tmp_path / "file" / "cache").exists()


def test_one_shot_opens_one_onnx_session(seed_bot: Bot) -> None:
    seed_bot.ask(QUESTION)  # embeds the question and its topic ("say about the KSF")
    model = seed_bot.embedder.load_query_model()
    assert model is not None
    assert (model.calls, model.sessions) == (2, 1)
    # A conversation: the optimised session from here on (a new question: the retriever
    # keeps the vectors of the last few texts it embedded, so asking again embeds nothing).
    seed_bot.ask("What did Vucic say about NATO?")
    assert (model.calls, model.sessions) == (4, 2)
    seed_bot.ask("What did Vucic say about NATO?")
    assert (model.calls, model.sessions) == (4, 2)


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
    fast = Embedder(cache=cache_dir())
    assert fast.load_query_model() is not None and st_embedder.load_query_model() is None
    fast_r = Retriever(store, fast, dense=DenseIndex(store.vectors, None, "exact"))
    slow_r = Retriever(store, st_embedder, dense=DenseIndex(store.vectors, None, "exact"))
    for q in questions:
        assert [h.row for h in fast_r.search(q, 5)] == [h.row for h in slow_r.search(q, 5)], q
        dense_fast = np.argsort(-(store.vectors @ fast.encode_query(q)))[:5]
        dense_slow = np.argsort(-(store.vectors @ st_embedder.encode_query(q)))[:5]
        assert dense_fast.tolist() == dense_slow.tolist(), q


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300, check=False)
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


def test_missing_or_damaged_query_model_is_rebuilt(
    seed_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_folder = Embedder(cache=cache_dir()).query_folder
    assert shared_folder is not None and shared_folder.is_dir()
    cache = tmp_path / "cache"
    monkeypatch.setenv("QA_CACHE", str(cache))
    folder = Embedder(cache=cache).query_folder
    assert folder is not None
    shutil.copytree(shared_folder, folder)  # a private copy to damage
    (folder / "weights.bin").write_bytes(b"truncated")  # stale: sizes no longer match
    bot = Bot(corpus=SEEDS, store=seed_store, notify=_quiet)
    assert bot.ask(QUESTION).hits
    model = bot.embedder.load_query_model()
    assert model is not None and model.folder == folder  # made again, then used
    assert json.loads((folder / "info.json").read_text())["files"]["weights.bin"] > 1 << 20
    shutil.rmtree(folder)
    assert Embedder(cache=cache).prepare_query_model()
    assert (folder / "info.json").is_file()
    assert not list(folder.parent.glob(".tmp-*"))


def test_documents_deduplicated_and_in_order(st_embedder: Embedder) -> None:
    texts = ["NATO met in Brussels.", "Serbia is neutral.", "NATO met in Brussels.", "Hi"]
    got = st_embedder.encode(texts)
    assert got.shape == (4, 384)
    assert np.array_equal(got[0], got[2])
    assert float(got[1] @ st_embedder._st_encode(["Serbia is neutral."])[0]) >= 0.99999
