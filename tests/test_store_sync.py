"""Keeping a store in step: a file that could not be read, and a second writer that waited.

Unreadable files are made with chmod 000. Root reads them anyway, so as root the runs that must
not read them are `qa index` in a subprocess started by setpriv without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH (as tests/test_reliability_store.py does for read-only stores): the kernel
then applies the permission bits to root as to anyone, nothing in qa is patched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.typing import NDArray

from qa import Bot
from qa.bot import Changes
from qa.embed import Embedder
from qa.index import sync
from qa.index.generation import CURRENT
from qa.ingest import Corpus
from qa.knowledge import StoredAnalysis
from qa.ui.cli import cli

from .test_store import write

SETPRIV = shutil.which("setpriv")
LIGHTHOUSE = "The lighthouse was built in 1852 by Alan Stevenson."
PARROT = "The lighthouse keeper's grey parrot was called Captain Biscuit."


def _corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    write(docs / "lighthouse.txt", f"{LIGHTHOUSE} It stands on a rock off the coast.\n")
    write(docs / "parrot.txt", f"Harbour life\n\n{PARROT} He whistled at ferries.\n")
    return docs


def _index_unprivileged(corpus: Path, store: Path | str) -> subprocess.CompletedProcess[str]:
    """`qa index` as a user the permission bits apply to (root without its overrides)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if SETPRIV is None:
            pytest.skip("running as root, and setpriv (to drop root's overrides) is missing")
        prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", "--"]
    return subprocess.run([*prefix, sys.executable, "-m", "qa", "index", "--corpus", str(corpus),
                           "--store", str(store)], check=False, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_an_unreadable_file_is_skipped_while_unreadable_and_back_once_readable(
        tmp_path: Path) -> None:
    corpus, store = _corpus(tmp_path), tmp_path / "store"
    args = ["index", "--corpus", str(corpus), "--store", str(store)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "(2 added, 0 changed, 0 removed, 0 skipped)" in first.output

    parrot = corpus / "parrot.txt"
    parrot.chmod(0o000)  # size and modification time stay as they were
    try:
        locked = _index_unprivileged(corpus, store)
        assert locked.returncode == 0, locked.stderr
        # Its rows left the store: removed, and listed as skipped with why.
        assert "(0 added, 0 changed, 1 removed, 1 skipped)" in locked.stdout
        assert "  - docs/parrot.txt\n" in locked.stdout
        assert "  ! docs/parrot.txt: cannot read (Permission denied)" in locked.stdout
        assert "content changed" not in locked.stderr  # only its mode did
        generation = (store / CURRENT).read_text()

        # Still unreadable: still listed, and the store is not written again for it.
        again = _index_unprivileged(corpus, store)
        assert again.returncode == 0, again.stderr
        assert "(0 added, 0 changed, 0 removed, 1 skipped)" in again.stdout
        assert "  ! docs/parrot.txt: cannot read (Permission denied)" in again.stdout
        assert (store / CURRENT).read_text() == generation
    finally:
        parrot.chmod(0o644)

    # Readable again (size and mtime as when it was skipped): read at once, no --verify needed.
    back = CliRunner().invoke(cli, args)
    assert back.exit_code == 0, back.output
    assert "(1 added, 0 changed, 0 removed, 0 skipped)" in back.output
    assert "  + docs/parrot.txt" in back.output and "!" not in back.output
    answer = Bot(corpus=corpus, store=store).ask("What was the parrot called?", k=1)
    assert answer.hits[0].text == PARROT


def test_what_the_listing_left_out_comes_from_the_sync_s_own_listing(tmp_path: Path) -> None:
    """`qa index` lists what listing the corpus left out (a broken link) as its sync found it
    (Store.left_out): the corpus is listed once, whether the sync wrote or had nothing to do."""
    corpus, store = _corpus(tmp_path), tmp_path / "store"
    broken = corpus / "gone.txt"
    broken.symlink_to(tmp_path / "nowhere.txt")
    args = ["index", "--corpus", str(corpus), "--store", str(store)]
    for counts in ("(2 added, 0 changed, 0 removed, 1 skipped)",
                   "(0 added, 0 changed, 0 removed, 1 skipped)"):  # wrote, then nothing to do
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert counts in result.output
        assert "  ! docs/gone.txt: broken symlink or symlink loop" in result.output
        bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
        assert bot.store.left_out == {str(broken): "broken symlink or symlink loop"}


class _Gated:
    """The real model, which on its first batch (the store's lock held) starts `then` and
    waits for it to be ready before embedding."""

    def __init__(self, embedder: Embedder, then: threading.Thread, ready: threading.Event):
        self.embedder, self.then, self.ready = embedder, then, ready

    @property
    def identity(self) -> str:
        return self.embedder.identity

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        if not self.then.is_alive() and not self.ready.is_set():
            self.then.start()
            assert self.ready.wait(60), "the second run never said it was waiting"
        return self.embedder.encode(texts, progress)


def test_a_second_index_waiting_for_the_lock_says_so_and_counts_only_its_own_work(
        tmp_path: Path) -> None:
    corpus, store = _corpus(tmp_path), tmp_path / "store"
    notes: list[str] = []
    waiting = threading.Event()

    def heard(message: str) -> None:
        notes.append(message)
        if message.startswith("waiting for another qa"):
            waiting.set()

    second = Bot(corpus=corpus, store=store, notify=heard)
    done: list[Changes] = []
    then = threading.Thread(target=lambda: done.append(second.update()), daemon=True)
    # The first run holds the lock while it embeds; the second starts meanwhile and waits.
    first = sync(store, Corpus.from_settings(second.settings),
                 _Gated(second.embedder, then, waiting), notify=lambda _: None,
                 analyzer=StoredAnalysis())
    then.join(60)
    assert first.count == 5 and len(done) == 1
    assert notes == [f"waiting for another qa to finish writing {store}"]
    changes = done[0]
    assert (changes.added, changes.changed, changes.removed) == ((), (), ())
    lines = changes.lines()
    assert lines[0].endswith("(0 added, 0 changed, 0 removed, 0 skipped)")
    assert lines[2] == "another qa brought the store up to date meanwhile: nothing was left to do"
