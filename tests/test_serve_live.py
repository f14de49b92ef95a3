"""qa serve for real: a re-index swapped in under load, and the `qa serve` command itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx", reason="the test extra's httpx talks to the server")

from qa.serve import Limits, Service
from qa.serve.app import create_app
from tests.serve_support import (
    ROOT,
    TOKEN,
    corpus_settings,
    free_port,
    make_corpus,
    running,
    without_extras,
)

WALL = "when was the old harbour wall built"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.slow
def test_a_reindex_swaps_whole_stores_while_answering(tmp_path: Path) -> None:
    """Four clients ask throughout a re-index of a changed file: every answer is the old
    store's or the new store's, whole, and none fails."""
    corpus = make_corpus(tmp_path / "corpus")
    service = Service(corpus_settings(corpus, tmp_path / "store"))
    app = create_app(service, token=TOKEN, limits=Limits(rate=0))
    with running(app) as url, httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
        assert service.wait(300)
        old = without_extras(client.post("/api/ask", json={"question": WALL}).json())
        assert "1887" in old["hits"][0]["text"]
        seen: list[tuple[int, dict[str, Any]]] = []
        stop = threading.Event()

        def ask() -> None:
            with httpx.Client(base_url=url, headers=AUTH, timeout=60) as own:
                while not stop.is_set():
                    r = own.post("/api/ask", json={"question": WALL})
                    seen.append((r.status_code, r.json()))

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        harbour = corpus / "portmill-harbour.txt"
        harbour.write_text(harbour.read_text(encoding="utf-8").replace("1887", "1912"),
                           encoding="utf-8")
        assert client.post("/api/reindex", headers=AUTH).json()["status"] == "started"
        deadline = time.monotonic() + 300
        while client.get("/api/ready").json()["generation"] < 2:
            assert time.monotonic() < deadline, "the re-index never finished"
            time.sleep(0.1)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        new = without_extras(client.post("/api/ask", json={"question": WALL}).json())
    assert "1912" in new["hits"][0]["text"]
    assert all(status == 200 for status, _ in seen), {s for s, _ in seen}
    bodies = [without_extras(body) for _, body in seen]
    assert all(b in (old, new) for b in bodies)
    assert old in bodies and new in bodies, "the clients saw both stores"


@pytest.mark.slow
def test_the_qa_serve_command(tmp_path: Path) -> None:
    """Start `qa serve`, ask over HTTP, read the page, stop it with Ctrl-C."""
    corpus = make_corpus(tmp_path / "corpus")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), QA_TEST_TOKEN=TOKEN)
    process = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(port), "--corpus", str(corpus),
         "--store", str(tmp_path / "store"), "--token-env", "QA_TEST_TOKEN"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        with httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
            while True:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                try:
                    if client.get("/api/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "qa serve never became ready"
                time.sleep(0.25)
            body = client.post("/api/ask", json={"question": WALL}).json()
            assert "1887" in body["hits"][0]["text"]
            assert body["hits"][0]["source"] == "corpus/portmill-harbour.txt"
            assert httpx.post(f"{url}/api/ask", json={"question": WALL}).status_code == 401
            assert 'name="token"' in httpx.get(url).text
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/ (token required)" in err
    # the terminal says when the store answers, and what it holds (it said only the address)
    assert "qa serve: ready: 3 documents, " in err, err
