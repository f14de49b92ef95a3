"""A store indexed by an older qa, whose loaders read some format worse, is read again by the
first sync of a newer one (qa.index.sync, LOADERS_VERSION in qa.ingest.extracted): unchanged
files too, re-embedding only those whose text came out different; once, and said once.

The older qa is played for real: LOADERS_VERSION set back to 5 while it indexes, and its PDF
loader's reading of newsletter.pdf (which lost a sentence, as version 5 lost PDF lines) kept in
the extraction cache under version 5, where that qa looks it up instead of parsing.
"""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Bot
from qa.config import cache_dir
from qa.index import Store
from qa.index.sync import IndexInterrupted
from qa.ingest import LOADERS_VERSION, Loaded, extracted, loader_for
from qa.ingest.extracted import ExtractionCache
from qa.ui.cli import cli

sync_module = importlib.import_module("qa.index.sync")  # qa.index.sync is also the function
FORMATS = Path(__file__).parent / "data" / "formats"
LOST = "Tickets are sold at the kiosk on Pier Road from seven in the morning."
TIDE = "High tide at the harbour mouth is at noon on Saturday."


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FORMATS / "newsletter.pdf", corpus / "newsletter.pdf")
    (corpus / "tides.txt").write_text(f"Tides\n\n{TIDE}\n", encoding="utf-8")
    return corpus


def _index_as_older_qa(corpus: Path, store: Path | str) -> None:
    """Index `corpus` as a qa of loaders version 5 would have, its PDF reading missing LOST."""
    pdf = corpus / "newsletter.pdf"
    data = pdf.read_bytes()
    now = loader_for(pdf).load(pdf, data)  # this qa's reading, in the loaders' worker
    cut = now.text.index(LOST)
    size = len(LOST) + 1
    worse = Loaded(now.text[:cut] + now.text[cut + size:], now.title,
                   {o if o <= cut else o - size: loc for o, loc in now.locations.items()})
    with pytest.MonkeyPatch.context() as older:
        older.setattr(extracted, "LOADERS_VERSION", 5)
        older.setattr(sync_module, "LOADERS_VERSION", 5)
        older.setattr(importlib.import_module("qa.index.writer"), "LOADERS_VERSION", 5)
        if isinstance(store, str):
            older.setattr(importlib.import_module("qa.milvus.backend"), "LOADERS_VERSION", 5)
        ExtractionCache(cache_dir() / "extracted").put(data, "PdfLoader", worse)
        bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
        bot.reindex()
        if isinstance(store, str):
            bot.backend.close()  # type: ignore[attr-defined]


def _texts(store: Store) -> list[str]:
    return [store.text(r) for r in range(store.count)]


def _counting(bot: Bot) -> list[str]:
    """The texts `bot` embeds from now on."""
    embedded: list[str] = []
    original = bot.embedder.encode
    bot.embedder.encode = lambda texts, progress=False: (  # type: ignore[method-assign]
        embedded.extend(texts), original(texts, progress))[1]
    return embedded


def test_a_store_of_older_loaders_is_read_again_once_with_the_better_text(
        tmp_path: Path) -> None:
    corpus, store_dir = _corpus(tmp_path), tmp_path / "store"
    _index_as_older_qa(corpus, store_dir)
    old = Store.load(store_dir, Bot(corpus=corpus, store=store_dir).embedder.identity)
    assert old is not None and old.loaders == 5 and LOST not in _texts(old)

    notes: list[str] = []
    bot = Bot(corpus=corpus, store=store_dir, notify=notes.append)
    embedded = _counting(bot)
    changes = bot.update()
    assert LOST in _texts(bot.store) and bot.store.loaders == LOADERS_VERSION
    assert changes.read_again == ("2 files read again: qa reads their format better now "
                                  "(1 with new text)")
    assert changes.read_again in changes.lines()
    assert changes.changed == () and changes.added == () and notes == []
    # Only the PDF, whose text changed, was embedded again; the text file's vectors stand.
    assert LOST in embedded and TIDE not in embedded
    assert bot.ask("Where are ferry tickets sold?").hits[0].text == LOST
    generation = (store_dir / "CURRENT").read_text()

    again = Bot(corpus=corpus, store=store_dir)
    again.embedder.encode = lambda texts, progress=False: pytest.fail("embedded")  # type: ignore
    later = again.update()
    assert later.read_again == "" and later.changed == ()
    assert (store_dir / "CURRENT").read_text() == generation  # nothing written


