"""What one server lets its clients do: the limits in one place, and the per-client rate.

Every number here is a choice for a team's shared server on a small machine, not a fit; each
over-limit request gets a JSON error that names the limit (see qa.serve.app).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from qa.text import MAX_QUESTION_CHARS


@dataclass(frozen=True)
class Limits:
    """The server's limits; `qa serve` flags override the rate and the conversations kept."""

    max_body_bytes: int = 16 * 1024  # a question with its options fits in far less
    max_question_chars: int = MAX_QUESTION_CHARS  # the Bot's own limit, checked before the queue
    max_k: int = 20  # sentences per answer: a page of them
    conversations: int = 1000  # kept at once; a new one past this waits for one to expire
    conversation_seconds: float = 30 * 60  # idle time before a conversation is forgotten
    rate: float = 10.0  # requests per second per client (0: no limit)
    burst: int = 20  # requests a client may make at once before the rate applies
    clients: int = 10_000  # clients whose rate is remembered; the idlest are forgotten first


class RateLimiter:
    """A token bucket per client: `burst` requests at once, then `rate` a second.

    Thread-safe; a client is its address (or its token's hash), so one browser tab and one
    script on the same machine share a bucket.
    """

    def __init__(self, rate: float, burst: int, clients: int = 10_000) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clients = clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when `client` may go ahead (one request taken), else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.clients:
                self._buckets.popitem(last=False)
            return wait


__all__ = ["Limits", "RateLimiter"]
