"""The web chat's page, its login form and its two assets, and the headers every response gets.

The assets are package data read once at start into memory: a request names one of them by a
fixed key, so no part of a URL ever becomes a file-system path.
"""

from __future__ import annotations

import html
from importlib import resources
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.serve.guard import COOKIE, Guard, HTTPError, error_response

ASSETS = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}
# No inline script or style, nothing from elsewhere: a sentence that smuggled markup into the
# page could still not run anything.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"),
           (b"cache-control", b"no-store")]
LOGIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qa - sign in</title><link rel="stylesheet" href="/static/chat.css"></head>
<body><main class="login"><h1>qa</h1>
<form method="post" action="/login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" autofocus>
<button type="submit">Sign in</button>
<p class="error" role="alert">{message}</p>
</form></main></body></html>
"""


def _read(name: str) -> bytes:
    return resources.files("qa.serve").joinpath("static", name).read_bytes()


class Pages:
    """GET /, POST /login, GET /static/{name}, GET /favicon.ico (none)."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.page = _read("index.html")
        self.assets = {name: (_read(name), kind) for name, kind in ASSETS.items()}

    def routes(self) -> list[Route]:
        return [Route("/", self.index, methods=["GET"]),
                Route("/login", self.login, methods=["POST"]),
                Route("/static/{name}", self.asset, methods=["GET"]),
                Route("/favicon.ico", self.no_icon, methods=["GET"])]

    async def index(self, request: Request) -> Response:
        if not self.guard.authorised(request):
            return self._login_form("", 401)
        return Response(self.page, media_type="text/html; charset=utf-8")

    async def asset(self, request: Request) -> Response:
        found = self.assets.get(request.path_params["name"])
        if found is None:
            return error_response(404, "no such file - the page uses /static/chat.js and "
                                  "/static/chat.css only")
        return Response(found[0], media_type=found[1])

    async def no_icon(self, request: Request) -> Response:
        """Browsers ask for /favicon.ico unprompted: say there is none, without a 404 that
        shows as an error in every visitor's console."""
        return Response(status_code=204)

    async def login(self, request: Request) -> Response:
        try:
            self.guard.check_rate(request)
            body = await self.guard.body(request)
        except HTTPError as exc:
            return self._login_form(exc.message, exc.status)
        given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if self.guard.token is None:
            return RedirectResponse("/", status_code=303)
        if not self.guard.matches(given):
            return self._login_form("That token is not the one this server was started with.",
                                    401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, self.guard.session, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    def _login_form(self, message: str, status: int) -> Response:
        return HTMLResponse(LOGIN.format(message=html.escape(message)), status_code=status)


class SecurityHeaders:
    """Adds the Content-Security-Policy and its companions to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["ASSETS", "CSP", "Pages", "SecurityHeaders"]
