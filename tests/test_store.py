from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from qa import Bot
from qa.index import Store


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    # a distinct mtime even on coarse file systems
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    write(docs / "lighthouse.txt", "The lighthouse was built in 1852 by Alan Stevenson. "
          "It stands on a rock off the coast.\n\nIts light can be seen for 20 miles.")
    write(docs / "bakery.md", "# The bakery\n\nThe bakery opens at six every morning. "
          "Its sourdough sells out by noon.")
    return docs


def build(corpus: Path, store: Path, notes: list[str] | None = None) -> Bot:
    bot = Bot(corpus=corpus, store=store, notify=(notes.append if notes is not None else None))
    bot.reindex()
    return bot


def test_build_then_reload_without_embedding(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    bot = build(small_corpus, store_dir)
    store = bot.store
    assert store.count == 6
    assert {Path(d.path).name for d in store.documents} == {"lighthouse.txt", "bakery.md"}
    assert np.allclose(np.linalg.norm(store.vectors, axis=1), 1.0, atol=1e-4)
    meta = json.loads((store_dir / (store_dir / "CURRENT").read_text() / "meta.json").read_text())
    assert meta["format"] == 1 and meta["model"].startswith("all-MiniLM-L6-v2#")
    assert meta["count"] == 6 and meta["dim"] == 384

    calls: list[int] = []
    again = Bot(corpus=small_corpus, store=store_dir)
    original = again.embedder.encode
    again.embedder.encode = lambda texts, progress=False: (calls.append(len(texts)), original(texts, progress))[1]  # type: ignore[method-assign]
    assert again.store.count == 6
    assert calls == []  # nothing new: loaded, not embedded
    for row in range(store.count):
        s = again.store.sentence(row)
        text = Path(s.source).read_text(encoding="utf-8")
        assert text[s.start : s.end] == s.text


def test_incremental_update_embeds_only_changes(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    write(small_corpus / "bakery.md", "# The bakery\n\nThe bakery now opens at seven.")
    write(small_corpus / "new.txt", "A new park opened downtown.")
    (small_corpus / "lighthouse.txt").unlink()
    bot = Bot(corpus=small_corpus, store=store_dir)
    embedded: list[str] = []
    original = bot.embedder.encode
    bot.embedder.encode = lambda texts, progress=False: (embedded.extend(texts), original(texts, progress))[1]  # type: ignore[method-assign]
    store = bot.reindex()
    assert sorted(embedded) == sorted(["The bakery now opens at seven.",
                                       "A new park opened downtown.", "The bakery", "The bakery",
                                       "new"])
    assert {Path(d.path).name for d in store.documents} == {"bakery.md", "new.txt"}
    assert bot.ask("When does the bakery open?").hits[0].text == "The bakery now opens at seven."
    fresh = build(small_corpus, tmp_path / "fresh").store
    assert np.allclose(fresh.vectors, store.vectors, atol=1e-5)


def test_touched_file_is_not_embedded_again(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    os.utime(small_corpus / "bakery.md", ns=(1, time.time_ns() + 5_000_000))
    bot = Bot(corpus=small_corpus, store=store_dir)
    bot.embedder.encode = lambda texts, progress=False: pytest.fail("re-embedded")  # type: ignore
    assert bot.reindex().count == 6


def test_other_model_store_is_rebuilt_with_notice(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    gen = store_dir / (store_dir / "CURRENT").read_text()
    meta = json.loads((gen / "meta.json").read_text())
    meta["model"] = "some-other-model#123"
    (gen / "meta.json").write_text(json.dumps(meta))
    notes: list[str] = []
    bot = build(small_corpus, store_dir, notes)
    assert len(notes) == 1 and "some-other-model" in notes[0] and "rebuilding" in notes[0]
    assert bot.store.count == 6


def test_damaged_vectors_are_rebuilt(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    vectors = store_dir / (store_dir / "CURRENT").read_text() / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-7] ^= 0x40
    vectors.write_bytes(bytes(data))
    notes: list[str] = []
    bot = build(small_corpus, store_dir, notes)
    assert len(notes) == 1 and "damaged" in notes[0]
    assert Store.load(store_dir, bot.embedder.identity) is not None


def test_store_keeps_old_generation_until_new_one_is_complete(small_corpus: Path,
                                                              tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    first = (store_dir / "CURRENT").read_text()
    write(small_corpus / "extra.txt", "Another sentence about the harbour.")
    build(small_corpus, store_dir)
    second = (store_dir / "CURRENT").read_text()
    assert first != second
    assert not list(store_dir.glob("tmp-*"))


def test_stale_analysis_is_rewritten_without_embedding(small_corpus: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(small_corpus, store_dir)
    gen = store_dir / (store_dir / "CURRENT").read_text()
    meta = json.loads((gen / "meta.json").read_text())
    meta["extras"]["analysis_version"] = -1  # as written by an older qa
    (gen / "meta.json").write_text(json.dumps(meta))
    bot = Bot(corpus=small_corpus, store=store_dir)
    bot.embedder.encode = lambda texts, progress=False: pytest.fail("re-embedded")  # type: ignore
    store = bot.reindex()
    assert (store_dir / "CURRENT").read_text() != gen.name
    assert store.extras["analysis_version"] != -1
