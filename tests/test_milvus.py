"""The Milvus store (qa.milvus) against a real Milvus Lite engine: the same answers as the local
store, incremental sync, and one clear line for every way of pointing at the wrong thing.

Skipped when pymilvus or milvus-lite is not installed (`pip install 'qa[milvus]'`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from qa import Bot
from qa.errors import StoreError, StoreMismatchError
from qa.milvus import collections as coll
from qa.milvus.client import Location, close, connect
from tests.conftest import DATA, ROOT, SEEDS

QUESTIONS = [
    "What did Stoltenberg say about the KSF?",
    "Who did Vucic meet?",
    "What does KSF stand for?",
    "Who built the lighthouse?",
    "When is the orchard festival?",
    "What did Okafor say about the harbour?",
    "What did Brandt say?",
    "Who won the cup?",
]


def corpus_in(tmp_path: Path) -> Path:
    """The seed article and the small test texts, in one folder safe to change."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    for name in ("news", "harbour"):
        for f in (DATA / name).iterdir():
            shutil.copy(f, dest / f"{name}-{f.name}")
    return dest


def answers(bot: Bot) -> list[dict[str, Any]]:
    return [bot.ask(q).to_dict() for q in QUESTIONS]


def milvus_bot(corpus: Path, db: Path, **kw: Any) -> Bot:
    return Bot(corpus=corpus, store=f"milvus://{db}", notify=lambda _: None, **kw)


def rows_and_manifest(db: Path, name: str = "qa") -> tuple[list[dict[str, Any]],
                                                           dict[str, dict[str, Any]]]:
    """Every sentence row (no vectors) and the manifest, read in this process and let go."""
    where = Location(str(db), name, "")
    client = connect(where)
    try:
        coll.exists(client, name)
        rows = [r for batch in coll.rows_of(client, name, with_vectors=False) for r in batch]
        return rows, coll.manifest(client, name)
    finally:
        close(client, where)


def consistent(db: Path) -> dict[str, int]:
    """Assert every file's rows are whole, of its manifest's version, none twice; the counts."""
    rows, docs = rows_and_manifest(db)
    seen: dict[tuple[str, int], int] = {}
    for r in rows:
        assert r["path"] in docs, f"rows of {r['path']}, which the manifest does not list"
        assert r["version"] == docs[r["path"]]["version"], f"stale rows of {r['path']}"
        key = (r["path"], int(r["seq"]))
        assert key not in seen, f"sentence {key} twice"
        seen[key] = int(r["id"])
    counts = {p: sum(1 for k in seen if k[0] == p) for p in docs}
    assert counts == {p: int(d["count"]) for p, d in docs.items()}
    return counts


