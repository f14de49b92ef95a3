"""A real Milvus server with authentication on: a wrong token, a missing token and a server too
old for qa each end in one line and exit 1, and nothing is written.

Milvus Lite accepts any token, so this needs a server: the `milvus` package on PyPI runs Milvus
standalone (2.3.5, its newest) as a local process. It is older than qa needs (BM25 full-text
search came with 2.5), which is one more refusal to test; qa's own answers against a server are
tested through Milvus Lite's gRPC server in tests/test_milvus.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus")

from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow

# Milvus's built-in administrator, which a fresh server with authentication on accepts.
ROOT_TOKEN = "root:Milvus"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a Milvus 2.3 server with authentication on, stopped after the module."""
    base = tmp_path_factory.mktemp("milvus-server")
    port = _free_port()
    script = (
        "import sys, time\n"
        "from milvus import MilvusServer\n"
        "s = MilvusServer()\n"
        f"s.set_base_dir({str(base)!r})\n"
        f"s.listen_port = {port}\n"
        "s.config.set('authorization_enabled', True)\n"
        "s.start()\n"
        "print('started', flush=True)\n"
        "sys.stdin.read()\n"  # until the test closes stdin
        "s.stop()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    if "started" not in line:
        proc.kill()
        pytest.skip(f"the Milvus server did not start here: {line.strip()[:200]}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _qa(tmp_path: Path, uri: str, token: str | None) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"corpus: {SEEDS}\nstore: {uri}\nmilvus_token_env: QA_TEST_TOKEN\n")
    env = {k: v for k, v in os.environ.items() if k != "QA_TEST_TOKEN"}
    if token is not None:
        env["QA_TEST_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "qa", "--config", str(cfg), "-q",
                           "Who is Vucic?"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False, env={**env, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize(("token", "expected"), [
    ("root:wrong-password", ("refused the token in $QA_TEST_TOKEN - set QA_TEST_TOKEN to a "
                             "valid token (user:password)")),
    (None, "asks for a token and $QA_TEST_TOKEN is not set"),
    (ROOT_TOKEN, ("is version v2.3.5-lite; qa needs 2.5 or later (its BM25 full-text search)"
                  " - upgrade the server")),
])
def test_a_refusal_is_one_line_exit_1_and_writes_nothing(server: str, tmp_path: Path,
                                                         token: str | None,
                                                         expected: str) -> None:
    result = _qa(tmp_path, server, token)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert f"Milvus at {server}" in lines[0]
    assert "wrong-password" not in result.stderr  # a token is never echoed
    from pymilvus import MilvusClient

    client = MilvusClient(uri=server, token=ROOT_TOKEN)
    try:
        assert client.list_collections() == []  # nothing was created, whatever the refusal
    finally:
        client.close()
