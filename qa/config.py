"""Settings: the one place qa's defaults live, and the only reader of config.yaml.

Where config is looked for, first found wins (`find_config`): the file named by `--config`
(or the `path` argument), the file named by $QA_CONFIG, ./config.yaml, else no file: the
built-in defaults, with no corpus until one is given. Flags and keyword arguments override the
file, key by key. A store not named anywhere goes to the user's cache directory, in a folder
keyed by the corpus paths, so running qa somewhere never litters that folder.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

SEARCH_MODES = ("auto", "exact", "ann")
# The most sentences one answer gives (k, from 1): a choice, not a fit. More is a listing of
# the corpus, not an answer; the CLI, config.yaml, Settings and Bot.ask all hold to it.
MAX_K = 100


@dataclass(frozen=True)
class Settings:
    """Every knob of qa. Field defaults are the defaults; config.yaml and flags override them."""

    corpus: tuple[Path, ...] = ()  # none until config.yaml or --corpus names one
    # A folder (the local store), or a Milvus URI (qa.milvus): milvus:///path/qa.db for Milvus
    # Lite, http(s)://host:19530 for a server; kept as the string given. None: the corpus's
    # folder in the user's cache directory (default_store).
    store: Path | str | None = None
    milvus_collection: str = "qa"
    # The environment variable holding a Milvus server's token ("user:password" or an API
    # key); never the token itself, which stays out of config files and command lines.
    milvus_token_env: str = "QA_MILVUS_TOKEN"
    # A Milvus collection of fewer sentences is mirrored whole into the cache of each process
    # that reads it; from this many up, a reader holds only corpus-wide statistics and reads
    # each question's rows from Milvus (qa.milvus.reading). 200,000 rows of this model are
    # about 0.4 GB of mirror: what a laptop's cache holds without thinking about it.
    milvus_mirror_below: int = 200_000
    # A reader that never writes into the Milvus collection: it asks the collection as its
    # indexers left it and refuses to sync or index (qa.milvus.backend).
    milvus_read_only: bool = False
    model: str = "all-MiniLM-L6-v2"
    k: int = 3
    abstain_threshold: float = 0.40
    context: int = 1
    max_file_mb: float = 20.0
    search: str = "auto"
    ann_min_sentences: int = 200_000
    extensions: tuple[str, ...] = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html",
                                   ".htm")
    # Links inside a corpus folder that lead out of the corpus paths are skipped unless True.
    follow_links: bool = False

    @property
    def store_dir(self) -> Path:
        """The store's folder: `store` when one was named, else the corpus's in the cache."""
        if isinstance(self.store, Path):
            return self.store
        return default_store(self.corpus)  # a Milvus store's rows are not in a folder of ours

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def replace(self, flags: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """A copy with some keys changed, checked like the file is; relative paths against cwd.
        A message on a bad value names it by `flags` ({"k": "-k"}: "-k must be ..."), else as
        "'k' in the options"."""
        return _build({**_as_raw(self), **overrides}, Path.cwd(), "the options", flags or {})


_KEYS = {f.name for f in fields(Settings)}


def _as_raw(settings: Settings) -> dict[str, Any]:
    """The settings as a file would give them; keys still unset (no corpus, no store) left out."""
    raw = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    return {k: v for k, v in raw.items() if not (k in ("corpus", "store") and not v)}


CONFIG_ENV = "QA_CONFIG"


# How the settings' messages name a value given on the command line: the flag the user typed
# ("-k must be ...", "--corpus names /nope, which does not exist"; not "'k' in the options").
FLAGS = {"corpus": "--corpus", "store": "--store", "k": "-k"}


def command_settings(config: str | None, corpus: tuple[str, ...], store: str | None,
                     k: int | str | None) -> Settings:
    """The settings of a qa command: its options (None or empty where not given) over the
    config file find_config finds, a bad value named by its flag. One place for every
    command (qa, qa index, qa serve...), so they read their options alike."""
    return load_settings(find_config(config), FLAGS, corpus=list(corpus) or None,
                         store=store, k=k)


def find_config(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to read: `given` (--config), else $QA_CONFIG, else ./config.yaml when
    there is one, else None (built-in defaults)."""
    if given is not None:
        return Path(given)
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    here = Path("config.yaml")
    return here if here.is_file() else None