def test_a_store_written_before_the_version_was_kept_is_read_again_once(
        tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tides.txt").write_text(f"Tides\n\n{TIDE}\n", encoding="utf-8")
    (corpus / "notes.md").write_text("# Ferry\n\nThe ferry leaves at nine.\n", encoding="utf-8")
    store_dir = tmp_path / "store"
    args = ["index", "--corpus", str(corpus), "--store", str(store_dir)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    meta_file = store_dir / (store_dir / "CURRENT").read_text() / "meta.json"
    meta = json.loads(meta_file.read_text())
    assert meta["loaders"] == LOADERS_VERSION
    del meta["loaders"]  # as a qa before this one wrote it
    meta_file.write_text(json.dumps(meta))

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    line = "2 files read again: qa reads their format better now (0 with new text)"
    assert result.output.splitlines()[1:3] == ["read 1 Markdown, 1 text", line]
    assert "(0 added, 0 changed, 0 removed, 0 skipped)" in result.output
    assert line not in result.stderr  # said once, in the summary
    reread = json.loads((store_dir / (store_dir / "CURRENT").read_text() / "meta.json")
                        .read_text())
    assert reread["loaders"] == LOADERS_VERSION and reread["documents"] == meta["documents"]

    later = CliRunner().invoke(cli, args)
    assert later.exit_code == 0 and "read again" not in later.output + later.stderr


def test_a_reread_cut_short_leaves_the_old_store_and_the_next_run_finishes_it(
        tmp_path: Path) -> None:
    corpus, store_dir = _corpus(tmp_path), tmp_path / "store"
    _index_as_older_qa(corpus, store_dir)
    generation = (store_dir / "CURRENT").read_text()

    def interrupted(texts: list[str], progress: bool = False) -> None:
        raise KeyboardInterrupt

    bot = Bot(corpus=corpus, store=store_dir, notify=lambda _: None)
    bot.embedder.encode = interrupted  # type: ignore[assignment]
    with pytest.raises(IndexInterrupted):
        bot.update()
    assert (store_dir / "CURRENT").read_text() == generation
    old = Store.load(store_dir, bot.embedder.identity)  # whole, as the older qa left it
    assert old is not None and old.loaders == 5 and LOST not in _texts(old)

    changes = Bot(corpus=corpus, store=store_dir, notify=lambda _: None).update()
    assert changes.read_again.startswith("2 files read again")
    assert LOST in _texts(Store.load(store_dir, bot.embedder.identity))  # type: ignore[union-attr]


def test_a_milvus_collection_of_older_loaders_is_read_again_once(tmp_path: Path) -> None:
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    corpus, store = _corpus(tmp_path), f"milvus://{tmp_path / 'qa.db'}"
    _index_as_older_qa(corpus, store)

    bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
    embedded = _counting(bot)
    changes = bot.update()
    assert changes.read_again == ("2 files read again: qa reads their format better now "
                                  "(1 with new text)")
    assert LOST in embedded and TIDE not in embedded
    assert bot.ask("Where are ferry tickets sold?").hits[0].text == LOST
    bot.backend.close()  # type: ignore[attr-defined]

    again = Bot(corpus=corpus, store=store, notify=lambda _: None, embedder=bot.embedder)
    again.embedder.encode = lambda texts, progress=False: pytest.fail("embedded")  # type: ignore
    assert again.update().read_again == ""
    again.backend.close()  # type: ignore[attr-defined]
