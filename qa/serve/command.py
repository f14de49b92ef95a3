"""`qa serve`: the click command. Starlette and uvicorn are imported only when it runs, so
`qa --help` and the chat start no slower for it.

Exit codes: 0 stopped (Ctrl-C), 1 a value or setting it cannot use (--port abc, no token for
a non-loopback host, the port in use, a bad config), 2 a usage error (an unknown option, an
option without its value), as the other qa commands.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import math
import os
import sys
from typing import TYPE_CHECKING

import click

from qa.bot import NO_CORPUS
from qa.config import Settings, command_settings
from qa.errors import ConfigError, CorpusError, QAError
from qa.index import make_folder
from qa.serve.limits import Limits
from qa.text import safe

if TYPE_CHECKING:
    import socket


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(host: str, token_env: str | None) -> str | None:
    """The token named by --token-env; a ClickException when a non-loopback host lacks one."""
    if token_env is None:
        if not is_loopback(host):
            raise click.ClickException(
                f"refusing to serve on {host} without a token: anyone who can reach it could "
                "read your documents - add --token-env NAME (the token in variable NAME)")
        return None
    token = os.environ.get(token_env, "")
    if len(token.strip()) < 8:
        raise click.ClickException(
            f"--token-env {token_env}: the variable is unset or shorter than 8 characters - "
            f"set it first, e.g. export {token_env}=$(python3 -c 'import secrets; "
            "print(secrets.token_urlsafe())')")
    return token.strip()


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (not yet listening), for uvicorn to serve on.

    Bound here, before the server starts, so that a port in use is one line and exit 1 with
    nothing printed before it (uvicorn would first start the app, then log its own error and
    exit 3). Port 0 picks a free port: the socket's name says which.
    """
    import socket  # here, not at import: the one-shot start loads this module and needs none

    address = host.strip("[]")
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: restart at once
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(_bind_error(host, port, exc)) from None
    return sock


def _bind_error(host: str, port: int, exc: OSError) -> str:
    """What went wrong binding host:port, and what to do about it."""
    import socket

    if isinstance(exc, socket.gaierror):
        return (f"--host {host}: not an address or a known host name - give an address of "
                "this machine (127.0.0.1 for this machine only, 0.0.0.0 for every network)")
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use - stop what uses it or choose another "
                "with --port")
    if exc.errno == errno.EACCES:
        return (f"not allowed to listen on port {port} on {host} (ports below 1024 need "
                "privileges) - choose another with --port, e.g. --port 8000")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"--host {host} is not an address of this machine - give one of its "
                "addresses (127.0.0.1 for this machine only, 0.0.0.0 for every network)")
    return f"cannot listen on {host} port {port}: {exc.strerror or exc} - check --host and --port"


def parse_port(text: str) -> int:
    """--port as given: a whole number from 0 to 65535, else a ConfigError naming the flag
    (one line and exit 1, as -k abc; not click's usage error, exit 2: a bad value is a bad
    value)."""
    try:
        port = int(text)
    except ValueError:
        raise ConfigError(f"--port must be a whole number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535 (0: any free port), got {port}")
    return port


def parse_rate(text: str) -> float:
    """--rate as given: requests a second, 0 (no limit) or more, else a ConfigError."""
    try:
        rate = float(text)
    except ValueError:
        raise ConfigError(f"--rate must be a number of requests per second, got "
                          f"{text!r}") from None
    if not 0 <= rate < math.inf:  # NaN fails this too
        raise ConfigError(f"--rate must be 0 (no limit) or a positive number, got {text}")
    return rate


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --token-env.")
@click.option("--port", "port_text", default="8000", show_default=True, metavar="INTEGER",
              help="Port to listen on, 0 to 65535 (0: any free port).")
@click.option("--token-env", metavar="NAME",
              help="Require the token held in environment variable NAME on every request.")
@click.option("--rate", "rate_text", default=str(Limits.rate), show_default=True,
              metavar="FLOAT", help="Requests per second allowed per client (0: no limit).")
@click.option("--config", "config",
              help="Config file (default: $QA_CONFIG, else ./config.yaml when present).")
@click.option("--corpus", "corpus", multiple=True,
              help="File or folder to answer from; repeat for several.")
@click.option("--store", "store", help="Directory of the vector store.")
@click.pass_context
def serve(ctx: click.Context, host: str, port_text: str, token_env: str | None, rate_text: str,
          config: str | None, corpus: tuple[str, ...], store: str | None) -> None:
    """Answer questions over HTTP: a JSON API and a web chat at http://HOST:PORT/."""
    try:
        port, rate = parse_port(port_text), parse_rate(rate_text)
        token = read_token(host, token_env)
        settings = _settings(ctx, config, corpus, store)
        sock = listen(host, port)
        try:
            prepare(settings)
        except QAError:
            sock.close()
            raise
    except QAError as exc:
        raise click.ClickException(safe(str(exc))) from None
    with sock:
        _run(sock, settings, token, rate)


def _settings(ctx: click.Context, config: str | None, corpus: tuple[str, ...],
              store: str | None) -> Settings:
    """The settings as the other qa commands make them (qa.ui.cli make_bot): serve's options,
    else those given before it (qa --corpus DIR serve), over the config file find_config
    finds; a bad value named by the flag the user typed."""
    parent = ctx.find_root().params
    config = config or parent.get("config")
    corpus = corpus or parent.get("corpus") or ()
    return command_settings(config, corpus, store or parent.get("store"), parent.get("k"))


def prepare(settings: Settings) -> None:
    """What the first build would refuse before reading a document, found before serving, so
    that it is one line and exit 1 as in the one-shot, not a server that never gets ready: no
    corpus, or a store folder that cannot be made or is someone else's (made here: the build
    makes it first too).
    A Milvus store is checked by the build, which opens it."""
    if not settings.corpus and not settings.milvus_read_only:
        raise CorpusError(NO_CORPUS)
    if isinstance(settings.store, str):
        return
    make_folder(settings.store_dir)


def _run(sock: socket.socket, settings: Settings, token: str | None, rate: float) -> None:
    """Serve on the bound `sock` until Ctrl-C, or until the first build fails (exit 1, its error
    the last line: the corpus holds nothing readable, say, which only reading it finds)."""
    import uvicorn

    from qa.serve.app import create_app
    from qa.serve.service import Service

    def notify(message: str) -> None:
        print(f"qa serve: {safe(message)}", file=sys.stderr, flush=True)

    failure: list[str] = []

    def failed(error: str) -> None:  # the first build: nothing to serve, so stop
        failure.append(error)
        server.should_exit = True

    limits = Limits(rate=rate, burst=max(Limits.burst, int(rate * 2)))
    app = create_app(Service(settings, notify=notify, failed=failed), token=token, limits=limits)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    notify(f"http://{shown}:{port}/ ({'token required' if token else 'this machine only'}); "
           "Ctrl-C stops")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    # uvicorn stops cleanly on Ctrl-C, then raises it again for its caller: the stop is ours.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    if failure:
        raise click.ClickException(safe(failure[0]))


__all__ = ["is_loopback", "listen", "parse_port", "parse_rate", "prepare",
           "read_token", "serve"]