def load_settings(path: str | os.PathLike[str] | None = None,
                  flags: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read config.yaml (or `path`), then apply keyword overrides (None values are ignored),
    named in messages by `flags` as Settings.replace says.

    Relative paths in the file are taken from the file's folder, so a config works from any cwd;
    relative paths passed as overrides are taken from the current directory. A key given as an
    override is never checked as the file has it: `--corpus` works when the file's corpus is gone.
    """
    raw: dict[str, Any] = {}
    base = Path.cwd()
    source = "the options"
    given = {key: value for key, value in overrides.items() if value is not None}
    if path is not None:
        cfg = Path(path)
        if not cfg.is_file():
            where = f"${CONFIG_ENV}" if os.environ.get(CONFIG_ENV) == str(path) else "--config"
            if cfg.is_dir():
                raise ConfigError(f"config file {cfg} is a folder - give {where} a YAML file")
            raise ConfigError(f"config file {cfg} does not exist - check the path given to {where}")
        raw = {key: value for key, value in _read_yaml(cfg).items() if key not in given}
        base = cfg.resolve().parent
        source = cfg.name
    settings = _build(raw, base, source)
    return settings.replace(flags, **given) if given else settings


def _read_yaml(cfg: Path) -> dict[str, Any]:
    import yaml  # only this module reads YAML

    try:
        text = _decode(cfg, cfg.read_bytes())
        data = yaml.safe_load(text)
    except yaml.reader.ReaderError as exc:  # a control character, which YAML refuses
        line = text.count("\n", 0, exc.position) + 1
        char = f"\\x{exc.character:02x}" if exc.character < 0x100 else f"\\u{exc.character:04x}"
        raise ConfigError(f"{cfg}, line {line}: control character {char} is not allowed in YAML"
                          " - remove it") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{cfg}{where}: {problem} - fix the YAML syntax there") from None
    except RecursionError:  # PyYAML's parser recurses once per level of nesting
        raise ConfigError(f"{cfg} nests lists or mappings too deeply to read - a config is a "
                          "flat mapping of keys to values") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {cfg}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{cfg} must be a mapping of keys to values, not {type(data).__name__}")
    return data


def _decode(cfg: Path, data: bytes) -> str:
    """The file's text: UTF-8 (a BOM allowed), or UTF-16 with a BOM, as YAML allows."""
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].decode(encoding).count("\n") + 1
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise ConfigError(f"cannot read config file {cfg}: line {line} is not {name} text (byte "
                          f"0x{data[exc.start]:02x}) - save the file as UTF-8") from None


def _build(raw: dict[str, Any], base: Path, source: str,
           flags: Mapping[str, str] | None = None) -> Settings:
    unknown = sorted(str(key) for key in raw if key not in _KEYS)
    if unknown:
        valid = ", ".join(sorted(_KEYS))
        raise ConfigError(f"unknown key {_shown(unknown[0])} in {source}; valid keys: {valid}")
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        where = (flags or {}).get(f.name) or f"'{f.name}' in {source}"
        values[f.name] = _check(f.name, raw[f.name], base, where)
    return dataclasses.replace(Settings(), **values)


