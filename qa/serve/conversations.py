"""Conversations kept by the server: each a qa.Conversation, found by a random id, kept for a
limited time and number so a busy server's memory stays bounded."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from qa.chat import Conversation
from qa.errors import ConversationsFullError


@dataclass
class Kept:
    """One conversation and when it was last used (monotonic seconds)."""

    conversation: Conversation
    used: float


class Conversations:
    """At most `limit` conversations, each forgotten `ttl` seconds after its last use.

    Ids are 128 random bits, so one client cannot guess another's. Thread-safe.
    """

    def __init__(self, limit: int, ttl: float) -> None:
        self.limit = limit
        self.ttl = ttl
        self._kept: OrderedDict[str, Kept] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(time.monotonic())
            return len(self._kept)

    def open(self, conversation: Conversation) -> str:
        """Keep `conversation`; its new id. ConversationsFullError when none can be kept."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if len(self._kept) >= self.limit:
                oldest = next(iter(self._kept.values()))
                wait = max(1.0, oldest.used + self.ttl - now)
                raise ConversationsFullError(
                    f"the server already keeps {self.limit:,} conversations - try again in "
                    f"{wait:.0f} s, or ask without one (POST /api/ask)", wait)
            key = secrets.token_urlsafe(16)
            self._kept[key] = Kept(conversation, now)
            return key

    def get(self, key: str) -> Conversation | None:
        """The conversation `key` names, marked as just used; None when unknown or expired."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            kept = self._kept.get(key)
            if kept is None:
                return None
            kept.used = now
            self._kept.move_to_end(key)
            return kept.conversation

    def close(self, key: str) -> bool:
        """Forget `key`; whether it was kept."""
        with self._lock:
            return self._kept.pop(key, None) is not None

    def _expire(self, now: float) -> None:
        while self._kept:
            key, kept = next(iter(self._kept.items()))
            if now - kept.used < self.ttl:
                break
            del self._kept[key]


__all__ = ["Conversations", "ConversationsFullError", "Kept"]
