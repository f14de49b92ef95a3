"""What a person at a terminal, or a shell pipeline, sees from a real `qa` process: a reader
that stops early (`| head -1`), a terminal of a given width. Subprocesses, the bundled model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS


def qa_env(**extra: str) -> dict[str, str]:
    """A real `qa` run: this checkout first, no config named, no colour."""
    env = {k: v for k, v in os.environ.items() if k != "QA_CONFIG"}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", HF_HUB_OFFLINE="1", **extra)
    return env


@pytest.mark.slow
@pytest.mark.parametrize("mode", [[], ["--json"], ["--questions", "-"]])
def test_a_reader_that_stops_early_ends_qa_quietly_with_exit_zero(
        seed_store: Path, tmp_path: Path, mode: list[str]) -> None:
    # `printf 'q\nq\n...' | qa | head -1` exited 1 (click's code for a closed pipe), which
    # README and `qa --help` keep for a line that could not be read
    questions = "who did Vucic thank?\n" * 40
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "--corpus", str(SEEDS), "--store", str(seed_store),
         *mode], cwd=tmp_path, env=qa_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(questions.encode())
    proc.stdin.close()
    assert proc.stdout.readline()  # the first line, as `head -1` reads it
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
