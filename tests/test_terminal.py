"""What a person at a terminal, or a shell pipeline, sees from a real `qa` process: a reader
that stops early (`| head -1`), a terminal of a given width. Subprocesses, the bundled model."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
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


def run_on_a_terminal(args: list[str], cwd: Path, width: int) -> str:
    """qa's stdout on a pseudo-terminal `width` columns wide: what a person sees there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
    env = {k: v for k, v in qa_env().items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "qa", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return out.decode().replace("\r\n", "\n")


@pytest.mark.slow
def test_a_one_shot_answer_fits_a_narrow_terminal_and_a_file_gets_whole_lines(
        seed_store: Path, tmp_path: Path) -> None:
    # at 40 columns the terminal cut words in two ("Stoltenb" / "erg") and sources lost
    # their indent; in a file, each sentence stays on one line for grep
    args = ["--corpus", str(SEEDS), "--store", str(seed_store), "-q", "who did Vucic thank?"]
    shown = run_on_a_terminal(args, tmp_path, 40).splitlines()
    assert max(len(line) for line in shown if " " in line.strip()) <= 40, shown
    assert shown[0].startswith("1. “I thanked Stoltenberg") and shown[1].startswith("   ")
    assert any(line.startswith("   Aleksandar Vucic said") for line in shown)
    piped = subprocess.run([sys.executable, "-m", "qa", *args], cwd=tmp_path, env=qa_env(),
                           capture_output=True, text=True, timeout=120, check=True)
    first = piped.stdout.splitlines()[0]
    assert first.startswith("1. “I thanked Stoltenberg") and "he added." in first
