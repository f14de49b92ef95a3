"""What the qa serve tests share: a small real corpus with a hostile document, and a Bot that
marks some answers tentative (until the ranker makes "low" answers of its own)."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TOKEN = "test-token-0123456789"
# A document written to attack the page: every piece must reach the browser as text.
HOSTILE = """\
The Glimmer Society ledger

The treasurer wrote <script>window.__xss = 1</script> in the margin of the ledger of the lantern fund.

The secretary pasted <img src=x onerror="window.__xss = 2"> into the notice about the lantern parade.

The archivist linked <a href="javascript:window.__xss=3">the lantern catalogue</a> for the members of the society.
"""


def make_corpus(folder: Path) -> Path:
    """The seed article, the harbour article and the hostile ledger, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "seeds" / "nato-serbia-kosovo-security-forces.txt", folder)
    shutil.copy(DATA / "harbour" / "portmill-harbour.txt", folder)
    (folder / "glimmer-ledger.txt").write_text(HOSTILE, encoding="utf-8")
    return folder


def corpus_settings(corpus: Path, store: Path) -> Settings:
    return load_settings(None, corpus=[str(corpus)], store=str(store))


def without_extras(body: dict[str, Any]) -> dict[str, Any]:
    """An answer's JSON as `Answer.to_dict()` gives it: without the server's two additions."""
    return {k: v for k, v in body.items() if k not in ("matches", "conversation")}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """`app` served by a real uvicorn on a loopback port, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
