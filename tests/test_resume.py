"""Ctrl-C while indexing keeps the work done: a real SIGINT to a real `qa index`, then a run
that goes on from there (issue 12)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from qa.embed import Embedder
from qa.index import embedding, sync
from qa.index.sync import CHUNK_SENTENCES, PARTIAL, IndexInterrupted
from qa.ingest import Corpus

from .test_first_run import qa_env

PLACES = ["Greyhaven", "Millbrook", "Portmill", "Ashford", "Kelby", "Dunmore", "Larchwick",
          "Stourby", "Fenmouth", "Oakhollow"]
THINGS = ["bridge", "library", "harbour wall", "school roof", "town hall", "bus depot",
          "water tower", "market hall", "ferry pier", "sports ground"]


def _corpus(folder: Path, files: int, per_file: int) -> int:
    """Council reports, each sentence different: how many sentences they hold."""
    folder.mkdir()
    for f in range(files):
        place = PLACES[f % len(PLACES)]
        lines = [f"{place} council report {f + 1}", ""]
        for s in range(per_file):
            thing = THINGS[(f + s) % len(THINGS)]
            lines.append(f"In week {s + 1} the {place} council spent {(f + 1) * (s + 3)} pounds "
                         f"on the {thing}, said treasurer number {f * per_file + s}.")
            lines.append("")
        (folder / f"report-{f:03d}.txt").write_text("\n".join(lines), encoding="utf-8")
    return files * (per_file + 1)  # the title line is a sentence too


@pytest.mark.slow
def test_ctrl_c_keeps_the_work_and_the_next_run_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "reports"
    total = _corpus(corpus, files=60, per_file=50)
    assert total > 4 * CHUNK_SENTENCES
    store = tmp_path / "store"
    args = [sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--store", str(store)]
    # Ctrl-C reaches a foreground command; a run started in the background of a script
    # without job control inherits SIGINT ignored, and the test would see no interruption
    proc = subprocess.Popen(args, cwd=tmp_path, env=qa_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while not list(store.glob(f"{PARTIAL}/*/*.npy")):  # the first chunk is saved
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk saved in 240 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one clean line: no traceback, no "Aborted!"
    assert lines[0].startswith("qa: stopped: ") and "sentences embedded are kept" in lines[0]
    assert out == ""
    assert not (store / "CURRENT").exists()  # nothing half-done was published
    kept = len(list(store.glob(f"{PARTIAL}/*/*.npy")))
    assert 0 < kept < 60

    again = subprocess.run(args, cwd=tmp_path, env=qa_env(), capture_output=True, text=True,
                           timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert "going on from an interrupted run" in again.stderr
    done = int(again.stderr.split("run: ")[1].split(" of ")[0].replace(",", ""))
    assert done >= kept  # at least one sentence per saved file was not embedded again
    assert f"{total:,} sentences from 60 documents" in again.stdout
    assert "(60 added, 0 changed, 0 removed, 0 skipped)" in again.stdout
    assert not (store / PARTIAL).exists()  # published: the partial work is gone

    answer = subprocess.run(
        [*args[:3], "-q", "How much did the Kelby council spend on the water tower in week 3?",
         "--json", "--corpus", str(corpus), "--store", str(store)],
        cwd=tmp_path, env=qa_env(), capture_output=True, text=True, timeout=300, check=False)
    assert answer.returncode == 0, answer.stderr
    # (Kelby's reports name the water tower in week 3, never the bridge: asking for the bridge
    # is declined, as the corpus is silent on it.)
    top = json.loads(answer.stdout)["hits"][0]["text"]
    assert top.startswith("In week 3 the Kelby council spent") and "water tower" in top


class _StopAfter:
    """The real model, cut short (as by Ctrl-C) when asked to embed more than `chunks` times."""

    def __init__(self, embedder: Embedder, chunks: int) -> None:
        self.embedder, self.left = embedder, chunks

    @property
    def identity(self) -> str:
        return self.embedder.identity

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return self.embedder.encode(texts, progress)


def _docs(folder: Path) -> Corpus:
    folder.mkdir()
    (folder / "lighthouse.txt").write_text(
        "The lighthouse\n\nThe lighthouse was built in 1852 by Alan Stevenson.\n")
    # No short first line: titled by its file name, "harbour diary".
    (folder / "harbour-diary.txt").write_text(
        "The keeper rang the bell at dawn. He logged the weather twice a day.\n")
    return Corpus((folder,), (".txt", ".md"), 1 << 20)


@pytest.fixture
def one_file_a_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Partial work saved after each file, so a run can be cut short between two files."""
    monkeypatch.setattr(embedding, "CHUNK_SENTENCES", 1)


