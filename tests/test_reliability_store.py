"""Store faults: killed writers, damaged files, a foreign model, two writers, read-only stores.

Every fault is injected into a real store built by the real model from real news stories, and
the next run must answer correctly from a complete store: the old one or the new one, never a
mix. Damage is detected (sizes, checksums, shapes), reported in one notice, and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qa import Bot
from qa.embed import Embedder
from qa.index import Store

from .conftest import SEEDS, SHARED
from .test_store import MODEL, synthetic

SEED = next(SEEDS.glob("*.txt"))
NEWS = SHARED / "corpora" / "bbc-news" / "news"
KSF_Q = "What did Stoltenberg say about the Kosovo Security Forces?"
KSF_A = "Kosovo Security Forces"
PARROT = "The lighthouse keeper's grey parrot was called Captain Biscuit."
PARROT_Q = "What was the lighthouse keeper's parrot called?"
KILLS = int(os.environ.get("QA_KILLS", "20"))  # half on incremental runs, half on --rebuild
# Stories in the corpus each killed run indexes: a run's cost is mostly importing torch and
# loading the model, so 8 stories (110 sentences with the seed article) still give every phase
# to hit, for two thirds of the CPU of 30 (measured: 14 s against 21 s per `qa index --rebuild`).
KILL_STORIES = 8
QA = [sys.executable, "-m", "qa"]


def _news(n: int) -> list[tuple[str, str]]:
    """The first n tech stories, cut to their first three paragraphs (a second or two to embed)."""
    if not NEWS.is_dir():
        pytest.skip(f"{NEWS} not available")
    out = []
    for path in sorted((NEWS / "tech").glob("*.txt"))[:n]:
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        out.append((path.name, "\n\n".join(paragraphs[:4]).strip() + "\n"))
    return out


def _state_a(corpus: Path, stories: list[tuple[str, str]]) -> None:
    """The first state: the seed article and the stories."""
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    shutil.copy(SEED, corpus / "seed.txt")
    for name, text in stories:
        (corpus / name).write_text(text, encoding="utf-8")


def _state_b(corpus: Path, stories: list[tuple[str, str]]) -> None:
    """The second state: one story changed, one deleted, one file added."""
    _state_a(corpus, stories)
    first, second = stories[0][0], stories[1][0]
    (corpus / first).write_text(stories[0][1] + "\nThe story was updated on Friday.\n")
    (corpus / second).unlink()
    (corpus / "parrot.txt").write_text(f"Harbour life\n\n{PARROT} He whistled at ferries.\n")


def _fingerprint(corpus: Path) -> dict[str, str]:
    """What a complete store of this corpus holds: document path -> sha1 of its text."""
    return {str(p.resolve()): hashlib.sha1(p.read_text(encoding="utf-8").encode()).hexdigest()
            for p in sorted(corpus.iterdir())}


def _held(store_dir: Path, identity: str) -> dict[str, str]:
    store = Store.load(store_dir, identity, verify=True)  # raises on any damage
    assert store is not None
    assert np.isfinite(np.asarray(store.vectors)).all()
    assert sum(d.count for d in store.documents) == store.count
    return {d.path: d.sha1 for d in store.documents}


@pytest.fixture(scope="module")
def identity() -> str:
    return Embedder().identity


# --- SIGKILL at random moments --------------------------------------------------------------


def _index(corpus: Path, store: Path, rebuild: bool) -> subprocess.Popen[bytes]:
    args = [*QA, "index", "--corpus", str(corpus), "--store", str(store)]
    return subprocess.Popen(args + (["--rebuild"] if rebuild else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_writing(store: Path, proc: subprocess.Popen[bytes], limit: float) -> float | None:
    """Seconds until a new generation starts being written (a tmp-* folder), or None."""
    started = time.monotonic()
    before = set(os.listdir(store)) if store.exists() else set()
    while time.monotonic() - started < limit and proc.poll() is None:
        names = set(os.listdir(store)) if store.exists() else set()
        if any(n.startswith("tmp-") for n in names - before):
            return time.monotonic() - started
        time.sleep(0.001)
    return None


@pytest.mark.slow
@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_sigkill_at_random_moments_never_leaves_a_partial_store(
        tmp_path: Path, identity: str, rebuild: bool) -> None:
    """KILLS // 2 kills of `qa index` of one kind (the two kinds can run on two workers)."""
    rng = random.Random(20261127 + rebuild)
    kills = KILLS // 2
    stories = _news(KILL_STORIES)
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    states = {"A": _state_a, "B": _state_b}
    _state_b(corpus, stories)
    prints = {"B": _fingerprint(corpus)}
    _state_a(corpus, stories)
    prints["A"] = _fingerprint(corpus)
    Bot(corpus=corpus, store=store, notify=lambda _: None).reindex()

    # One undisturbed run, to time the whole run and its writing phase.
    current = "B"
    states[current](corpus, stories)
    proc = _index(corpus, store, rebuild)
    started = time.monotonic()
    to_write = _wait_for_writing(store, proc, 600)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    total = time.monotonic() - started
    to_write = to_write or total
    writing = total - to_write
    assert _held(store, identity) == prints[current]

    outcomes = {"old": 0, "new": 0, "finished": 0, "mid-write": 0, "renamed, CURRENT not yet": 0}
    moments = []
    for round_no in range(kills):
        old = current
        current = "B" if current == "A" else "A"
        states[current](corpus, stories)
        proc = _index(corpus, store, rebuild)
        started = time.monotonic()
        if round_no % 2 == 0:  # anywhere in the run, model loading included
            delay = rng.uniform(0.2, 1.1) * total
            time.sleep(delay)
        else:  # inside the writing phase: arrays, rename, CURRENT, clean-up
            seen = _wait_for_writing(store, proc, 600)
            # Half in the first moments (the arrays, fsync, rename, CURRENT), half anywhere in
            # what follows (clean-up of old generations, exit).
            window = 0.3 if round_no % 4 == 1 else 1.2 * writing
            time.sleep(rng.uniform(0, window))
            delay = time.monotonic() - started if seen is not None else float("nan")
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        moments.append(round(delay / total, 2))

        held = _held(store, identity)
        assert held in (prints[old], prints[current]), f"round {round_no}: a partial store"
        outcomes["finished" if finished else ("new" if held == prints[current] else "old")] += 1
        names = os.listdir(store)
        current_gen = (store / "CURRENT").read_text()
        if any(n.startswith("tmp-") for n in names):
            outcomes["mid-write"] += 1  # killed while writing the arrays
        elif any(n.startswith("gen-") and n > current_gen for n in names):
            outcomes["renamed, CURRENT not yet"] += 1
        assert len([p for p in store.iterdir() if p.name.startswith("gen-")]) <= 3

        # The next run answers correctly, bringing the store up to date.
        bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
        assert KSF_A in bot.ask(KSF_Q).hits[0].text
        parrot = bot.ask(PARROT_Q)
        if current == "B":
            assert parrot.hits and parrot.hits[0].text.startswith(PARROT)
        else:
            assert all(not h.text.startswith(PARROT) for h in parrot.hits)  # parrot.txt is gone
        assert _held(store, identity) == prints[current]
        assert len([p for p in store.iterdir() if p.name.startswith("tmp-")]) <= 1

    print(f"\n{kills} SIGKILLs: {outcomes}; kill moments as a fraction of a full run: "
          f"{sorted(moments)}; a run took {total:.1f} s, writing {writing:.1f} s of it")
    assert outcomes["old"] + outcomes["new"] >= kills // 2  # most kills hit a live writer


