"""qa serve's API against the real app: real model, a small real corpus, every endpoint and
every error status, with the token on and off."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx (the test extra)")

from click.testing import CliRunner
from starlette.testclient import TestClient

from qa import Bot, Conversation
from qa.config import Settings
from qa.errors import ConfigError
from qa.serve import Limits, Service
from qa.serve.app import create_app
from qa.serve.command import listen
from qa.serve.pages import CSP
from qa.text import terms
from qa.ui.cli import cli
from tests.serve_support import ROOT, TOKEN, corpus_settings, make_corpus, without_extras

OPEN = Limits(rate=0)  # TestClient's requests all come from one client
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KSF = "what did Stoltenberg say about the KSF"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("serve")
    return corpus_settings(make_corpus(base / "corpus"), base / "store")


@pytest.fixture(scope="module")
def service(settings: Settings) -> Iterator[Service]:
    """One Service (one Bot, built once) for the module's apps."""
    service = Service(settings)
    with TestClient(create_app(service, limits=OPEN)):
        assert service.wait(300)
    assert service.status().ready, service.status().error
    yield service


@pytest.fixture(scope="module")
def bot(service: Service) -> Bot:
    """A second Bot on the same store, sharing the model: what the terminal would use."""
    return Bot.from_settings(service.settings, embedder=service.bot.embedder)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service, limits=OPEN, start=False)) as client:
        yield client


@pytest.fixture
def locked(service: Service) -> Iterator[TestClient]:
    """The same server with a token required."""
    with TestClient(create_app(service, token=TOKEN, limits=OPEN, start=False)) as client:
        yield client


def _error(response: Any, status: int, *words: str) -> str:
    """Check an error response: the status, JSON, and a message naming `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    message: str = body["error"]
    for word in words:
        assert word in message, message
    return message


# --- the endpoints ---------------------------------------------------------------------------


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}
    ready = client.get("/api/ready").json()
    assert ready["ready"] is True and ready["documents"] == 3 and ready["sentences"] > 20


def test_ask_is_the_json_of_the_cli(client: TestClient, bot: Bot) -> None:
    body = client.post("/api/ask", json={"question": KSF}).json()
    assert without_extras(body) == bot.ask(KSF).to_dict()
    assert body["hits"][0]["speaker"] == "Jens Stoltenberg"
    assert "constitution" in body["hits"][0]["text"]
    assert body["confidence"] in ("high", "low")  # answered; as sure as the CLI is, above


def _named(text: str) -> set[str]:
    """The field names (`name` in backticks) in a stretch of the README."""
    return set(re.findall(r"`([a-z_]+)`", text))


def test_the_readme_names_the_fields_of_an_answer(client: TestClient) -> None:
    """The README's "qa serve" field list is what the API sends (`Answer.to_dict()`)."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    section = readme.split("## qa serve", 1)[1].split(" ## ", 1)[0]
    listed = section.split("An answer is exactly", 1)[1].split("Statuses:", 1)[0]
    assert "where each hit has" in listed and "The server adds" in listed, listed
    top, rest = listed.split("where each hit has", 1)
    per_hit, added = rest.split("The server adds", 1)
    body = client.post("/api/conversations/" + client.post("/api/conversations")
                       .json()["conversation"] + "/ask", json={"question": KSF}).json()
    assert _named(top) == set(without_extras(body))
    assert _named(per_hit) == set(body["hits"][0])
    assert _named(added) == set(body) - set(without_extras(body)) == {"matches", "conversation"}


