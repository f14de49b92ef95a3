"""`qa serve`: the click command. Starlette and uvicorn are imported only when it runs, so
`qa --help` and the chat start no slower for it."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from qa.config import load_settings
from qa.errors import QAError
from qa.serve.limits import Limits
from qa.text import safe


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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --token-env.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token-env", metavar="NAME",
              help="Require the token held in environment variable NAME on every request.")
@click.option("--rate", type=click.FloatRange(min=0), default=Limits.rate, show_default=True,
              help="Requests per second allowed per client (0: no limit).")
@click.option("--config", "config", type=click.Path(dir_okay=False),
              help="Config file (default: ./config.yaml when present).")
@click.option("--corpus", "corpus", multiple=True,
              help="File or folder to answer from; repeat for several.")
@click.option("--store", "store", help="Directory of the vector store.")
def serve(host: str, port: int, token_env: str | None, rate: float, config: str | None,
          corpus: tuple[str, ...], store: str | None) -> None:
    """Answer questions over HTTP: a JSON API and a web chat at http://HOST:PORT/."""
    token = read_token(host, token_env)
    if config is None and Path("config.yaml").is_file():
        config = "config.yaml"
    try:
        settings = load_settings(config, corpus=list(corpus) or None, store=store)
    except QAError as exc:
        raise click.ClickException(safe(str(exc))) from None
    import uvicorn

    from qa.serve.app import create_app
    from qa.serve.service import Service

    def notify(message: str) -> None:
        print(f"qa serve: {safe(message)}", file=sys.stderr, flush=True)

    limits = Limits(rate=rate, burst=max(Limits.burst, int(rate * 2)))
    app = create_app(Service(settings, notify=notify), token=token, limits=limits)
    shown = f"[{host}]" if ":" in host else host
    notify(f"http://{shown}:{port}/ ({'token required' if token else 'this machine only'}); "
           "Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


__all__ = ["is_loopback", "read_token", "serve"]
