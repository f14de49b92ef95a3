"""Shared fixtures: real model, small real texts, every state directory under tmp_path.

Two tiers: `make check` runs `pytest -m "not slow"` (the inner loop), `make test` runs
everything. A test is marked `slow` when it takes over about 10 s of its own on two cores or
needs a fixture that does (the kill -9 loop, stores of news stories, hypothesis over re-indexing).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def _query_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One QA_CACHE for the whole session, so every store reuses one export of the query model.

    Under pytest-xdist the workers share it (the export is written aside and renamed into
    place, so two workers making it at once is safe); subprocesses inherit it.
    """
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "qa-cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QA_CACHE", str(cache))
        yield cache


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


@pytest.fixture(scope="session")
def news_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the small invented news articles in tests/data/news (read it only)."""
    from qa import Bot

    store = tmp_path_factory.mktemp("news-store")
    Bot(corpus=DATA / "news", store=store, notify=lambda _: None).reindex()
    return store


@pytest.fixture(scope="session")
def harbour_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of tests/data/harbour, an article quoting a woman (Okafor) and a man (Brandt)."""
    from qa import Bot

    store = tmp_path_factory.mktemp("harbour-store")
    Bot(corpus=DATA / "harbour", store=store, notify=lambda _: None).reindex()
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


# The longest tests by far (each half of the kill loop): under pytest-xdist's worksteal, which
# first splits the list evenly among the workers, each leads one worker's share, so they run
# side by side instead of one after the other at the end of the run.
LEADERS = ("test_sigkill_at_random_moments_never_leaves_a_partial_store",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2 or getattr(config.option, "dist", "no") != "worksteal":
        return
    leaders = [item for item in items if getattr(item, "originalname", "") in LEADERS]
    others = [item for item in items if item not in leaders]
    ordered: list[pytest.Item] = []
    remaining = len(items)
    for share in range(workers):  # worksteal gives worker i len(pending) // (workers - i)
        size = remaining // (workers - share)
        remaining -= size
        mine = leaders[share::workers]
        taken = max(0, size - len(mine))
        ordered += mine + others[:taken]
        del others[:taken]
    items[:] = ordered + others


_SUMMARY: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect what tests record as `summary` (also from pytest-xdist workers)."""
    if report.when == "call":
        _SUMMARY.extend(str(v) for k, v in report.user_properties if k == "summary")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _SUMMARY:
        terminalreporter.write_line(line)
