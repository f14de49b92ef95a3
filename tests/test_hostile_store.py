"""Hostile files and stores (issue 16): links out of the corpus, writes that fail half-way,
stores the user may not read, and changes that keep a file's size and modification time.

Each test failed before the fix it covers. Most run `sync` with the word-length encoder of
test_store.py (no model); one per finding goes through the `qa` command with the real model.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qa.config import Settings, load_settings
from qa.errors import ConfigError, StoreError
from qa.index import Store, sync, write_generation
from qa.ingest import Corpus, SkipFile, list_files, read_document
from qa.ui.cli import cli

from .conftest import ROOT, SEEDS
from .test_store import MODEL, WordLengths, _part, synthetic

EXTS = (".txt", ".md")
SEED = next(SEEDS.glob("*.txt"))
SECRET = "The vault combination is nobody nologin 4711 and must never be answered."


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _outside_link_message(link: Path) -> str:
    return (f"skipped {link}: links to {os.path.realpath(link)}, outside the corpus - "
            "set follow_links: true in the config to read it")


# --- links out of the corpus ------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus folder with links out of it (a file, a folder) and links inside it."""
    outside = tmp_path / "outside"
    (outside / "private").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "private" / "diary.txt").write_text("Dear diary, the spare key is under the mat.\n")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    shutil.copy(SEED, corpus / "article.txt")
    (corpus / "sub" / "notes.txt").write_text("The ferry leaves at nine.\n")
    os.symlink(outside / "secret.txt", corpus / "leak.txt")
    os.symlink(outside / "private", corpus / "private")
    os.symlink("sub", corpus / "inner")  # a second way into sub/: read once, no notice
    os.symlink("sub/notes.txt", corpus / "also-notes.txt")
    return corpus, outside


def test_a_link_out_of_the_corpus_is_skipped_with_one_line(linked: tuple[Path, Path]) -> None:
    corpus, _ = linked
    notes: list[str] = []
    found = list_files([corpus], EXTS, notes.append)
    assert found == [corpus / "article.txt", corpus / "sub" / "notes.txt"]
    assert notes == [_outside_link_message(corpus / "private"),  # folders come first
                     _outside_link_message(corpus / "leak.txt")]


def test_follow_links_reads_them(linked: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, outside = linked
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"corpus: {corpus}\nfollow_links: true\n")
    settings = load_settings(cfg)
    assert settings.follow_links and not Settings().follow_links
    notes: list[str] = []
    found = Corpus.from_settings(settings).files(notes.append)
    assert found == [corpus / "article.txt", corpus / "sub" / "notes.txt",
                     outside / "private" / "diary.txt", outside / "secret.txt"]
    assert notes == []
    cfg.write_text("follow_links: yes please\n")
    with pytest.raises(ConfigError, match="'follow_links' in c.yaml must be true or false"):
        load_settings(cfg)


def test_links_inside_the_corpus_are_read_once_and_loops_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "notes.txt").write_text("The ferry leaves at nine.\n")
    os.symlink("sub", corpus / "a-way-in")  # walked before sub/ itself
    os.symlink("sub/notes.txt", corpus / "also-notes.txt")
    os.symlink("..", corpus / "sub" / "up")  # a loop
    notes: list[str] = []
    assert list_files([corpus], EXTS, notes.append) == [corpus / "sub" / "notes.txt"]
    assert notes == [f"skipped {corpus / 'a-way-in' / 'up'}: symlink loop (folder already visited)"]


def test_a_link_into_another_corpus_path_is_inside(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "b.txt").write_text("Second folder text.\n")
    (tmp_path / "single.txt").write_text("A file named as corpus.\n")
    os.symlink(second / "b.txt", first / "b.txt")
    os.symlink(tmp_path / "single.txt", first / "single.txt")
    notes: list[str] = []
    found = list_files([first, second, tmp_path / "single.txt"], EXTS, notes.append)
    assert found == [second / "b.txt", tmp_path / "single.txt"] and notes == []


def test_a_link_named_as_corpus_is_followed(linked: tuple[Path, Path], tmp_path: Path) -> None:
    _, outside = linked
    os.symlink(outside, tmp_path / "named")
    os.symlink(outside / "secret.txt", tmp_path / "named.txt")
    notes: list[str] = []
    found = list_files([tmp_path / "named", tmp_path / "named.txt"], EXTS, notes.append)
    assert found == [outside / "private" / "diary.txt", outside / "secret.txt"] and notes == []


def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    victim = corpus / "a.txt"
    victim.write_text("Harmless text.\n")
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (listed,) = Corpus((corpus,), EXTS, 10_000).files(lambda _: None)
    victim.unlink()
    os.symlink(tmp_path / "secret.txt", victim)
    with pytest.raises(SkipFile, match="became a symlink after it was listed"):
        Corpus((corpus,), EXTS, 10_000).read(listed)
    assert "vault" in read_document(listed, 10_000).text  # a caller that follows links


