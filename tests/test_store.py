from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa import Bot
from qa.errors import CorpusError, GenerationMissingError, StoreCorruptError
from qa.index import DocInfo, Part, Store, sync, write_generation
from qa.ingest import Corpus


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


# --- the seams and the files of a generation, without the model ------------------------------

MODEL = "fake-model#1"


def _part(path: str, texts: list[str], vectors: np.ndarray) -> Part:
    sentences, pos = [], 0
    for text in texts:
        sentences.append((text, 0, pos, pos + len(text)))
        pos += len(text) + 1
    return Part(DocInfo(path, Path(path).stem, 1, 1, "", 0, len(texts)), sentences,
                vectors.astype(np.float32), vectors[0].astype(np.float32))


def synthetic(store_dir: Path) -> Store:
    """A two-document store written directly, with hand-made vectors (no model)."""
    eye = np.eye(3, dtype=np.float32)
    store_dir.mkdir()
    write_generation(store_dir, MODEL, [_part("/c/a.txt", ["One.", "Two."], eye[:2]),
                                        _part("/c/b.txt", ["Three."], eye[2:])], {}, {})
    store = Store.load(store_dir, MODEL)
    assert store is not None and store.count == 3
    return store


def _generation(store_dir: Path) -> Path:
    return store_dir / (store_dir / "CURRENT").read_text()


class WordLengths:
    """A DocumentEncoder: three numbers per text from its word lengths, unit length."""

    identity = "word-lengths#1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.seen.extend(texts)
        rows = [[len(w) for w in (t.split() + ["", "", ""])[:3]] for t in texts]
        out = np.asarray(rows, dtype=np.float32) + 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class CountSentences:
    """An Analyzer: the number of sentences, and a per-sentence array of document numbers."""

    version = 1

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, parts: Sequence[Part]) -> dict[str, object]:
        self.calls += 1
        doc = [d for d, p in enumerate(parts) for _ in p.sentences]
        return {"version": self.version, "sentences": len(doc),
                "doc": np.asarray(doc, dtype=np.int32)}

    def current(self, store: Store) -> bool:
        return store.extras.get("version") == self.version and "doc" in store.extra_arrays


def test_sync_through_its_seams(small_corpus: Path, tmp_path: Path) -> None:
    corpus = Corpus((small_corpus,), (".txt", ".md"), 10_000)
    encoder, analyzer, notes = WordLengths(), CountSentences(), []
    store = sync(tmp_path / "store", corpus, encoder, notify=notes.append, analyzer=analyzer)
    assert store.count == 6 and store.meta["model"] == "word-lengths#1" and notes == []
    assert len(encoder.seen) == 6 + 2  # sentences, then one title per document
    assert store.extras["sentences"] == 6
    assert store.extra_arrays["doc"].tolist() == [0, 0, 0, 1, 1, 1]  # bakery.md sorts first

    # Unchanged: the same generation, nothing embedded or analysed.
    again = sync(tmp_path / "store", corpus, encoder, notify=notes.append, analyzer=analyzer)
    assert again.generation == store.generation and len(encoder.seen) == 8 and analyzer.calls == 1

    # A newer analyzer: written again, nothing embedded.
    analyzer.version = 2
    newer = sync(tmp_path / "store", corpus, encoder, notify=notes.append, analyzer=analyzer)
    assert newer.generation != store.generation and len(encoder.seen) == 8
    assert newer.extras["version"] == 2

    # One file changed: only its sentences and title are embedded.
    write(small_corpus / "bakery.md", "# The bakery\n\nThe bakery now opens at seven.")
    sync(tmp_path / "store", corpus, encoder, notify=notes.append, analyzer=analyzer)
    assert encoder.seen[8:] == ["The bakery", "The bakery now opens at seven.", "The bakery"]

    with pytest.raises(CorpusError, match=r"add \.txt or \.md files"):
        sync(tmp_path / "other", Corpus((tmp_path / "store",), (".txt", ".md"), 10_000),
             encoder, notify=notes.append)