def test_matches_are_the_question_words(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": KSF, "k": 2}).json()
    assert len(body["hits"]) == 2 == len(body["matches"])
    wanted = set(terms(KSF))
    marked = [body["hits"][i]["text"][s:e] for i, ranges in enumerate(body["matches"])
              for s, e in ranges]
    assert marked and all(set(terms(word)) & wanted for word in marked)


def test_conversation_follow_ups_equal_the_chat(client: TestClient, bot: Bot) -> None:
    key = client.post("/api/conversations").json()["conversation"]
    chat = Conversation(bot)
    for question in ["What did Vucic say about Kosovo?", "who did he thank?", None,
                     "who is the chief engineer at Portmill?", "what did he warn about?"]:
        if question is None:
            served = client.post(f"/api/conversations/{key}/more").json()
            expected = chat.more()
        else:
            served = client.post(f"/api/conversations/{key}/ask",
                                 json={"question": question}).json()
            expected = chat.ask(question)
        assert served["conversation"] == key
        assert without_extras(served) == expected.to_dict()
    assert "Brandt" in served["understood_as"]


def test_sources_lists_every_document(client: TestClient) -> None:
    sources = client.get("/api/sources").json()["sources"]
    names = sorted(Path(s["source"]).name for s in sources)
    assert names == ["glimmer-ledger.txt", "nato-serbia-kosovo-security-forces.txt",
                     "portmill-harbour.txt"]
    assert all(s["sentences"] > 0 for s in sources)


def test_a_closed_conversation_is_gone(client: TestClient) -> None:
    key = client.post("/api/conversations").json()["conversation"]
    assert client.delete(f"/api/conversations/{key}").status_code == 204
    _error(client.post(f"/api/conversations/{key}/ask", json={"question": KSF}), 404,
           "POST /api/conversations")
    _error(client.post("/api/conversations/nope/more"), 404, "no such conversation")
    _error(client.delete("/api/conversations/nope"), 404)


def test_more_before_any_question_is_a_bad_request(client: TestClient) -> None:
    key = client.post("/api/conversations").json()["conversation"]
    _error(client.post(f"/api/conversations/{key}/more"), 400, "ask one first")


def test_the_page_and_its_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    html = page.text
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)  # no inline script
    assert not re.search(r"<script[^>]*>[^<]+</script>", html)
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    for name in ("chat.js", "chat.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.content
        assert asset.headers["x-content-type-options"] == "nosniff"
    script = client.get("/static/chat.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "http" not in script.replace("credentials", "")


def test_hostile_text_comes_back_as_plain_text(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "what did the treasurer write in the "
                                                     "margin of the ledger"}).json()
    assert "<script>window.__xss = 1</script>" in body["hits"][0]["text"]
    assert body["hits"][0]["source"].endswith("glimmer-ledger.txt")


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload, words", [
    (b"not json", ("not JSON",)),
    (b"[1, 2]", ("JSON object",)),
    (b"{}", ('"question"',)),
    (json.dumps({"question": "   "}).encode(), ('"question"',)),
    (json.dumps({"question": 42}).encode(), ('"question"',)),
    (json.dumps({"question": KSF, "k": 0}).encode(), ('"k"', "1 to 20")),
    (json.dumps({"question": KSF, "k": "3"}).encode(), ('"k"',)),
    (json.dumps({"question": KSF, "k": 21}).encode(), ('"k"',)),
    (json.dumps({"question": KSF, "top": 3}).encode(), ("unknown field 'top'",)),
    (json.dumps({"question": "\x1b[31m\x00"}).encode(), ("empty",)),
])
def test_bad_questions_are_400(client: TestClient, payload: bytes, words: tuple[str, ...]) -> None:
    _error(client.post("/api/ask", content=payload,
                       headers={"content-type": "application/json"}), 400, *words)


def test_too_large_is_413(client: TestClient) -> None:
    _error(client.post("/api/ask", json={"question": "why " * 1001}), 413, "characters",
           "fewer words")
    _error(client.post("/api/ask", content=b"{" + b" " * 20_000 + b"}",
                       headers={"content-type": "application/json"}), 413, "16,384")

    def chunks() -> Iterator[bytes]:  # no content-length: refused while it is read
        yield b'{"question": "'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"}'

    _error(client.post("/api/ask", content=chunks()), 413, "limit")


def test_unknown_paths_and_methods(client: TestClient) -> None:
    _error(client.get("/api/nothing"), 404, "/api/nothing")
    _error(client.get("/api/ask"), 405, "GET")


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/api/ask", "POST"),
    ("PUT", "/api/conversations", "POST"),
    ("GET", "/api/conversations/some-id", "DELETE"),
    ("POST", "/api/sources", "GET, HEAD"),
])
def test_a_wrong_method_says_which_to_use(client: TestClient, method: str, path: str,
                                          allowed: str) -> None:
    """405 names the method to use, in the message and in the Allow header HTTP requires."""
    response = client.request(method, path)
    _error(response, 405, method, f"use {allowed.split(',')[0]}")
    assert response.headers["allow"] == allowed


def test_a_call_that_takes_no_fields_says_so(client: TestClient) -> None:
    """POST /api/conversations takes no fields: the error says that, not an empty list."""
    message = _error(client.post("/api/conversations", json={"topic": "ports"}), 400,
                     "unknown field 'topic'", "takes no fields")
    assert not message.rstrip().endswith(":"), message