def test_answers_match_the_local_store(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    local = Bot(corpus=corpus, store=tmp_path / "local", notify=lambda _: None)
    remote = milvus_bot(corpus, tmp_path / "qa.db", embedder=local.embedder)
    assert answers(remote) == answers(local)
    # Through candidates, as a big store is scored: Milvus's dense and BM25 search propose.
    for bot in (local, remote):
        bot.retriever.full_scan_below = 0
    assert answers(remote) == answers(local)
    remote.backend.close()  # type: ignore[attr-defined]


def test_sync_is_incremental(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    db = tmp_path / "qa.db"
    bot = milvus_bot(corpus, db)
    bot.reindex()
    embedder = bot.embedder
    bot.backend.close()  # type: ignore[attr-defined]
    before, docs = rows_and_manifest(db)
    assert {Path(p).name for p in docs} == {f.name for f in corpus.iterdir()}
    for path, d in docs.items():
        assert d["size"] == Path(path).stat().st_size and len(d["file_sha1"]) == 40
    consistent(db)

    # Unchanged: nothing is written (same rows, same ids, same manifest).
    bot = milvus_bot(corpus, db, embedder=embedder)
    bot.reindex()
    bot.backend.close()  # type: ignore[attr-defined]
    again, docs_again = rows_and_manifest(db)
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in before)
    assert docs_again == docs

    # One file changed, one removed: only their rows change.
    changed = corpus / "news-orchard-festival.txt"
    changed.write_text(changed.read_text() + "\nThe festival will return next spring.\n")
    removed = next(p for p in corpus.iterdir() if p.name.startswith("harbour-"))
    removed.unlink()
    bot = milvus_bot(corpus, db, embedder=embedder)
    got = answers(bot)
    bot.backend.close()  # type: ignore[attr-defined]
    after, docs_after = rows_and_manifest(db)
    counts = consistent(db)
    assert str(removed) not in docs_after
    assert docs_after[str(changed)]["version"] != docs[str(changed)]["version"]
    kept = {r["id"] for r in before if r["path"] not in (str(changed), str(removed))}
    assert kept <= {r["id"] for r in after}
    assert sum(counts.values()) == len(after)
    fresh = Bot(corpus=corpus, store=tmp_path / "fresh", notify=lambda _: None,
                embedder=embedder)
    assert got == answers(fresh)


def test_a_collection_of_another_model_is_refused_and_left_alone(tmp_path: Path) -> None:
    corpus = corpus_in(tmp_path)
    db = tmp_path / "qa.db"
    bot = milvus_bot(corpus, db)
    bot.reindex()
    bot.backend.close()  # type: ignore[attr-defined]
    where = Location(str(db), "qa", "")
    for change, expected in (({"model": "other-model#0123456789abcdef"}, "built with model"),
                             ({"dim": 768}, "768-dimensional")):
        client = connect(where)
        coll.exists(client, "qa")
        identity = coll.get(client, "qa", "identity")
        coll.put(client, "qa", "identity", {**identity, **change})
        close(client, where)
        before = rows_and_manifest(db)
        (corpus / "new.txt").write_text("The new bridge opened in May 2024 after two years.\n")
        with pytest.raises(StoreMismatchError, match=expected):
            milvus_bot(corpus, db, embedder=bot.embedder).reindex()
        (corpus / "new.txt").unlink()
        assert rows_and_manifest(db) == before  # nothing written
        client = connect(where)
        coll.put(client, "qa", "identity", identity)
        close(client, where)


def _qa(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.mark.parametrize(("store", "expected"), [
    ("http://127.0.0.1:9", "cannot reach Milvus at http://127.0.0.1:9"),
    ("https://no-such-host.invalid:19530", "cannot reach Milvus"),
    ("milvus:///no/such/folder/qa.db", "folder /no/such/folder does not exist"),
    ("milvus:///tmp/qa-not-a-db", "must be a name ending in .db"),
    ("ftp://host/qa", "must be a folder or a URI"),
])
def test_a_wrong_store_uri_is_one_line_and_exit_1(tmp_path: Path, store: str,
                                                  expected: str) -> None:
    result = _qa("--corpus", str(SEEDS), "--store", store, "-q", "Who is Vucic?", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_token_comes_from_the_named_environment_variable(tmp_path: Path) -> None:
    """The token is read from the variable config.yaml names (never from the file itself);
    a server that cannot be reached says so in one line whatever the token."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"corpus: {SEEDS}\nstore: http://127.0.0.1:9\nmilvus_token_env: MY_TOKEN\n")
    result = _qa("--config", str(cfg), "-q", "Who is Vucic?", cwd=tmp_path,
                 env={"MY_TOKEN": "root:wrong"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "root:wrong" not in result.stderr  # a token is never echoed


def test_a_store_in_use_by_another_process_waits_then_says_so(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    from qa.milvus import client as milvus_client

    corpus = corpus_in(tmp_path)
    db = tmp_path / "qa.db"
    bot = milvus_bot(corpus, db)
    bot.reindex()  # this process now holds the Milvus Lite file
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sys, time; from pymilvus import MilvusClient; "
                                f"MilvusClient({str(db)!r}); print('open', flush=True); "
                                "time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    bot.backend.close()  # type: ignore[attr-defined]
    try:
        monkeypatch.setattr(milvus_client, "LITE_WAIT_SECONDS", 1.0)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another qa process"):
            milvus_bot(corpus, db, embedder=bot.embedder).reindex()
    finally:
        holder.kill()
        holder.wait()
    consistent(db)


def test_config_takes_a_milvus_uri(tmp_path: Path) -> None:
    from qa.config import load_settings

    cfg = tmp_path / "config.yaml"
    cfg.write_text("store: milvus://stores/qa.db\nmilvus_collection: news\n")
    settings = load_settings(cfg)
    assert settings.store == f"milvus://{tmp_path / 'stores' / 'qa.db'}"
    assert settings.milvus_collection == "news"
    assert json.loads(json.dumps(settings.milvus_token_env)) == "QA_MILVUS_TOKEN"


@pytest.mark.slow
def test_a_file_unreadable_for_a_while_is_back_on_the_next_sync(tmp_path: Path) -> None:
    """As on a local store (tests/test_store_sync.py): a file skipped because it could not be
    read is tried again by every sync, not only by --verify, and is back once readable."""
    from tests.test_store_sync import PARROT, _corpus, _index_unprivileged

    corpus, db = _corpus(tmp_path), tmp_path / "qa.db"
    bot = milvus_bot(corpus, db)
    bot.reindex()
    bot.backend.close()  # type: ignore[attr-defined]
    parrot = corpus / "parrot.txt"
    parrot.chmod(0o000)
    # Touched too: a Milvus store judges files by size and modification time (a local store
    # also hashes a small corpus), so this sync reads it, and skips it as unreadable.
    stat = parrot.stat()
    os.utime(parrot, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        locked = _index_unprivileged(corpus, f"milvus://{db}")
        assert locked.returncode == 0, locked.stderr
        assert "  ! docs/parrot.txt: cannot read (Permission denied)" in locked.stdout
        rows, docs = rows_and_manifest(db)
        assert str(parrot) not in docs
        assert str(parrot) not in {r["path"] for r in rows}  # its rows went with it
    finally:
        parrot.chmod(0o644)

    # Readable again (size and mtime as when it was skipped): read at once, no --verify needed.
    bot = milvus_bot(corpus, db, embedder=bot.embedder)
    answer = bot.ask("What was the parrot called?", k=1)
    bot.backend.close()  # type: ignore[attr-defined]
    assert [hit.text for hit in answer.hits[:1]] == [PARROT]
    assert str(parrot) in rows_and_manifest(db)[1]
    consistent(db)

    # What the listing left out is said from the sync's own listing, also when it wrote nothing.
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    bot = milvus_bot(corpus, db, embedder=bot.embedder)
    changes = bot.update()
    bot.backend.close()  # type: ignore[attr-defined]
    assert changes.skipped == (("docs/gone.txt", "broken symlink or symlink loop"),)
