"""`qa serve`: the Bot over HTTP (a JSON API and a web chat), safe to leave running."""

from __future__ import annotations

from qa.serve.conversations import Conversations, ConversationsFullError
from qa.serve.limits import Limits, RateLimiter
from qa.serve.service import NotReadyError, Service, Status

__all__ = ["Conversations", "ConversationsFullError", "Limits", "NotReadyError", "RateLimiter",
           "Service", "Status"]
