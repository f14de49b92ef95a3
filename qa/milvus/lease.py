"""One indexer at a time on a Milvus server: a writer lease kept in the meta collection.

Milvus has no compare-and-set, so the lease is taken by writing it, waiting LEASE_SETTLE, and
reading it back: of two indexers that wrote at once, the one whose write landed last holds it
and the other waits. A lease names its holder and expires LEASE_SECONDS after it was last
renewed, so a killed indexer's lease is taken over. Milvus Lite needs none: one process at a
time opens its file (qa.milvus.client).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qa.errors import StoreError
from qa.milvus import collections as coll

LEASE_SECONDS = 120.0  # renewed after every file written
LEASE_WAIT_SECONDS = 60.0  # how long a second indexer waits before it gives up
LEASE_SETTLE = 0.5  # between writing the lease and reading it back
KEY = "writer"


class Lease:
    """The writer lease of one store, held by this process while `held()` is open."""

    def __init__(self, client: Any, collection: str, describe: str) -> None:
        self.client = client
        self.collection = collection
        self.describe = describe
        self.me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holding = False

    @contextmanager
    def held(self) -> Iterator[None]:
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        while True:
            now = coll.get(self.client, self.collection, KEY) or {}
            if now.get("owner") in (None, self.me) or float(now.get("until", 0)) < time.time():
                self._write()
                time.sleep(LEASE_SETTLE)
                if (coll.get(self.client, self.collection, KEY) or {}).get("owner") == self.me:
                    break
            if time.monotonic() > deadline:
                raise StoreError(f"{self.describe} is being synced by another indexer "
                                 f"({now.get('owner')}) - try again when it finishes")
            time.sleep(1.0)
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            coll.put(self.client, self.collection, KEY, {})

    def renew(self) -> None:
        """Push the expiry on (a long sync keeps its lease)."""
        if self.holding:
            self._write()

    def _write(self) -> None:
        coll.put(self.client, self.collection, KEY,
                 {"owner": self.me, "until": time.time() + LEASE_SECONDS})


__all__ = ["LEASE_SECONDS", "LEASE_WAIT_SECONDS", "Lease"]
