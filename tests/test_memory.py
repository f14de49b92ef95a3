"""Memory of a one-shot answer: `qa -q` on the seed store, as a fresh process, stays small.

Peak resident memory is what a one-shot answer costs a machine, and unlike time it barely moves
with the machine's load, so the suite checks it against a fixed budget. The process is measured
by itself, from a small process that starts it, not from pytest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS

# Issue 13's budget for `qa -q` answering from an existing store with its query model in place
# (onnxruntime and numpy, never torch). Measured 175 MiB before that fixes (Python
# 3.11, onnxruntime, seed store), the same figure /usr/bin/time gives.
ONE_SHOT_PEAK_MIB = 150
QUESTION = "what did Stoltenberg say about the KSF"


# Starts the measured command and writes its peak RSS (KiB on Linux, bytes on macOS) to a file.
# Measuring from a small process of its own matters: a child forked by a big process (pytest
# with torch loaded) starts with the parent's resident size as its peak.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def _run_measured(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str],
                                                             float]:
    """The finished command and its peak resident memory in MiB."""
    figure = tmp_path / "maxrss"
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(figure), *args], check=False,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    unit = 2**20 if sys.platform == "darwin" else 2**10
    return done, int(figure.read_text()) / unit


@pytest.mark.skipif(sys.platform == "win32", reason="needs the resource module")
def test_one_shot_answer_peak_memory(seed_store: Path, tmp_path: Path,
                                     record_property: pytest.RecordProperty) -> None:
    args = [sys.executable, "-m", "qa", "-q", QUESTION, "--corpus", str(SEEDS),
            "--store", str(seed_store)]
    warm, _ = _run_measured(args, tmp_path)  # the store and query model are in place
    assert warm.returncode == 0 and "Kosovo Security Forces" in warm.stdout, warm.stderr
    done, peak = _run_measured(args, tmp_path)
    assert done.returncode == 0 and "Kosovo Security Forces" in done.stdout, done.stderr
    record_property("summary", f"one-shot `qa -q` peak RSS: {peak:.1f} MiB "
                               f"(limit {ONE_SHOT_PEAK_MIB} MiB)")
    assert peak <= ONE_SHOT_PEAK_MIB, (
        f"`qa -q` on the seed store peaked at {peak:.1f} MiB resident, over the "
        f"{ONE_SHOT_PEAK_MIB} MiB budget: something heavy (torch? a second model?) is loaded "
        f"on the one-shot path. stderr: {done.stderr.strip()!r}")
