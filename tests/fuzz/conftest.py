"""The fuzz workspace, built once per module (it loads the model), and the `slow` marker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.harness import Workspace
from tests.fuzz.targets import SUFFIXES


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too, so this folder runs cleanly whether or not the suite registers it.
    config.addinivalue_line("markers", "slow: long-running tests (fuzzing, end-to-end)")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A corpus, store and warm bot; the query model exported once, under $QA_CACHE."""
    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get("QA_CACHE"):
            mp.setenv("QA_CACHE", str(tmp_path_factory.mktemp("qa-cache")))
        mp.setenv("NO_COLOR", "1")
        mp.setenv("QA_HOME", str(tmp_path_factory.mktemp("qa-home")))
        workspace = Workspace(Path(tmp_path_factory.mktemp("fuzz")), SUFFIXES)
        try:
            yield workspace
        finally:
            workspace.close()