@pytest.mark.usefixtures("one_file_a_chunk")
def test_partial_work_left_by_a_killed_rebuild_goes_once_a_run_has_nothing_to_do(
        tmp_path: Path) -> None:
    corpus, store, embedder = _docs(tmp_path / "docs"), tmp_path / "store", Embedder()
    sync(store, corpus, embedder, notify=lambda _: None)
    generation = (store / "CURRENT").read_text()
    with pytest.raises(IndexInterrupted):
        sync(store, corpus, _StopAfter(embedder, 1), notify=lambda _: None, rebuild=True)
    assert list(store.glob(f"{PARTIAL}/*/*.npy"))  # one file's vectors, kept for a rerun

    again = sync(store, corpus, embedder, notify=lambda _: None)  # nothing changed
    assert (store / "CURRENT").read_text() == generation  # the store as it was, in use
    assert again.count == 4
    assert not (store / PARTIAL).exists()  # and no vectors left taking disk


@pytest.mark.usefixtures("one_file_a_chunk")
def test_partial_work_left_by_a_killed_run_goes_once_a_run_has_nothing_to_do(
        tmp_path: Path) -> None:
    corpus, store, embedder = _docs(tmp_path / "docs"), tmp_path / "store", Embedder()
    sync(store, corpus, embedder, notify=lambda _: None)
    generation = (store / "CURRENT").read_text()
    for name in ("a-ferry.txt", "b-pier.txt"):  # two new files: the run stops between them
        (corpus.paths[0] / name).write_text(f"The {name[2:-4]} opened in May 2024.\n")
    with pytest.raises(IndexInterrupted):
        sync(store, corpus, _StopAfter(embedder, 1), notify=lambda _: None)
    assert list(store.glob(f"{PARTIAL}/*/*.npy"))
    for name in ("a-ferry.txt", "b-pier.txt"):  # the user thinks better of them
        (corpus.paths[0] / name).unlink()

    sync(store, corpus, embedder, notify=lambda _: None)  # the store holds the corpus as it is
    assert (store / "CURRENT").read_text() == generation
    assert not (store / PARTIAL).exists()


@pytest.mark.usefixtures("one_file_a_chunk")
def test_partial_work_is_reused_only_for_what_it_is_the_vectors_of(tmp_path: Path) -> None:
    """The same text under another name can have another title (from the file name): the title
    vector kept for it does not fit."""
    corpus, store, embedder = _docs(tmp_path / "docs"), tmp_path / "store", Embedder()
    with pytest.raises(IndexInterrupted):  # harbour-diary.txt, first by name, is embedded
        sync(store, corpus, _StopAfter(embedder, 1), notify=lambda _: None)
    diary = corpus.paths[0] / "harbour-diary.txt"
    diary.rename(diary.with_name("keeper-log.txt"))  # its title is now "keeper log"

    built = sync(store, corpus, embedder, notify=lambda _: None)
    for d, doc in enumerate(built.documents):
        texts = [doc.title] + [built.text(r) for r in range(doc.first, doc.first + doc.count)]
        expected = embedder.encode(texts)
        got = np.vstack([built.title_vectors[d], built.vectors[doc.first:doc.first + doc.count]])
        assert np.allclose(got, expected, atol=1e-3), f"vectors of {doc.path} are not of its text"