# --- damaged stores -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus and a complete store of it, built once; tests damage copies."""
    root = tmp_path_factory.mktemp("template")
    corpus = root / "corpus"
    _state_b(corpus, _news(3))
    Bot(corpus=corpus, store=root / "store", notify=lambda _: None).reindex()
    return corpus, root / "store"


def _copy(template: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    corpus, store = template
    shutil.copytree(store, tmp_path / "store")  # copy2 keeps mtimes, as an untouched store has
    return corpus, tmp_path / "store"


def _generation(store: Path) -> Path:
    return store / (store / "CURRENT").read_text().strip()


def _truncate(store: Path) -> None:
    path = _generation(store) / "vectors.npy"
    os.truncate(path, path.stat().st_size // 2)


def _flip_bit(store: Path) -> None:
    path = _generation(store) / "vectors.npy"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10  # inside the float data, past the .npy header
    path.write_bytes(bytes(data))


def _meta_count(store: Path) -> None:
    meta_path = _generation(store) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["count"] -= 5
    meta_path.write_text(json.dumps(meta))


def _swap_vectors(store: Path) -> None:
    """vectors.npy from a smaller store, with meta.json's file table updated to match."""
    gen = _generation(store)
    vectors = np.load(gen / "vectors.npy")
    np.save(gen / "vectors.npy", vectors[:-3])
    meta = json.loads((gen / "meta.json").read_text())
    st = (gen / "vectors.npy").stat()
    meta["files"]["vectors.npy"] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                    "crc32": 0}
    (gen / "meta.json").write_text(json.dumps(meta))


def _other_model(store: Path) -> None:
    meta_path = _generation(store) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["model"] = "paraphrase-multilingual-MiniLM-L12-v2#0123456789abcdef"
    meta_path.write_text(json.dumps(meta))


def _other_format(store: Path) -> None:
    meta_path = _generation(store) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format"] = 99
    meta_path.write_text(json.dumps(meta))


def _truncate_meta(store: Path) -> None:
    path = _generation(store) / "meta.json"
    os.truncate(path, 100)


def _garbage_current(store: Path) -> None:
    (store / "CURRENT").write_bytes(b"\xff\xfe../../etc\x00")


def _current_points_nowhere(store: Path) -> None:
    (store / "CURRENT").write_text("gen-999999")


def _delete_texts(store: Path) -> None:
    (_generation(store) / "texts.bin").unlink()


def _shuffle_rows(store: Path) -> None:
    """rows.npy from another order: same size, so only the checksum can tell."""
    path = _generation(store) / "rows.npy"
    rows = np.load(path)
    np.save(path, rows[::-1].copy())


FAULTS = {
    "truncated vectors": (_truncate, "damaged"),
    "bit-flipped vectors": (_flip_bit, "damaged"),
    "meta count out of step": (_meta_count, "damaged"),
    "vectors out of step with meta": (_swap_vectors, "damaged"),
    "rows reordered": (_shuffle_rows, "damaged"),
    "different model": (_other_model, "was built with model paraphrase-multilingual"),
    "other store format": (_other_format, "store format 99"),
    "truncated meta.json": (_truncate_meta, "damaged"),
    "garbage CURRENT": (_garbage_current, "damaged"),
    "CURRENT names a missing generation": (_current_points_nowhere, "damaged"),
    "texts.bin deleted": (_delete_texts, "damaged"),
}


# The fast tier damages a store in two ways (a checksum, a foreign model); `make test` in all.
FAST_FAULTS = {"bit-flipped vectors", "different model"}


@pytest.mark.parametrize("fault", [
    f if f in FAST_FAULTS else pytest.param(f, marks=pytest.mark.slow) for f in sorted(FAULTS)])
def test_damaged_store_is_detected_and_rebuilt(template: tuple[Path, Path], tmp_path: Path,
                                               identity: str, fault: str) -> None:
    corpus, store = _copy(template, tmp_path)
    damage, says = FAULTS[fault]
    damage(store)
    messages: list[str] = []
    bot = Bot(corpus=corpus, store=store, notify=messages.append)
    hit = bot.ask(PARROT_Q).hits[0]
    assert hit.text.startswith(PARROT)
    assert KSF_A in bot.ask(KSF_Q).hits[0].text
    assert len(messages) == 1, messages
    assert says in messages[0] and "rebuilding it" in messages[0], messages[0]
    assert str(store) in messages[0]
    assert _held(store, identity) == _fingerprint(corpus)
    # Once rebuilt, the next run is quiet.
    again: list[str] = []
    Bot(corpus=corpus, store=store, notify=again.append).reindex()
    assert again == []


# --- two writers ------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_processes_indexing_the_same_store(tmp_path: Path, identity: str) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    _state_b(corpus, _news(6))
    procs = [subprocess.Popen([*QA, "index", "--corpus", str(corpus), "--store", str(store)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    # The same store reported by both; each counts only what it did itself.
    heads = sorted(out.splitlines()[0] for out, _ in results)
    assert heads[0].endswith("(0 added, 0 changed, 0 removed, 0 skipped)"), heads
    assert heads[1].endswith("(7 added, 0 changed, 0 removed, 0 skipped)"), heads
    assert heads[0].split(" (")[0] == heads[1].split(" (")[0]
    assert sum("another qa brought the store up to date meanwhile: nothing was left to do"
               in out for out, _ in results) == 1
    assert _held(store, identity) == _fingerprint(corpus)
    # The second writer waited on the lock and reused the first one's work.
    assert (store / "CURRENT").read_text() == "gen-000001"
    assert [p.name for p in store.iterdir() if p.name.startswith(("gen-", "tmp-"))] == [
        "gen-000001"]


@pytest.mark.slow
def test_readers_during_a_rebuild_see_a_complete_store(tmp_path: Path, identity: str) -> None:
    """Questions asked while `qa index --rebuild` runs read the old or the new store, whole."""
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    stories = _news(6)
    _state_a(corpus, stories)
    Bot(corpus=corpus, store=store, notify=lambda _: None).reindex()
    old = _fingerprint(corpus)
    _state_b(corpus, stories)
    new = _fingerprint(corpus)
    seen = {"old": 0, "new": 0}
    for _ in range(2):  # two rebuilds: the second deletes the generation the first replaced
        proc = _index(corpus, store, rebuild=True)
        while proc.poll() is None:
            held = _held(store, identity)
            assert held in (old, new)
            seen["old" if held == old else "new"] += 1
            time.sleep(0.005)
        assert proc.wait() == 0
    assert _held(store, identity) == new
    assert seen["old"] and seen["new"], seen


# --- read-only stores -----------------------------------------------------------------------


SETPRIV = shutil.which("setpriv")


def _tmpfs(path: Path) -> bool:
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def _snapshot(store: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in store.rglob("*")}


@pytest.fixture
def read_only(tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """(prefix of the qa command, store dir, make-read-only, make-writable) for one method.

    'mount': a tmpfs remounted read-only - the kernel refuses every write, even root's.
    'chmod': a 0555 folder, with qa run as root without CAP_DAC_OVERRIDE (via setpriv), so
    the permission bits really apply to it.
    """
    kind = request.param
    if os.geteuid() != 0:
        pytest.skip("needs root")
    if kind == "mount":
        mount = tmp_path / "mnt"
        if not _tmpfs(mount):
            pytest.skip("cannot mount a tmpfs here")
        try:
            yield [], mount / "store", lambda: _remount(mount, "ro"), lambda: _remount(mount, "rw")
        finally:
            subprocess.run(["umount", str(mount)], capture_output=True)
    else:
        if SETPRIV is None:
            pytest.skip("setpriv not installed")
        store = tmp_path / "store"

        def lock() -> None:
            for p in [store, *store.rglob("*")]:
                p.chmod(0o555 if p.is_dir() else 0o444)

        def unlock() -> None:
            for p in [store, *store.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)

        yield ([SETPRIV, "--bounding-set=-dac_override,-dac_read_search", "--"], store,
               lock, unlock)
        unlock()


def _ask(prefix: list[str], corpus: Path, store: Path, question: str
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, *QA, "-q", question, "--corpus", str(corpus), "--store",
                           str(store)], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("read_only", ["mount", "chmod"], indirect=True)
def test_read_only_store(read_only, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    prefix, store, make_read_only, make_writable = read_only
    corpus = tmp_path / "corpus"
    _state_b(corpus, _news(3))
    # Built by another process, as below: this one then holds no file of the store open.
    subprocess.run([*QA, "index", "--corpus", str(corpus), "--store", str(store)], check=True,
                   capture_output=True, timeout=600)
    make_read_only()
    before = _snapshot(store)

    # Complete and up to date: answered, silently.
    result = _ask(prefix, corpus, store, PARROT_Q)
    assert result.returncode == 0, result.stderr
    assert PARROT in result.stdout and result.stderr == ""

    # The corpus changed: answered from the store as built, with a notice.
    (corpus / "new.txt").write_text("The night bus to Zagreb leaves at eleven.\n")
    result = _ask(prefix, corpus, store, PARROT_Q)
    assert result.returncode == 0, result.stderr
    assert PARROT in result.stdout
    assert result.stderr.splitlines() == [
        f"qa: store {store} is read-only: answering from it as last built"]

    # Damaged and read-only: a clear message, exit 1, nothing written.
    make_writable()
    (_generation(store) / "meta.json").write_text("{")
    before = _snapshot(store)
    make_read_only()
    result = _ask(prefix, corpus, store, PARROT_Q)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (error,) = result.stderr.splitlines()  # no "rebuilding it": it cannot be rebuilt
    assert error.startswith(f"Error: store {store} is damaged (unreadable meta.json")
    assert error.endswith("and cannot be written - make it writable or choose another store "
                          "folder (--store DIR, or store= in the library)")
    assert _snapshot(store) == before


@pytest.mark.slow
@pytest.mark.parametrize("read_only", ["mount", "chmod"], indirect=True)
def test_qa_index_on_a_read_only_store_behind_its_corpus_fails(  # type: ignore[no-untyped-def]
        read_only, tmp_path: Path) -> None:
    prefix, store, make_read_only, _ = read_only
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    index = [*prefix, *QA, "index", "--corpus", str(corpus), "--store", str(store)]
    # Built by another process: this one holds no file of the store open, which would keep
    # the tmpfs from being unmounted.
    subprocess.run(index, check=True, capture_output=True, timeout=600)
    make_read_only()

    # Up to date: nothing to write, so nothing wrong.
    result = subprocess.run(index, check=False, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "(0 added, 0 changed, 0 removed, 0 skipped)" in result.stdout

    # A new file: `qa index` cannot do its job, and says so in one line (not "0 added").
    (corpus / "parrot.txt").write_text(f"Harbour life\n\n{PARROT}\n")
    before = _snapshot(store)
    result = subprocess.run(index, check=False, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [(
        f"Error: store {store} is read-only, so it cannot be brought up to date (1 file added "
        "or changed since it was built) - make it writable or choose another store folder "
        "(--store DIR, or store= in the library); questions still answer from it as last "
        "built")]
    assert _snapshot(store) == before
    # A question still answers from it, with the notice it always gave.
    asked = _ask(prefix, corpus, store, KSF_Q)
    assert asked.returncode == 0 and KSF_A in asked.stdout
    assert asked.stderr.splitlines() == [
        f"qa: store {store} is read-only: answering from it as last built"]


@pytest.mark.parametrize("read_only", ["mount", "chmod"], indirect=True)
def test_read_only_place_for_a_new_store(read_only) -> None:  # type: ignore[no-untyped-def]
    prefix, store, make_read_only, _ = read_only
    store.mkdir()
    make_read_only()
    result = _ask(prefix, SEEDS, store, KSF_Q)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [(
        f"Error: store {store} cannot be written - make it writable or choose another store "
        "folder (--store DIR, or store= in the library)")]
    assert list(store.iterdir()) == []


# --- derived files: a read-only store, two processes keeping at once -----------------------

_KEEP_READ_ONLY = """
import sys
from pathlib import Path
from qa.index import Store
store = Store.load(Path(sys.argv[1]), sys.argv[2])
called = []
def write(path):
    called.append(path)
    path.write_bytes(b"x" * 8)
print(store.keep("cosines.f32", write), called, store.derived("cosines.f32"))
"""


@pytest.mark.parametrize("read_only", ["mount", "chmod"], indirect=True)
def test_keep_on_a_read_only_store(read_only) -> None:  # type: ignore[no-untyped-def]
    prefix, store, make_read_only, _ = read_only
    synthetic(store)
    make_read_only()
    before = _snapshot(store)
    result = subprocess.run([*prefix, sys.executable, "-c", _KEEP_READ_ONLY, str(store), MODEL],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "[]", "None"]  # write() was never called
    assert _snapshot(store) == before


_KEEP_MANY = """
import sys, time
from pathlib import Path
from qa.index import Store
store = Store.load(Path(sys.argv[1]), sys.argv[2])
go, tag = Path(sys.argv[3]), sys.argv[4]
while not go.exists():
    time.sleep(0.001)
for i in range(40):
    name = f"{tag}-{i}.bin"
    assert store.keep(name, lambda p: p.write_bytes(name.encode())) is not None
"""


def test_two_processes_keeping_files_at_once_keep_both(tmp_path: Path) -> None:
    store_dir, go = tmp_path / "store", tmp_path / "go"
    synthetic(store_dir)
    procs = [subprocess.Popen([sys.executable, "-c", _KEEP_MANY, str(store_dir), MODEL, str(go),
                               tag], stderr=subprocess.PIPE, text=True) for tag in "ab"]
    time.sleep(3)  # both imported and waiting
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    store = Store.load(store_dir, MODEL)
    assert store is not None and store.generation is not None
    listed = json.loads((store.generation / "derived.json").read_text())
    names = [f"{tag}-{i}.bin" for tag in "ab" for i in range(40)]
    assert sorted(listed) == sorted(names)
    for name in names:
        path = store.derived(name)
        assert path is not None and path.read_bytes() == name.encode()
    assert not [p for p in store.generation.iterdir() if p.name.startswith(".")]
