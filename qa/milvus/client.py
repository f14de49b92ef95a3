"""Reaching Milvus: where the store is (a Milvus Lite file or a server URI), connecting, and
turning every failure on the way into one StoreError line a user can act on.

Milvus Lite keeps its data in a folder named like a file (`qa.db`) and lets one process open it
at a time (an advisory lock on its LOCK file). A second qa process waits for it up to
LITE_WAIT_SECONDS, then says who holds it; a server has no such limit.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import StoreError

LITE_WAIT_SECONDS = 60.0  # how long a second process waits for a Milvus Lite file
CONNECT_TIMEOUT = 5.0  # seconds to reach a server before saying it cannot be reached
INSTALL = "pip install 'qa[milvus]'"
_OPEN: set[str] = set()  # Milvus Lite folders this process has open (its own lock: no wait)


@dataclass(frozen=True)
class Location:
    """A Milvus store: the URI pymilvus connects to, the collection, the token's variable."""

    uri: str  # a Milvus Lite folder path ending in .db, or http(s)://host:port
    collection: str
    token_env: str

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(("http://", "https://", "tcp://"))

    @classmethod
    def parse(cls, store: str, collection: str, token_env: str) -> Location:
        """From the `store` setting: milvus:///path/qa.db or http(s)://host:port."""
        scheme, rest = store.split("://", 1)
        if scheme == "milvus":
            path = "/" + rest.lstrip("/")
            if not path.endswith(".db"):
                raise StoreError(f"Milvus Lite store {path} must be a name ending in .db - "
                                 "write milvus:///path/to/qa.db")
            return cls(path, collection, token_env)
        return cls(store, collection, token_env)

    def describe(self) -> str:
        where = f"milvus://{self.uri}" if self.lite else self.uri
        return f"collection {self.collection} at {where}"


