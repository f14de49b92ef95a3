from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings, default_store, load_settings
from qa.errors import ConfigError

from .conftest import ROOT


def test_real_config_yaml_loads_and_documents_every_key() -> None:
    settings = load_settings(ROOT / "config.yaml")
    assert settings.corpus == (ROOT / "seeds",)
    assert settings.store == ROOT / ".qa/store"
    text = (ROOT / "config.yaml").read_text()
    for name in Settings.__dataclass_fields__:
        assert f"\n{name}:" in text, f"config.yaml does not document {name}"


def test_defaults_without_file() -> None:
    assert load_settings() == Settings()


def test_overrides_win_and_relative_paths_follow_the_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    cfg = tmp_path / "c.yaml"
    cfg.write_text("corpus: docs\nk: 4\n")
    settings = load_settings(cfg, k=7, store="elsewhere")
    assert settings.corpus == (tmp_path / "docs",)
    assert settings.k == 7
    assert settings.store == Path.cwd() / "elsewhere"


@pytest.mark.parametrize(
    "body, message",
    [
        ("top-k: 3\n", "unknown key 'top-k'"),
        ("k: three\n", "'k' in c.yaml must be a whole number"),
        ("k: -3\n", "'k' in c.yaml must be between 1 and 100"),
        ("abstain_threshold: 1.5\n", "'abstain_threshold' in c.yaml must be between 0 and 1"),
        ("context: true\n", "'context' in c.yaml must be a whole number"),
        ("corpus: nowhere\n", "which does not exist"),
        ("search: fast\n", "must be one of auto, exact, ann"),
        ("max_file_mb: 0\n", "must be more than 0"),
        ("k: [1\n", "line 2"),
        ("- a\n- b\n", "must be a mapping"),
    ],
)
def test_config_errors_name_the_key_and_fix(tmp_path: Path, body: str, message: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(body)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(cfg)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_override_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="'k'"):
        Settings().replace(k=0)


def test_a_corpus_reached_through_a_link_shares_its_store(tmp_path: Path) -> None:
    # the same folder through a symlink got a store of its own, embedded again from nothing
    real = tmp_path / "notes"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    assert default_store((tmp_path / "link",)) == default_store((real,))
    assert default_store((tmp_path / "link" / ".." / "notes",)) == default_store((real,))
    assert default_store((tmp_path / "other",)) != default_store((real,))
