"""The HTTP API and the web page, as one Starlette app over a Service.

    GET    /                                 the web chat (a login form when a token is set)
    POST   /login                            the login form's target: sets the session cookie
    GET    /static/{name}                    the page's script and style (package data)
    GET    /favicon.ico                      204: there is none (browsers ask unprompted)
    GET    /api/health                       the process is up
    GET    /api/ready                        the store is loaded (503 while it is built)
    GET    /api/sources                      the indexed documents
    POST   /api/ask                          {"question", "k"?} -> an answer
    POST   /api/conversations                -> {"conversation": id}
    POST   /api/conversations/{id}/ask       {"question", "k"?} -> the answer to a turn
    POST   /api/conversations/{id}/more      {"k"?} -> the next sentences for the last turn
    DELETE /api/conversations/{id}           forget it
    POST   /api/reindex                      re-read the corpus (token holders only); ?wait=1

An answer's body is `Answer.to_dict()`, the `qa --json` form, plus "matches": for each hit, the
[start, end) character ranges of its words that match the question's (what the page emphasises)
and, from conversation routes, "conversation": the id.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qa.bot import Answer
from qa.chat import Conversation
from qa.errors import ConversationsFullError, NotReadyError, QAError, QuestionError
from qa.serve.conversations import Conversations
from qa.serve.guard import Guard, HTTPError, error_response
from qa.serve.limits import Limits
from qa.serve.pages import Pages, SecurityHeaders
from qa.serve.service import Service
from qa.text import WORD, terms

log = logging.getLogger("qa.serve")
Handler = Callable[[Request], Awaitable[Response]]


def matches(text: str, question: str) -> list[list[int]]:
    """[start, end) of each word of `text` sharing a stem with the question's terms."""
    wanted = set(terms(question))
    if not wanted:
        return []
    return [[m.start(), m.end()] for m in WORD.finditer(text) if set(terms(m.group())) & wanted]


def answer_body(answer: Answer, conversation: str | None = None) -> dict[str, Any]:
    """The JSON of an answer: `Answer.to_dict()` plus the matched words (and the conversation)."""
    body = answer.to_dict()
    query = answer.understood_as or answer.question
    body["matches"] = [matches(hit.text, query) for hit in answer.hits]
    if conversation is not None:
        body["conversation"] = conversation
    return body