def _shown(value: Any) -> str:
    """A config value as an error message quotes it: its repr, cut short. A value can be huge
    (a YAML alias bomb expands 200 bytes to a million leaves) and a message stays one line."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


_SHOWN_CHARS = 80


def _fail(where: str, problem: str) -> ConfigError:
    """A bad value: `where` says which ("'k' in config.yaml", "-k"), `problem` what is wrong."""
    return ConfigError(f"{where} {problem}")


def _check(key: str, value: Any, base: Path, where: str) -> Any:
    if key == "corpus":
        items = [value] if isinstance(value, (str, os.PathLike)) else value
        if not isinstance(items, (list, tuple)) or not items:
            raise _fail(where, "must be a path or a non-empty list of paths")
        paths = []
        for item in items:
            if not isinstance(item, (str, os.PathLike)) or not str(item).strip():
                raise _fail(where, f"must hold paths, got {_shown(item)}")
            p = _resolve(item, base)
            if not p.exists():
                raise _fail(where, f"names {p}, which does not exist - fix the path")
            paths.append(p)
        return tuple(paths)
    if key == "store":
        if value is None:  # not named: the corpus's folder in the cache (default_store)
            return None
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise _fail(where, f"must be a directory path, got {_shown(value)}")
        if isinstance(value, str) and "://" in value:
            return _store_uri(value, base, where)
        return _resolve(value, base)
    if key in ("model", "search", "milvus_collection", "milvus_token_env"):
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, f"must be a string, got {_shown(value)}")
        if key == "search" and value not in SEARCH_MODES:
            raise _fail(where, f"must be one of {', '.join(SEARCH_MODES)}, got {_shown(value)}")
        return value
    if key in ("k", "context", "ann_min_sentences", "milvus_mirror_below"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(where, f"must be a whole number, got {_shown(value)}")
        low, high = {"k": (1, MAX_K), "context": (0, 10), "ann_min_sentences": (1, 10**10),
                     "milvus_mirror_below": (0, 10**12)}[key]
        if not low <= value <= high:
            raise _fail(where, f"must be between {low} and {high}, got {value}")
        return value
    if key in ("abstain_threshold", "max_file_mb"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(where, f"must be a number, got {_shown(value)}")
        if key == "abstain_threshold" and not 0.0 <= value <= 1.0:
            raise _fail(where, f"must be between 0 and 1, got {_shown(value)}")
        if key == "max_file_mb" and not value > 0:
            raise _fail(where, f"must be more than 0, got {_shown(value)}")
        if key == "max_file_mb" and not value < 10**9:  # .inf too: it becomes a byte count
            raise _fail(where, f"must be a finite number of megabytes, got {_shown(value)}")
        return float(value)
    if key in ("follow_links", "milvus_read_only"):
        if not isinstance(value, bool):
            raise _fail(where, f"must be true or false, got {_shown(value)}")
        return value
    if key == "extensions":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(
            isinstance(e, str) and e.startswith(".") for e in items
        ):
            raise _fail(where, f"must be a list like ['.txt', '.md'], got {_shown(value)}")
        return tuple(e.lower() for e in items)
    raise AssertionError(key)  # pragma: no cover - every field is handled above


STORE_SCHEMES = ("milvus", "http", "https", "tcp")


def _store_uri(value: str, base: Path, where: str) -> str:
    """A Milvus URI as given; a relative Milvus Lite file is taken from `base`."""
    scheme, rest = value.split("://", 1)
    if scheme.lower() not in STORE_SCHEMES:
        raise _fail(where, f"must be a folder or a URI starting with "
                    f"{', '.join(s + '://' for s in STORE_SCHEMES)}, got {_shown(value)}")
    if scheme.lower() == "milvus":
        if not rest.strip("/"):
            raise _fail(where, f"names no Milvus Lite file, got {_shown(value)} - write "
                        "milvus:///path/to/qa.db")
        return f"milvus://{_resolve(rest, base)}"
    return value


def _resolve(value: str | os.PathLike[str], base: Path) -> Path:
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else base / p


def cache_dir() -> Path:
    """Where qa keeps what it can make again (the query model): $QA_CACHE, else the user's
    cache directory. Tests point QA_CACHE at one folder per session."""
    override = os.environ.get("QA_CACHE")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa", appauthor=False))


def default_store(corpus: tuple[Path, ...]) -> Path:
    """The store of a corpus no config or flag gave one: a folder of the user's cache keyed by
    the corpus's absolute paths, links resolved (the same folder reached through a link is the
    same corpus, as its files are listed with links resolved), so two corpora never share one
    and the cwd stays clean."""
    real = [Path(os.path.realpath(p.expanduser())) for p in corpus]
    key = "\n".join(sorted(str(p) for p in real))
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    name = real[0].name if len(real) == 1 and real[0].name else "corpus"
    return cache_dir() / "stores" / f"{_slug(name)}-{digest}"


def _slug(name: str) -> str:
    """A folder name readable in a listing of the cache: letters, digits, '-', '_' and '.'."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)[:40]


DEFAULTS = Settings()
__all__ = ["CONFIG_ENV", "DEFAULTS", "FLAGS", "MAX_K", "SEARCH_MODES", "Settings", "cache_dir",
           "command_settings", "default_store", "find_config", "load_settings"]
