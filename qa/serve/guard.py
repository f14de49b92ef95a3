"""Who may call, how much, and how errors look: the checks every request passes first.

A token (from `--token-env NAME`) is accepted as `Authorization: Bearer TOKEN` or, for the
web page, as the session cookie the login form sets (an HMAC of the token, so the cookie never
holds the token itself). Every error is JSON: {"error": what happened and what to do, "status"}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from qa.serve.limits import Limits, RateLimiter

COOKIE = "qa_session"


class HTTPError(Exception):
    """A request refused with `status` and a message a person can act on."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status,
                        headers=headers)


class Guard:
    """The token, the rate limiter and the body limits, checked by every API handler."""

    def __init__(self, token: str | None, limits: Limits) -> None:
        self.token = token or None
        self.limits = limits
        self.rates = RateLimiter(limits.rate, limits.burst, limits.clients)
        self.session = (hmac.new(self.token.encode(), b"qa serve session", hashlib.sha256)
                        .hexdigest() if self.token else "")

    def matches(self, given: str) -> bool:
        """Whether `given` is the token (in constant time)."""
        return self.token is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def authorised(self, request: Request) -> bool:
        """True without a token; with one, when the request carries it or the session cookie."""
        if self.token is None:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.matches(given.strip()):
            return True
        cookie = request.cookies.get(COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.session.encode())

    def check(self, request: Request, limited: bool = True) -> None:
        """Rate first (so guessing tokens is slow too), then the token.

        A request that is not `limited` (the health checks, which monitors poll) skips the
        rate, unless it fails the token: every wrong guess counts, on any path.
        """
        authorised = self.authorised(request)
        if limited or not authorised:
            self.check_rate(request)
        if not authorised:
            raise HTTPError(401, "this server needs a token: send 'Authorization: Bearer "
                            "TOKEN' (the value of the variable named by qa serve "
                            "--token-env)", {"WWW-Authenticate": 'Bearer realm="qa"'})

    def check_rate(self, request: Request) -> None:
        """429 when this client has used up its requests for now."""
        client = request.client.host if request.client else "unknown"
        wait = self.rates.take(client)
        if wait > 0:
            # rounded up to a tenth, so that a wait of a few milliseconds is never "0.0 s"
            shown = math.ceil(wait * 10) / 10
            raise HTTPError(429, f"too many requests: at most {self.limits.rate:g} a second "
                            f"from one client - wait {shown:.1f} s and try again",
                            {"Retry-After": str(max(1, round(wait + 0.5)))})

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 past `max_body_bytes` before it is all read."""
        limit = self.limits.max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise HTTPError(413, f"the request body is {int(length):,} bytes; the limit is "
                            f"{limit:,} - send only the question and its options")
        data = bytearray()
        async for part in request.stream():
            data += part
            if len(data) > limit:
                raise HTTPError(413, f"the request body is over the limit of {limit:,} bytes "
                                "- send only the question and its options")
        return bytes(data)

    async def fields(self, request: Request, allowed: tuple[str, ...]) -> dict[str, Any]:
        """The JSON object in the body (empty body: {}), with only `allowed` keys."""
        raw = await self.body(request)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HTTPError(400, f"the body is not JSON ({exc}) - send an object such as "
                            '{"question": "who won?"}') from None
        if not isinstance(data, dict):
            raise HTTPError(400, 'the body must be a JSON object such as {"question": "who won?"}')
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            known = (f"the fields are: {', '.join(allowed)}" if allowed else
                     "this call takes no fields - send no body, or {}")
            raise HTTPError(400, f"unknown field {unknown[0]!r}; {known}")
        return data

    def question(self, data: dict[str, Any]) -> str:
        """The `question` field: a non-empty string within the length limit."""
        question = data.get("question")
        if not isinstance(question, str) or not question.strip():
            raise HTTPError(400, 'the body needs a "question": a non-empty string')
        limit = self.limits.max_question_chars
        if len(question) > limit:
            raise HTTPError(413, f"the question is {len(question):,} characters long; the "
                            f"limit is {limit:,} - ask it in fewer words")
        return question

    def k(self, data: dict[str, Any]) -> int | None:
        """The optional `k` field: how many sentences, 1 to `max_k`."""
        k = data.get("k")
        if k is None:
            return None
        top = self.limits.max_k
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= top:
            raise HTTPError(400, f'"k" must be a whole number from 1 to {top}, got {k!r}')
        return k


__all__ = ["COOKIE", "Guard", "HTTPError", "error_response"]
