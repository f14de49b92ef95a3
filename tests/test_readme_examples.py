"""The README's example output is what the commands print (benchmarks/readme_examples.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_first_run import qa_env


@pytest.mark.slow
def test_readme_examples_are_current(seed_store: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "readme_examples.py"), "--check",
         "--store", str(seed_store)],
        capture_output=True, text=True, env=qa_env(), timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "examples are current" in result.stdout


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_QA_COMPLETE={shell}_source qa" in readme
        result = subprocess.run([sys.executable, "-c", "from qa.ui.cli import main; main()"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                env=qa_env(_QA_COMPLETE=f"{shell}_source"), check=False)
        assert result.returncode == 0, result.stderr
        assert "_QA_COMPLETE" in result.stdout  # the script the shell sources