class Api:
    """The handlers; each passes the Guard, then asks the Service."""

    def __init__(self, service: Service, guard: Guard, conversations: Conversations) -> None:
        self.service = service
        self.guard = guard
        self.conversations = conversations

    def routes(self) -> list[Route]:
        e = self._endpoint
        return [
            # Monitors poll these two, and they cost nothing: never rate-limited.
            Route("/api/health", e(self.health, limited=False), methods=["GET"]),
            Route("/api/ready", e(self.ready, limited=False), methods=["GET"]),
            Route("/api/sources", e(self.sources), methods=["GET"]),
            Route("/api/ask", e(self.ask), methods=["POST"]),
            Route("/api/conversations", e(self.open), methods=["POST"]),
            Route("/api/conversations/{key}/ask", e(self.turn), methods=["POST"]),
            Route("/api/conversations/{key}/more", e(self.more), methods=["POST"]),
            Route("/api/conversations/{key}", e(self.close), methods=["DELETE"]),
            Route("/api/reindex", e(self.reindex), methods=["POST"]),
        ]

    def _endpoint(self, handler: Handler, limited: bool = True) -> Handler:
        """`handler` behind the guard (`limited`: under the per-client rate), its errors as
        JSON with the right status."""

        async def endpoint(request: Request) -> Response:
            try:
                self.guard.check(request, limited)
                return await handler(request)
            except HTTPError as exc:
                return error_response(exc.status, exc.message, exc.headers)
            except NotReadyError as exc:
                return error_response(503, str(exc), {"Retry-After": "2"})
            except ConversationsFullError as exc:
                return error_response(429, str(exc),
                                      {"Retry-After": str(max(1, round(exc.retry_after)))})
            except QuestionError as exc:
                return error_response(400, str(exc))
            except QAError as exc:
                log.error("%s %s: %s", request.method, request.url.path, exc)
                return error_response(500, str(exc))

        endpoint.__name__ = handler.__name__
        return endpoint

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(self, request: Request) -> Response:
        status = self.service.status()
        body: dict[str, object] = {"ready": status.ready, "reindexing": status.reindexing,
                "generation": status.generation, "sentences": status.sentences,
                "documents": status.documents, "conversations": len(self.conversations)}
        if status.error:
            body["error"] = status.error
        if not status.ready:
            body["error"] = body.get("error") or "the store is being built - try again soon"
            body["status"] = 503
            return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
        return JSONResponse(body)

    async def sources(self, request: Request) -> Response:
        bot = self.service.bot
        found = await self.service.run(bot.sources)
        return JSONResponse({"sources": [{"source": path, "title": title, "sentences": n}
                                         for path, title, n in found]})

    async def ask(self, request: Request) -> Response:
        data = await self.guard.fields(request, ("question", "k"))
        question, k = self.guard.question(data), self.guard.k(data)
        return JSONResponse(answer_body(await self.service.ask(question, k)))

    async def open(self, request: Request) -> Response:
        await self.guard.fields(request, ())
        key = self.conversations.open(Conversation(self.service.bot))
        return JSONResponse({"conversation": key,
                             "expires_after_idle_s": self.conversations.ttl}, status_code=201)

    def _conversation(self, request: Request) -> tuple[str, Conversation]:
        key = request.path_params["key"]
        conversation = self.conversations.get(key)
        if conversation is None:
            raise HTTPError(404, "no such conversation: it ended, or was idle too long and "
                            "was forgotten - start a new one (POST /api/conversations)")
        return key, conversation

    async def turn(self, request: Request) -> Response:
        key, conversation = self._conversation(request)
        data = await self.guard.fields(request, ("question", "k"))
        question, k = self.guard.question(data), self.guard.k(data)
        answer = await self.service.converse(conversation, question, k)
        return JSONResponse(answer_body(answer, key))

    async def more(self, request: Request) -> Response:
        key, conversation = self._conversation(request)
        k = self.guard.k(await self.guard.fields(request, ("k",)))
        answer = await self.service.converse(conversation, None, k)
        return JSONResponse(answer_body(answer, key))

    async def close(self, request: Request) -> Response:
        key, _ = self._conversation(request)
        self.conversations.close(key)
        return Response(status_code=204)

    async def reindex(self, request: Request) -> Response:
        if self.guard.token is None:
            raise HTTPError(403, "re-indexing over HTTP is only for holders of a token: start "
                            "qa serve with --token-env NAME, or restart it (it brings the "
                            "store up to date as it starts)")
        await self.guard.fields(request, ())
        started = self.service.reindex()
        if request.query_params.get("wait") in ("1", "true"):
            await anyio.to_thread.run_sync(self.service.wait)
            status = self.service.status()
            if status.error:
                return error_response(500, f"the re-index failed: {status.error}")
            return JSONResponse({"status": "done", "generation": status.generation,
                                 "sentences": status.sentences, "documents": status.documents})
        return JSONResponse({"status": "started" if started else "already running"},
                            status_code=202)


async def _not_found(request: Request, exc: Exception) -> Response:
    """404 and 405 as JSON; a 405 keeps Starlette's Allow header and names the method."""
    status, headers = 500, {}
    if isinstance(exc, HTTPException):
        status, headers = exc.status_code, dict(exc.headers or {})
    # Starlette lists a route's methods from a set, in any order: the main one (not HEAD) first
    methods = sorted((m.strip() for m in headers.get("Allow", "").split(",") if m.strip()),
                     key=lambda m: (m == "HEAD", m))
    allowed = methods[0] if methods else ""
    if methods:
        headers["Allow"] = ", ".join(methods)
    messages = {404: f"nothing at {request.url.path} - see the README's 'qa serve' section for "
                     "the API's paths",
                405: f"{request.method} is not allowed on {request.url.path}"
                     + (f" - use {allowed}" if allowed else "")}
    return error_response(status, messages.get(status, "the request failed"), headers)


def create_app(service: Service, token: str | None = None, limits: Limits | None = None,
               start: bool = True) -> Starlette:
    """The app for `service`; `start` builds the store when the app starts (its lifespan)."""
    limits = limits or Limits()
    guard = Guard(token, limits)
    conversations = Conversations(limits.conversations, limits.conversation_seconds)
    api = Api(service, guard, conversations)
    pages = Pages(guard)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.bind()
        if start:
            service.start()
        yield

    app = Starlette(routes=api.routes() + pages.routes(), lifespan=lifespan,
                    exception_handlers={404: _not_found, 405: _not_found})
    app.add_middleware(SecurityHeaders)
    app.state.service = service
    app.state.conversations = conversations
    return app


__all__ = ["Api", "answer_body", "create_app", "matches"]
