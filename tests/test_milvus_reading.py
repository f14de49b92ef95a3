"""Readers of a Milvus store that hold no rows (qa.milvus.reading) and readers that never
write (milvus_read_only), against a real Milvus Lite engine and the real model.

Skipped when pymilvus or milvus-lite is not installed (`pip install 'qa[milvus]'`).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from pathlib import Path

from qa import Bot
from qa.config import Settings
from qa.errors import ConfigError, StoreError
from qa.index import Wanted
from qa.milvus.reading import CorpusStore
from tests.test_milvus import (
    QUESTIONS,
    _qa,
    answers,
    consistent,
    corpus_in,
    milvus_bot,
    rows_and_manifest,
)


def test_a_reader_holding_no_rows_answers_as_the_local_store(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
    remote = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder,
                        milvus_mirror_below=0)
    got = answers(remote)
    assert isinstance(remote.store, CorpusStore)
    assert remote.store.count == local.store.count
    assert not remote.backend.mirror.exists()  # type: ignore[attr-defined]
    assert got == answers(local)
    assert any(a["hits"] for a in got)
    # how near the nearest sentence comes (About.faint), asked directly or after a search
    for q in QUESTIONS:
        assert remote.retriever.near(q) == pytest.approx(local.retriever.near(q), abs=1e-5), q
        rows = [h.row for h in remote.retriever.search(q, 3)]
        assert remote.retriever.about(q, rows).closest == pytest.approx(
            local.retriever.near(q)[0], abs=1e-5), q
    # Limited to one file, and leaving out rows already shown: the same rows too.
    news = next(p for p in corpus.iterdir() if p.name.startswith("news-"))
    for q in QUESTIONS[:3]:
        assert (remote.ask(q, within=str(news)).to_dict()
                == local.ask(q, within=str(news)).to_dict())
        shown = frozenset(h.row for h in local.retriever.search(q, 1))
        assert ([h.row for h in remote.retriever.search(q, 3, skip=shown)]
                == [h.row for h in local.retriever.search(q, 3, skip=shown)])
    remote.backend.close()  # type: ignore[attr-defined]


def test_a_question_s_rows_are_weighed_with_the_whole_corpus(tmp_path: Path) -> None:
    """The small store of a question's documents gives its rows the BM25 of the whole store,
    and knows every word the whole corpus knows."""
    corpus = corpus_in(tmp_path)
    local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
    remote = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder,
                        milvus_mirror_below=0)
    question = "What did Okafor say about the harbour?"
    intent = local.retriever.intent(question)
    vector = local.embedder.encode_query(intent.text)
    store = remote.store
    assert store.narrow is not None
    # Few proposals, so that the question's documents are some of the corpus, not all.
    narrowed = store.narrow(Wanted((vector,), (intent.text,), intent.terms, 2, 2, 1))
    assert 0 < narrowed.store.count < local.store.count
    whole, best = local.store.lexicon.scores(intent.terms, narrowed.rows)
    part, part_best = narrowed.store.lexicon.scores(intent.terms)
    assert np.array_equal(whole, part) and best == part_best
    assert np.array_equal(narrowed.store.vectors, local.store.vectors[narrowed.rows])
    texts = [narrowed.store.text(r) for r in range(narrowed.store.count)]
    assert texts == [local.store.text(int(r)) for r in narrowed.rows]
    # The words the question's reading looks up are known as the whole corpus knows them.
    for t in intent.terms:
        assert (t in narrowed.store.lexicon.vocab) == (t in local.store.lexicon.vocab)
    remote.backend.close()  # type: ignore[attr-defined]


def test_a_read_only_reader_asks_without_writing(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    db = tmp_path / "qa.db"
    writer = milvus_bot(corpus, db, milvus_mirror_below=0)
    expected = answers(writer)
    writer.backend.close()  # type: ignore[attr-defined]
    before = rows_and_manifest(db)
    # The reader's corpus has moved on (a file gone, one added): it still asks the collection
    # as the indexer left it, and writes nothing.
    next(p for p in corpus.iterdir() if p.name.startswith("harbour-")).unlink()
    (corpus / "new.txt").write_text("The new ferry terminal opened in March.\n")
    for below in (0, Settings.milvus_mirror_below):  # a question at a time, and mirrored
        reader = milvus_bot(corpus, db, embedder=writer.embedder, milvus_read_only=True,
                            milvus_mirror_below=below)
        assert answers(reader) == expected
        reader.backend.close()  # type: ignore[attr-defined]
    # No corpus at all: a reader needs none (sources are then shown as absolute paths).
    reader = Bot(store=f"milvus://{db}", embedder=writer.embedder, milvus_read_only=True,
                 notify=lambda _: None, milvus_mirror_below=0)
    got = reader.ask(QUESTIONS[0]).to_dict()
    assert [(h["text"], h["score"], h["path"]) for h in got["hits"]] == [
        (h["text"], h["score"], h["path"]) for h in expected[0]["hits"]]
    with pytest.raises(StoreError, match="milvus_read_only is set: this qa never writes"):
        reader.update()
    reader.backend.close()  # type: ignore[attr-defined]
    assert rows_and_manifest(db) == before
    consistent(db)


def test_read_only_misuse_is_one_line(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    with pytest.raises(ConfigError, match="milvus_read_only is for a Milvus store"):
        Bot(corpus=corpus, store=tmp_path / "local", milvus_read_only=True)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"corpus: {corpus}\nstore: milvus://{tmp_path / 'empty.db'}\n"
                   "milvus_read_only: true\n")
    for args in (("-q", "Who is Vucic?"), ("index",)):
        result = _qa("--config", str(cfg), *args, cwd=tmp_path)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "holds no store yet" in lines[0] or "never writes" in lines[0], lines[0]


def test_a_conversation_on_a_reader_holding_no_rows_follows_the_same_story(tmp_path: Path
                                                                          ) -> None:
    from qa.chat import Conversation
    from tests.test_conversation import BAKERY, MARATHON

    corpus = tmp_path / "stories"
    corpus.mkdir()
    (corpus / "bakery.md").write_text(BAKERY, encoding="utf-8")
    (corpus / "marathon.md").write_text(MARATHON, encoding="utf-8")
    local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
    remote = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder,
                        milvus_mirror_below=0)
    talks = [Conversation(local), Conversation(remote)]
    for question in ("Which bakery won the national bread prize?", "who came second?", "more",
                     "Who won the Kessington marathon?"):
        mine, theirs = (t.ask(question, k=1).to_dict() for t in talks)
        assert mine == theirs, question
    assert "Dunmore Loaf" in talks[1].history[1].answer.hits[0].text
    remote.backend.close()  # type: ignore[attr-defined]


def test_pages_and_sections_are_cited_on_milvus_as_on_the_folder(tmp_path: Path) -> None:
    """A PDF's hits cite their page and a Markdown file's their section, from a mirror, from
    rows fetched again after the mirror is gone, and from a reader holding no rows."""
    import shutil

    from tests.conftest import DATA

    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name in ("report.pdf", "handbook.md"):
        shutil.copy(DATA / "formats" / name, corpus / name)
    local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
    store = local.store
    asked = [store.text(r) for d in store.documents for r in range(d.first + 1,
                                                                   d.first + d.count, 3)][:8]
    want = [local.ask(q, k=1).to_dict() for q in asked]
    assert any(w["hits"][0]["page"] for w in want)
    assert any(w["hits"][0]["section"] for w in want)
    mirrored = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder)
    assert [mirrored.ask(q, k=1).to_dict() for q in asked] == want
    mirror = mirrored.backend.mirror  # type: ignore[attr-defined]
    mirrored.backend.close()  # type: ignore[attr-defined]
    shutil.rmtree(mirror)  # the next reader fetches the rows, and the places, again
    again = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder)
    assert [again.ask(q, k=1).to_dict() for q in asked] == want
    again.backend.close()  # type: ignore[attr-defined]
    narrow = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder,
                        milvus_mirror_below=0)
    assert [narrow.ask(q, k=1).to_dict() for q in asked] == want
    narrow.backend.close()  # type: ignore[attr-defined]