def test_sync_skips_the_link_once_and_never_stores_its_text(linked: tuple[Path, Path],
                                                             tmp_path: Path) -> None:
    corpus, _ = linked
    notes: list[str] = []
    store = sync(tmp_path / "store", Corpus((corpus,), EXTS, 10_000), WordLengths(),
                 notify=notes.append)
    assert [Path(d.path).name for d in store.documents] == ["article.txt", "notes.txt"]
    assert not any("vault" in store.text(r) for r in range(store.count))
    assert sorted(notes) == sorted([_outside_link_message(corpus / "leak.txt"),
                                    _outside_link_message(corpus / "private")])
    notes.clear()
    again = sync(tmp_path / "store", Corpus((corpus,), EXTS, 10_000), WordLengths(),
                 notify=notes.append)
    assert again.generation == store.generation and notes == []  # told when indexing only


def test_qa_does_not_answer_from_a_link_out_of_the_corpus(linked: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    """The issue's reproduction, with a private file standing in for /etc/passwd."""
    corpus, _ = linked
    code, out, err = _run(["-q", "nobody nologin vault combination", "-k", "5", "--corpus",
                           str(corpus), "--store", str(tmp_path / "store")])
    assert code == 0, err
    assert "vault" not in out and "4711" not in out and "spare key" not in out
    assert f"qa: {_outside_link_message(corpus / 'leak.txt')}" in err.splitlines()


# --- a write that fails leaves nothing behind -----------------------------------------------


def _story(n: int) -> str:
    return "\n\n".join(f"Paragraph {i} says the harbour wall number {i} was rebuilt in stone."
                       for i in range(n)) + "\n"


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _entries(store: Path) -> list[str]:
    return sorted(p.name for p in store.iterdir())


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MB tmpfs (needs root), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        gc.collect()  # stores of the test still map files of it: the mount would be busy
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mount)], capture_output=True)


def test_a_write_that_fills_the_disk_removes_its_generation(small_disk: Path,
                                                            tmp_path: Path) -> None:
    corpus, store_dir = tmp_path / "corpus", small_disk / "store"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_story(20))
    old = sync(store_dir, Corpus((corpus,), EXTS, 1 << 20), WordLengths(), notify=print)
    (small_disk / "filler").write_bytes(b"\0" * (_free(small_disk) - 64 * 1024))
    (corpus / "b.txt").write_text(_story(3000))  # about 200 KB of text: it cannot fit
    before, free = _entries(store_dir), _free(small_disk)
    with pytest.raises(StoreError, match="could not be written .* the store as it was is "
                                         "untouched"):
        sync(store_dir, Corpus((corpus,), EXTS, 1 << 20), WordLengths(), notify=print)
    assert _entries(store_dir) == before  # no tmp-* folder
    assert _free(small_disk) == free  # the disk is as full as it was, not fuller
    kept = Store.load(store_dir, WordLengths.identity)
    assert kept is not None and kept.generation == old.generation


_FSIZE = """
import resource, signal, sys
from pathlib import Path
from qa.index import sync
from qa.ingest import Corpus
from qa.errors import StoreError
from tests.test_store import WordLengths
corpus, store = Path(sys.argv[1]), Path(sys.argv[2])
sync(store, Corpus((corpus,), (".txt",), 1 << 20), WordLengths(), notify=print)
(corpus / "b.txt").write_text(Path(sys.argv[3]).read_text())
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
try:
    sync(store, Corpus((corpus,), (".txt",), 1 << 20), WordLengths(), notify=print)
except StoreError as exc:
    print("StoreError:", exc)
"""


