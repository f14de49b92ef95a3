"""`qa serve`: the Bot over HTTP (a JSON API and a web chat), safe to leave running.

The service (and anyio under it) is imported on first use, so the CLI, which registers the
`serve` subcommand, starts no slower for it.
"""

from __future__ import annotations

from typing import Any

from qa.errors import ConversationsFullError, NotReadyError
from qa.serve.conversations import Conversations
from qa.serve.limits import Limits, RateLimiter

_LAZY = {"Service", "Status"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from qa.serve import service

        return getattr(service, name)
    raise AttributeError(f"module 'qa.serve' has no attribute {name!r}")


__all__ = ["Conversations", "ConversationsFullError", "Limits", "NotReadyError", "RateLimiter",
           "Service", "Status"]