def test_generation_lists_every_file_it_holds(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    gen = _generation(tmp_path / "store")
    meta = json.loads((gen / "meta.json").read_text())
    assert set(meta["files"]) | {"meta.json"} == {p.name for p in gen.iterdir()}
    store.keep("extra.bin", lambda p: p.write_bytes(b"12345678"))
    derived = json.loads((gen / "derived.json").read_text())
    assert set(meta["files"]) | set(derived) | {"meta.json", "derived.json"} == {
        p.name for p in gen.iterdir()}


def test_kept_file_is_found_by_name(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    made = store.keep("cosines.f32", lambda p: p.write_bytes(b"\x00" * 12))
    assert made == _generation(tmp_path / "store") / "cosines.f32" and made.read_bytes() == b"\x00" * 12
    assert store.derived("cosines.f32") == made
    reopened = Store.load(tmp_path / "store", MODEL)
    assert reopened is not None and reopened.derived("cosines.f32") == made
    # np.save adds ".npy" to a name without it: the temporary name keeps the suffix.
    saved = store.keep("codes.npy", lambda p: np.save(p, np.arange(3)))
    assert saved is not None and np.load(saved).tolist() == [0, 1, 2]
    # Present but never listed, or no generation at all: not found.
    (made.parent / "stray.bin").write_bytes(b"x")
    assert store.derived("stray.bin") is None and store.derived("missing.bin") is None
    assert not [p for p in made.parent.iterdir() if p.name.startswith(".")]


def test_derived_file_of_another_size_is_not_used(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    made = store.keep("cosines.f32", lambda p: p.write_bytes(b"\x00" * 12))
    assert made is not None
    with open(made, "ab") as f:
        f.write(b"\x00")
    assert store.derived("cosines.f32") is None
    reopened = Store.load(tmp_path / "store", MODEL)  # verified: not an error, just unused
    assert reopened is not None and reopened.derived("cosines.f32") is None
    # Kept again, it is used again.
    assert reopened.keep("cosines.f32", lambda p: p.write_bytes(b"\x01" * 12)) == made
    assert reopened.derived("cosines.f32") == made


def test_derived_file_changed_in_place_fails_its_checksum(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    made = store.keep("cosines.f32", lambda p: p.write_bytes(b"\x00" * 12))
    assert made is not None
    made.write_bytes(b"\x07" * 12)  # same size, new mtime
    os.utime(made, ns=(time.time_ns(), time.time_ns() + 5_000_000))
    reopened = Store.load(tmp_path / "store", MODEL)
    assert reopened is not None and reopened.derived("cosines.f32") is None
    unchecked = Store.load(tmp_path / "store", MODEL, verify=False)
    assert unchecked is not None and unchecked.derived("cosines.f32") == made


def test_unreadable_manifest_of_derived_files_is_no_failure(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    made = store.keep("cosines.f32", lambda p: p.write_bytes(b"\x00" * 12))
    assert made is not None
    for garbage in ("{", "[1, 2]", '{"cosines.f32": 12}', '{"cosines.f32": {"size": "x"}}'):
        (made.parent / "derived.json").write_text(garbage)
        reopened = Store.load(tmp_path / "store", MODEL)
        assert reopened is not None and reopened.derived("cosines.f32") is None


def test_keep_refuses_names_of_the_generation_or_outside_it(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    for name in ("vectors.npy", "meta.json", "derived.json", "texts.bin", "../CURRENT",
                 "sub/x.bin", ".hidden", "", "..", "."):
        with pytest.raises(ValueError, match="derived file name"):
            store.keep(name, lambda p: p.write_bytes(b"x"))
    with pytest.raises(ValueError, match="no regular file"):
        store.keep("nothing.bin", lambda p: None)
    assert store.count == 3 and Store.load(tmp_path / "store", MODEL) is not None


def test_failed_keep_leaves_nothing(tmp_path: Path) -> None:
    store = synthetic(tmp_path / "store")
    gen = _generation(tmp_path / "store")
    before = sorted(p.name for p in gen.iterdir())

    def fail(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    assert store.keep("big.bin", fail) is None
    assert sorted(p.name for p in gen.iterdir()) == before
    assert store.derived("big.bin") is None


def test_missing_generation_is_a_store_error(tmp_path: Path) -> None:
    synthetic(tmp_path / "store")
    (tmp_path / "store" / "CURRENT").write_text("gen-000099")
    with pytest.raises(GenerationMissingError, match="gen-000099"):
        Store.load(tmp_path / "store", MODEL)
    assert issubclass(GenerationMissingError, StoreCorruptError)


def test_store_written_before_derived_files_loads_as_it_is(tmp_path: Path) -> None:
    """A generation with no derived.json (every store written so far) loads and finds none."""
    synthetic(tmp_path / "store")
    gen = _generation(tmp_path / "store")
    (gen / "ann.usearch").write_bytes(b"an index no manifest lists")
    store = Store.load(tmp_path / "store", MODEL)
    assert store is not None and store.derived("ann.usearch") is None
    assert store.text(2) == "Three." and store.sentence(1).text == "Two."