def connect(where: Location) -> Any:
    """A MilvusClient for `where`; StoreError with one line for anything that stops it."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise StoreError(f"a Milvus store needs pymilvus and milvus-lite - run {INSTALL}") from None
    for name in ("milvus_lite", "pymilvus"):  # their own tracebacks stay off the user's screen
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    if where.lite:
        return _connect_lite(where, MilvusClient)
    token = os.environ.get(where.token_env, "") if where.token_env else ""
    try:
        client = MilvusClient(uri=where.uri, token=token, timeout=CONNECT_TIMEOUT)
        client.list_collections(timeout=CONNECT_TIMEOUT)
        version = str(client.get_server_version())
    except Exception as exc:  # noqa: BLE001 - pymilvus raises its own and plain grpc errors
        raise failure(where, exc) from None
    if _older(version, MIN_SERVER):
        raise StoreError(f"Milvus at {where.uri} is version {version}; qa needs "
                         f"{'.'.join(map(str, MIN_SERVER))} or later (its BM25 full-text "
                         "search) - upgrade the server")
    return client


# BM25 full-text search (a sparse field Milvus computes from the text) came with Milvus 2.5; an
# older server refuses the collection's index with a message about "field 104".
MIN_SERVER = (2, 5)


def _older(version: str, least: tuple[int, ...]) -> bool:
    """Whether a server version such as "v2.3.5" or "2.6.0-rc1" is older than `least`; a
    version that does not parse is let through (the server's own errors then speak)."""
    numbers = re.findall(r"\d+", version)
    if len(numbers) < len(least):
        return False
    return tuple(int(n) for n in numbers[:len(least)]) < least


def column_writer(where: Location, collection: str) -> Any:
    """pymilvus's column-wise insert for `collection`, or None where this pymilvus lacks it.

    Rows as dicts are packed field by field in Python: benchmarks/milvus.py measured 380 rows
    a second on Milvus Lite that way, 820 with columns (384-dim vectors, BM25 text).
    pymilvus 3.0 offers columns only through its ORM `Collection` (to be removed in 3.1).
    """
    import warnings

    try:
        from pymilvus import Collection, connections
    except ImportError:
        return None
    alias = f"qa-{os.getpid()}-{abs(hash((where.uri, collection)))}"
    token = os.environ.get(where.token_env, "") if where.token_env and not where.lite else ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            connections.connect(alias, uri=where.uri, token=token)
            return Collection(collection, using=alias)
    except Exception:  # noqa: BLE001 - any failure here leaves the row-wise insert
        return None


def _connect_lite(where: Location, client_class: Any) -> Any:
    folder = Path(where.uri)
    if not folder.parent.is_dir():
        raise StoreError(f"cannot make Milvus Lite store {folder}: folder {folder.parent} does "
                         "not exist - create it or fix the store URI")
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is a file, not a Milvus Lite store - pass another name")
    if str(folder.resolve()) not in _OPEN:
        _wait_for_lite(folder)
    try:
        import milvus_lite  # noqa: F401 - pymilvus needs it for a .db URI
    except ImportError:
        raise StoreError(f"a Milvus Lite store needs milvus-lite - run {INSTALL}") from None
    try:
        client = client_class(uri=str(folder))
        _OPEN.add(str(folder.resolve()))
        return client
    except Exception as exc:  # noqa: BLE001 - milvus-lite fails with many kinds
        if "Open local milvus failed" in str(exc):
            raise _busy(folder) from None
        raise failure(where, exc) from None


def _wait_for_lite(folder: Path) -> None:
    """Wait while another process holds the Milvus Lite lock (see module docstring)."""
    lock = folder / "LOCK"
    if not lock.exists():
        return
    deadline = time.monotonic() + LITE_WAIT_SECONDS
    while True:
        try:
            with open(lock, "rb") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise _busy(folder) from None
            time.sleep(0.2)
        except OSError:
            return  # unreadable: let milvus-lite say why


def _busy(folder: Path) -> StoreError:
    return StoreError(f"Milvus Lite store {folder} is in use by another qa process (an indexer "
                      f"or a bot) and was not freed within {LITE_WAIT_SECONDS:.0f} s - try "
                      "again when it finishes; for many users at once run a Milvus server")


def failure(where: Location, exc: BaseException) -> StoreError:
    """One line for a failed call to Milvus, saying what to check. pymilvus reports a refused
    token as a failed connection; the gRPC error it wraps says UNAUTHENTICATED, so the whole
    chain of causes is read."""
    text = str(getattr(exc, "message", "") or exc).strip().splitlines()[0] if str(exc) else ""
    chain: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(str(seen).lower())
        seen = seen.__cause__ or seen.__context__
    low = " ".join(chain)
    if any(w in low for w in ("auth", "token", "credential", "password",
                              "permission denied")):
        if not where.token_env:
            return StoreError(f"Milvus at {where.uri} asks for a token - put it in an "
                              "environment variable and name that in milvus_token_env")
        if not os.environ.get(where.token_env):
            return StoreError(f"Milvus at {where.uri} asks for a token and ${where.token_env} "
                              f"is not set - set it to a valid token (user:password)")
        return StoreError(f"Milvus at {where.uri} refused the token in ${where.token_env} - "
                          f"set {where.token_env} to a valid token (user:password)")
    if any(w in low for w in ("fail connecting", "unavailable", "deadline", "connect",
                              "illegal connection")):
        return StoreError(f"cannot reach Milvus at {where.uri} ({text}) - is the server "
                          "running, and is the URI right?")
    return StoreError(f"Milvus at {where.uri} failed: {text or exc.__class__.__name__}")


def close(client: Any, where: Location) -> None:
    """Close a client; for Milvus Lite also stop its in-process server, which frees the file
    for other processes (pymilvus keeps it until exit otherwise)."""
    with contextlib.suppress(Exception):
        client.close()
    if where.lite:
        with contextlib.suppress(Exception):
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(where.uri)
            _OPEN.discard(str(Path(where.uri).resolve()))


__all__ = ["CONNECT_TIMEOUT", "INSTALL", "LITE_WAIT_SECONDS", "Location", "close",
           "column_writer", "connect", "failure"]
