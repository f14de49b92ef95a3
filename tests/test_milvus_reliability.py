"""A Milvus store under stress, on a real Milvus Lite engine: syncs SIGKILLed at random moments,
two indexers at once (on a Milvus Lite file and on a server URI).

Skipped when pymilvus or milvus-lite is not installed (`pip install 'qa[milvus]'`).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from qa import Bot
from tests.conftest import ROOT, SEEDS
from tests.test_milvus import answers, consistent, corpus_in, milvus_bot, rows_and_manifest

KILLS = 10


def _report(corpus: Path, lines: int) -> None:
    """A long file, so a sync spends a while embedding and inserting it."""
    seed = (SEEDS / "nato-serbia-kosovo-security-forces.txt").read_text().split(". ")
    body = "\n\n".join(f"Report {i} noted that {seed[i % len(seed)].strip().rstrip('.')}."
                       for i in range(lines))
    (corpus / "report.txt").write_text(f"Field reports\n\n{body}\n")


def _state(corpus: Path, which: str) -> None:
    """Two corpus states a sync moves between: files changed, added and removed."""
    news = corpus / "news-orchard-festival.txt"
    base = news.read_text().split("\n@@")[0]
    if which == "A":
        news.write_text(base)
        _report(corpus, 300)
        (corpus / "extra.txt").unlink(missing_ok=True)
    else:
        news.write_text(base + "\n@@ The festival will move to the old quay next year.\n")
        _report(corpus, 340)
        (corpus / "extra.txt").write_text("The ferry to Greyhaven runs twice a day in summer.\n")


def _index(corpus: Path, store: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--store", store],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def visible(db: Path) -> dict[str, int]:
    """What a reader sees: every file the manifest lists whole, each sentence once."""
    rows, docs = rows_and_manifest(db)
    live: dict[str, set[int]] = {p: set() for p in docs}
    for r in rows:
        entry = docs.get(r["path"])
        if entry is not None and r["version"] == entry["version"]:
            assert int(r["seq"]) not in live[r["path"]], f"{r['path']} sentence twice"
            live[r["path"]].add(int(r["seq"]))
    for path, seqs in live.items():
        assert seqs == set(range(int(docs[path]["count"]))), f"{path} half there"
    return {p: len(s) for p, s in live.items()}


@pytest.mark.slow
def test_a_sync_killed_at_random_moments_is_repaired_by_the_next(tmp_path: Path) -> None:
    rng = random.Random(20261130)
    corpus = corpus_in(tmp_path)
    db = tmp_path / "qa.db"
    store = f"milvus://{db}"
    _state(corpus, "A")
    proc = _index(corpus, store)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    # Kill moments are drawn within the time a sync of one change takes (process start
    # included), and runs go on until KILLS of them were killed while still going: a sync
    # that finished first proves nothing, however fast or slow the machine is.
    _state(corpus, "B")
    proc = _index(corpus, store)
    started = time.monotonic()
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    step = time.monotonic() - started
    current, killed, runs = "B", 0, 0
    while killed < KILLS and runs < 4 * KILLS:
        runs += 1
        current = "B" if current == "A" else "A"
        _state(corpus, current)
        proc = _index(corpus, store)
        time.sleep(rng.uniform(0.15, 0.95) * step)
        killed += proc.poll() is None
        proc.kill()
        proc.communicate(timeout=60)
        visible(db)  # whole files only, none twice, whatever the moment
    assert killed == KILLS, f"only {killed} of {runs} runs were still going when killed"
    proc = _index(corpus, store)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    consistent(db)  # and no leftovers at all
    bot = milvus_bot(corpus, db)
    got = answers(bot)
    bot.backend.close()  # type: ignore[attr-defined]
    fresh = Bot(corpus=corpus, store=tmp_path / "fresh", notify=lambda _: None,
                embedder=bot.embedder)
    assert got == answers(fresh)


@pytest.mark.slow
def test_two_indexers_on_one_lite_file(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    _state(corpus, "A")
    db = tmp_path / "qa.db"
    first, second = _index(corpus, f"milvus://{db}"), _index(corpus, f"milvus://{db}")
    results = [(p.wait(timeout=600), p.stderr.read() if p.stderr else "") for p in
               (first, second)]
    for code, err in results:  # the second waits for the first, or says why it gave up
        assert code == 0 or (code == 1 and "in use by another qa process" in err), err
        assert "Traceback" not in err
    assert any(code == 0 for code, _ in results)
    consistent(db)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_a_server_by_uri_two_indexers_and_the_same_answers(tmp_path: Path) -> None:
    """Milvus Lite's own gRPC server stands in for a Milvus server: the same client code, the
    writer lease between two indexers, the same answers as the local store."""
    port = _free_port()
    data = tmp_path / "server.db"
    server = subprocess.Popen(
        [sys.executable, "-c", ("from milvus_lite.adapter.grpc.server import run_server; "
                                f"run_server({str(data)!r}, '127.0.0.1', {port})")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "the Milvus Lite server did not start"
            time.sleep(0.2)
        corpus = corpus_in(tmp_path)
        uri = f"http://127.0.0.1:{port}"
        first, second = _index(corpus, uri), _index(corpus, uri)
        for p in (first, second):
            err = p.communicate(timeout=600)[1]
            assert p.returncode == 0 or "being synced by another indexer" in err, err
            assert "Traceback" not in err
        local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
        remote = Bot(corpus=corpus, store=uri, notify=lambda _: None, embedder=local.embedder)
        assert answers(remote) == answers(local)
        server.terminate()
        server.wait(timeout=30)
        result = subprocess.run(
            [sys.executable, "-m", "qa", "--corpus", str(corpus), "--store", uri, "-q", "Who?"],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot reach Milvus")
    finally:
        server.kill()
        server.wait()