def test_a_write_over_the_file_size_limit_removes_its_generation(tmp_path: Path) -> None:
    """The same failure without root: RLIMIT_FSIZE makes the big texts file fail (EFBIG)."""
    corpus, store_dir = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_story(20))
    (tmp_path / "big.txt").write_text(_story(3000))  # added after the first build
    result = subprocess.run([sys.executable, "-c", _FSIZE, str(corpus), str(store_dir),
                             str(tmp_path / "big.txt")], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert "StoreError:" in result.stdout and "could not be written" in result.stdout, (
        result.stdout + result.stderr)
    assert _entries(store_dir) == ["CURRENT", "gen-000001", "lock"]


def test_a_generation_that_cannot_be_named_current_is_removed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    synthetic(store_dir)
    current = store_dir / "CURRENT"
    current.unlink()
    current.mkdir()  # renaming a file over a folder fails
    parts = [_part("/c/a.txt", ["One."], np.eye(3, dtype=np.float32)[:1])]
    with pytest.raises(OSError):
        write_generation(store_dir, MODEL, parts, {}, {})
    assert _entries(store_dir) == ["CURRENT", "gen-000001"]


# --- a store the user may not read is not damaged --------------------------------------------

SETPRIV = shutil.which("setpriv")
# Root reads any file, so qa runs as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH:
# the permission bits then really apply to it (as in test_reliability_store.py).
NO_OVERRIDE = [SETPRIV or "setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
needs_setpriv = pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None,
                                   reason="needs root and setpriv to drop the right to read")

_SYNC = """
import sys
from pathlib import Path
from qa.errors import QAError
from qa.index import sync
from qa.ingest import Corpus
from tests.test_store import WordLengths
try:
    store = sync(Path(sys.argv[2]), Corpus((Path(sys.argv[1]),), (".txt",), 1 << 20),
                 WordLengths(), notify=lambda m: print("notice:", m))
    print("opened", store.generation.name)
except QAError as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


def _snapshot(store: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_mode)
            for p in [store, *store.rglob("*")]}


def _denied(corpus: Path, store: Path, hide: Path) -> tuple[str, dict[str, tuple[int, int, int]]]:
    """Run sync without the right to read `hide` (mode 000); its output, and the store after."""
    mode = hide.stat().st_mode
    hide.chmod(0)
    before = _snapshot(store)
    try:
        result = subprocess.run([*NO_OVERRIDE, sys.executable, "-c", _SYNC, str(corpus),
                                 str(store)], capture_output=True, text=True, timeout=300,
                                cwd=ROOT)
        assert result.stderr == "", result.stderr
        assert _snapshot(store) == before  # nothing rebuilt, nothing written
        return result.stdout, before
    finally:
        hide.chmod(mode)


@needs_setpriv
@pytest.mark.parametrize("hide", ["CURRENT", "store", "generation", "meta.json",
                                  "vectors.npy"])
def test_a_store_the_user_may_not_read_is_named_so_and_left_alone(hide: str,
                                                                   tmp_path: Path) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_story(5))
    built = sync(store, Corpus((corpus,), (".txt",), 1 << 20), WordLengths(), notify=print)
    assert built.generation is not None
    gen = built.generation
    path = {"CURRENT": store / "CURRENT", "store": store, "generation": gen,
            "meta.json": gen / "meta.json", "vectors.npy": gen / "vectors.npy"}[hide]
    out, _ = _denied(corpus, store, path)
    # the file that could not be opened: a folder's is the first file read in it
    where = {store: store / "CURRENT", gen: gen / "meta.json"}.get(path, path)
    assert out.splitlines() == [
        f"StorePermissionError: cannot read store {store} (permission denied on "
        f"{where}) - make it readable to your user (its owner can run chmod -R u+rwX "
        f"{store}) or choose another store folder (--store DIR, or store= in the library)"
    ], out
    assert "damaged" not in out


@needs_setpriv
def test_qa_names_a_permission_problem_and_exits_1(seed_store: Path, tmp_path: Path) -> None:
    """The issue's reproduction through the command, with the real model."""
    store = tmp_path / "store"
    shutil.copytree(seed_store, store)
    (store / "CURRENT").chmod(0)
    before = _snapshot(store)
    result = subprocess.run([*NO_OVERRIDE, sys.executable, "-m", "qa", "-q", "Who is Vucic?",
                             "--corpus", str(SEEDS), "--store", str(store)],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot read store {store} (permission denied on {store / 'CURRENT'}) - make "
        f"it readable to your user (its owner can run chmod -R u+rwX {store}) or choose "
        "another store folder (--store DIR, or store= in the library)"]
    assert _snapshot(store) == before


@needs_setpriv
def test_a_store_the_user_may_not_write_is_named_so(tmp_path: Path) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_story(5))
    sync(store, Corpus((corpus,), (".txt",), 1 << 20), WordLengths(), notify=print)
    (corpus / "b.txt").write_text("A new file makes a new generation.\n")
    out, _ = _denied(corpus, store, store / "lock")  # the folder is writable, its lock is not
    assert out.splitlines() == [
        f"StorePermissionError: cannot write store {store} (permission denied on "
        f"{store / 'lock'}) - make it writable to your user (its owner can run chmod -R "
        f"u+rwX {store}) or choose another store folder (--store DIR, or store= in the "
        "library)"], out


# --- a change that keeps size and mtime -----------------------------------------------------