@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/..%2Fpyproject.toml", "/static/%2e%2e/pyproject.toml",
    "/static/%2Fetc%2Fpasswd", "/static//etc/passwd", "/static/index.html", "/static/__init__.py",
    "/../../../../etc/passwd", "/etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/api/conversations/..%2F..%2Fetc%2Fpasswd/ask", "/static/chat.js/../../app.py",
])
def test_no_request_path_reaches_the_file_system(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 405)
    assert "root:" not in response.text and "[project]" not in response.text
    assert "import" not in response.text


def test_too_many_requests_is_429(service: Service) -> None:
    limits = Limits(rate=1, burst=3)
    with TestClient(create_app(service, limits=limits, start=False)) as client:
        statuses = [client.get("/api/sources").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
        response = client.post("/api/ask", json={"question": KSF})
        _error(response, 429, "at most 1 a second")
        assert int(response.headers["retry-after"]) >= 1


def test_a_short_wait_is_not_said_as_zero(service: Service) -> None:
    """At 50 requests a second a client waits at most 0.02 s: the 429 says a wait the client
    can act on ("wait 0.1 s"), never "wait 0.0 s"."""
    with TestClient(create_app(service, limits=Limits(rate=50, burst=1), start=False)) as client:
        refused = [r for r in (client.post("/api/ask", content=b"{}") for _ in range(50))
                   if r.status_code == 429]
    assert refused, "no request was refused at 50 a second"
    for response in refused:
        wait = re.search(r"wait ([0-9.]+) s", _error(response, 429, "at most 50 a second"))
        assert wait is not None and float(wait.group(1)) > 0, response.json()


def test_health_checks_are_not_rate_limited(service: Service) -> None:
    """A monitor polls /api/health and /api/ready: never 429, even after the questions'
    rate is used up; the question endpoints keep it."""
    limits = Limits(rate=1, burst=3)
    with TestClient(create_app(service, limits=limits, start=False)) as client:
        for _ in range(30):
            assert client.get("/api/health").status_code == 200
            assert client.get("/api/ready").status_code == 200
        assert [client.get("/api/sources").status_code for _ in range(4)] == [200] * 3 + [429]
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/ready").status_code == 200


def test_wrong_tokens_on_the_health_checks_are_rate_limited(service: Service) -> None:
    """Exempt from the rate only with the token: guessing it there is as slow as anywhere."""
    limits = Limits(rate=1, burst=3)
    with TestClient(create_app(service, token=TOKEN, limits=limits, start=False)) as client:
        for _ in range(30):
            assert client.get("/api/health", headers=AUTH).status_code == 200
        wrong = {"Authorization": "Bearer wrong-token"}
        statuses = [client.get("/api/health", headers=wrong).status_code for _ in range(4)]
        assert statuses == [401] * 3 + [429]
        assert client.get("/api/ready", headers=AUTH).status_code == 200


def test_too_many_conversations_is_429(service: Service) -> None:
    with TestClient(create_app(service, limits=Limits(rate=0, conversations=2),
                               start=False)) as client:
        first = client.post("/api/conversations").json()["conversation"]
        client.post("/api/conversations")
        _error(client.post("/api/conversations"), 429, "2 conversations", "/api/ask")
        client.delete(f"/api/conversations/{first}")
        assert client.post("/api/conversations").status_code == 201


def test_not_ready_is_503(settings: Settings) -> None:
    """Before the store is built, every answer is 503 and says to wait; health is still up."""
    service = Service(settings)  # never started: no store yet
    with TestClient(create_app(service, limits=OPEN, start=False)) as client:
        assert client.get("/api/health").status_code == 200
        _error(client.get("/api/ready"), 503, "being built")
        response = client.post("/api/ask", json={"question": KSF})
        _error(response, 503, "being built", "try again")
        assert response.headers["retry-after"] == "2"
        _error(client.post("/api/conversations"), 503)
        _error(client.get("/api/sources"), 503)


def test_reindex_needs_a_token_holder(client: TestClient) -> None:
    # the other way to take in new files: a restart (a separate 'qa index' is not needed)
    _error(client.post("/api/reindex"), 403, "--token-env", "restart it")


# --- the token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/health"), ("GET", "/api/ready"), ("GET", "/api/sources"),
    ("POST", "/api/ask"), ("POST", "/api/conversations"), ("POST", "/api/reindex"),
    ("POST", "/api/conversations/x/ask"), ("POST", "/api/conversations/x/more"),
    ("DELETE", "/api/conversations/x"),
])
def test_with_a_token_every_api_call_needs_it(locked: TestClient, method: str,
                                              path: str) -> None:
    response = locked.request(method, path, json={"question": KSF} if "ask" in path else None)
    _error(response, 401, "Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")
    wrong = locked.request(method, path, headers={"Authorization": "Bearer wrong-token"})
    _error(wrong, 401)


