"""Shared fixtures: real model, small real texts, every state directory under tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's history or the repo's store."""
    monkeypatch.setenv("QA_HOME", str(tmp_path / "qa-home"))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """A private copy of seeds/, safe to change."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the seed article built once per session (read it, do not change it)."""
    from qa import Bot

    store = tmp_path_factory.mktemp("seed-store")
    Bot(corpus=SEEDS, store=store).reindex()
    return store


@pytest.fixture
def seed_bot(seed_store: Path):  # type: ignore[no-untyped-def]
    from qa import Bot

    return Bot(corpus=SEEDS, store=seed_store, notify=lambda _: None)


def shared(*parts: str) -> Path:
    """A path in ../shared/, skipping the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path