def _edit_in_place(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (same length) and put the modification time back."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    path.write_text(path.read_text().replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


@pytest.fixture
def harbour(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour wall was rebuilt in granite blocks in 1902.\n\n"
                                  "The lighthouse keeper kept a grey parrot.\n")
    (corpus / "b.txt").write_text("The ferry leaves at nine every morning.\n")
    return corpus


def _texts(store: Store) -> list[str]:
    return [store.text(r) for r in range(store.count)]


def test_a_change_that_keeps_size_and_mtime_is_found_in_a_small_corpus(harbour: Path,
                                                                       tmp_path: Path) -> None:
    corpus, encoder, notes = Corpus((harbour,), EXTS, 1 << 20), WordLengths(), []
    old = sync(tmp_path / "store", corpus, encoder, notify=notes.append)
    _edit_in_place(harbour / "a.txt", "granite blocks in 1902", "limestone bricks, 1911")
    new = sync(tmp_path / "store", corpus, encoder, notify=notes.append)
    assert new.generation != old.generation
    assert "The harbour wall was rebuilt in limestone bricks, 1911." in _texts(new)
    assert notes == [f"read {harbour / 'a.txt'} again: its content changed but its size and "
                     "modification time did not"]
    assert encoder.seen[-3:] == ["The harbour wall was rebuilt in limestone bricks, 1911.",
                                 "The lighthouse keeper kept a grey parrot.", "a"]  # a.txt only
    again = sync(tmp_path / "store", corpus, encoder, notify=notes.append)
    assert again.generation == new.generation  # in step: nothing read, nothing written


def test_verify_finds_it_in_a_corpus_too_large_to_check_every_time(
        harbour: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("qa.index.sync")  # qa.index.sync is also the function
    monkeypatch.setattr(module, "CONTENT_CHECK_SECONDS", 0.0)  # every corpus is large
    corpus, encoder = Corpus((harbour,), EXTS, 1 << 20), WordLengths()
    old = sync(tmp_path / "store", corpus, encoder, notify=print)
    _edit_in_place(harbour / "b.txt", "nine", "ten.")
    assert sync(tmp_path / "store", corpus, encoder, notify=print).generation == old.generation
    new = sync(tmp_path / "store", corpus, encoder, notify=print, verify=True)
    assert "The ferry leaves at ten. every morning." in " ".join(_texts(new))
    assert "The ferry leaves at nine every morning." not in _texts(new)


def test_a_store_written_before_hashes_were_kept(harbour: Path, tmp_path: Path) -> None:
    """Such a store is read as it is; --verify reads every file once and re-embeds only what
    changed; a store with hashes stays readable by a qa that does not know them."""
    store_dir, corpus, encoder = tmp_path / "store", Corpus((harbour,), EXTS, 1 << 20), \
        WordLengths()
    built = sync(store_dir, corpus, encoder, notify=print)
    assert built.generation is not None
    meta_path = built.generation / "meta.json"
    meta = json.loads(meta_path.read_text())
    assert [len(h) for h in meta["file_sha1"]] == [40, 40]
    assert set(meta["documents"][0]) == {"path", "title", "size", "mtime_ns", "sha1", "first",
                                         "count"}  # as before: an older qa reads it
    del meta["file_sha1"]
    meta_path.write_text(json.dumps(meta))
    old = Store.load(store_dir, WordLengths.identity)
    assert old is not None and [d.file_sha1 for d in old.documents] == ["", ""]
    _edit_in_place(harbour / "b.txt", "nine", "ten.")
    seen = len(encoder.seen)
    # Every sync: the store cannot tell this change, so it trusts size and mtime as it did.
    assert sync(store_dir, corpus, encoder, notify=print).generation == old.generation
    verified = sync(store_dir, corpus, encoder, notify=print, verify=True)
    assert encoder.seen[seen:] == ["The ferry leaves at ten. every morning.", "b"]
    assert all(len(d.file_sha1) == 40 for d in verified.documents)


def test_qa_index_verify_and_every_question_see_the_change(tmp_path: Path) -> None:
    """The issue's reproduction through the command, with the real model."""
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "lighthouse.txt").write_text(
        "The lighthouse keeper's grey parrot was called Captain Biscuit.\n\n"
        "The lighthouse was painted red and white in 1921.\n")
    args = ["--corpus", str(corpus), "--store", str(store)]
    assert _run(["index", *args])[0] == 0
    _edit_in_place(corpus / "lighthouse.txt", "Captain Biscuit", "Admiral Crumpet")
    code, out, err = _run(["-q", "What was the parrot called?", "-k", "1", *args])
    assert code == 0 and "Admiral Crumpet" in out and "Captain Biscuit" not in out, out + err
    _edit_in_place(corpus / "lighthouse.txt", "Admiral Crumpet", "Captain Biscuit")
    code, out, err = _run(["index", "--verify", *args])
    assert code == 0 and "2 sentences from 1 document in" in out and "1 changed" in out
    assert "its content changed but its size and modification time did not" in err