def test_the_token_opens_the_api(locked: TestClient, bot: Bot) -> None:
    body = locked.post("/api/ask", json={"question": KSF}, headers=AUTH).json()
    assert without_extras(body) == bot.ask(KSF).to_dict()
    assert locked.get("/api/sources", headers=AUTH).status_code == 200


def test_the_page_asks_for_the_token_then_keeps_a_session(locked: TestClient) -> None:
    page = locked.get("/")
    assert page.status_code == 401 and 'name="token"' in page.text
    assert "<script" not in page.text
    wrong = locked.post("/login", data={"token": "guess"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not the one" in wrong.text
    right = locked.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert locked.get("/").status_code == 200  # the client keeps the cookie
    assert locked.post("/api/ask", json={"question": KSF}).status_code == 200
    locked.cookies.clear()
    assert locked.post("/api/ask", json={"question": KSF}).status_code == 401


def test_reindex_with_the_token(service: Service) -> None:
    """An unchanged corpus re-indexes to an equal store, swapped in as a new generation."""
    with TestClient(create_app(service, token=TOKEN, limits=OPEN, start=False)) as client:
        before = client.get("/api/ready", headers=AUTH).json()
        done = client.post("/api/reindex?wait=1", headers=AUTH).json()
        assert done["status"] == "done" and done["generation"] == before["generation"] + 1
        assert done["sentences"] == before["sentences"]
        assert client.post("/api/reindex", headers=AUTH).status_code == 202
        assert service.wait(120)


# --- the command ---------------------------------------------------------------------------------


def test_other_hosts_need_a_token() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "without a token" in lines[0] and "--token-env" in lines[0]


def test_the_token_variable_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_TEST_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--token-env",
                                      "QA_TEST_TOKEN"])
    assert result.exit_code == 1 and "QA_TEST_TOKEN" in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """Nothing before the error (no banner saying it serves), nothing after it (no uvicorn
    log), and the exit code of a setting qa cannot use."""
    corpus = make_corpus(tmp_path / "corpus")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--corpus", str(corpus),
                                          "--store", str(tmp_path / "store")])
    assert result.exit_code == 1, result.output
    said = (f"Error: port {port} on 127.0.0.1 is in use - stop what uses it or choose another "
            "with --port")
    assert result.output.strip().splitlines() == [said]
    assert not (tmp_path / "store").exists()  # refused before anything was built


@pytest.mark.parametrize("host, words", [
    ("no-such-host.invalid", ("not an address or a known host name",)),
    ("192.0.2.1", ("not an address of this machine", "127.0.0.1")),  # TEST-NET-1: never ours
])
def test_an_address_not_ours_is_one_line(host: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as caught:
        listen(host, 0)
    for word in words:
        assert word in str(caught.value) and host in str(caught.value)


def test_port_0_listens_on_a_free_port() -> None:
    with listen("127.0.0.1", 0) as sock:
        assert sock.getsockname()[1] > 0


# --- the parts -----------------------------------------------------------------------------------


def test_the_child_reindex_gets_the_same_settings(settings: Settings) -> None:
    import json as json_

    from qa.config import load_settings
    from qa.serve.reindex import settings_json

    assert load_settings(None, **json_.loads(settings_json(settings))) == settings


def test_rate_limiter_buckets() -> None:
    from qa.serve import RateLimiter

    limiter = RateLimiter(rate=2, burst=2)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert limiter.take("b", now=0.0) == 0.0  # another client has its own bucket
    assert limiter.take("a", now=1.0) == 0.0  # refilled at 2 a second
    assert RateLimiter(rate=0, burst=1).take("a") == 0.0  # no limit


def test_conversations_expire_and_are_bounded(bot: Bot) -> None:
    import time

    from qa.serve import Conversations, ConversationsFullError

    kept = Conversations(limit=2, ttl=0.2)
    first, second = kept.open(Conversation(bot)), kept.open(Conversation(bot))
    assert first != second and kept.get(first) is not None
    with pytest.raises(ConversationsFullError):
        kept.open(Conversation(bot))
    time.sleep(0.3)
    assert kept.get(first) is None and len(kept) == 0
    assert kept.open(Conversation(bot))
