"""The web chat in a real headless Chromium (Debian's package, driven by Playwright): ask, see
the answer highlighted with its source, follow up, press More, see a tentative answer marked,
a hostile document shown as text, the page while the store is built and after the server
stops. Screenshots at desktop and phone width are saved in $QA_SCREENSHOTS, or in the pytest
run's base temporary folder under screenshots/.

Skips when the playwright package or a chromium binary is missing; CI installs both
(.ci/run, the test extra).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (test extra)")
CHROMIUM = os.environ.get("QA_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium to drive: apt-get install chromium (or set QA_CHROMIUM)",
                allow_module_level=True)

from qa.serve import Limits, Service
from qa.serve.app import create_app
from tests.serve_support import (
    DATA,
    TOKEN,
    corpus_settings,
    make_corpus,
    running,
)

pytestmark = pytest.mark.slow  # builds a store and starts a browser
Page = sync_api.Page
expect = sync_api.expect
WALL = "when was the old harbour wall built"


# Characters outside the Basic Multilingual Plane are two UTF-16 units in JavaScript but one
# character in the API's match ranges: the emphasis must still fall on the question's words.
REGATTA = "The 🌊🌊🌊 harbour regatta trophy was won by the rowing club of Bexley in May.\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    base = tmp_path_factory.mktemp("browser")
    corpus = make_corpus(base / "corpus")
    (corpus / "regatta.txt").write_text(REGATTA, encoding="utf-8")
    service = Service(corpus_settings(corpus, base / "store"))
    service.start()
    assert service.wait(300) and service.status().ready, service.status().error
    return service


@pytest.fixture(scope="module")
def url(service: Service) -> Iterator[str]:
    with running(create_app(service, limits=Limits(rate=0), start=False)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser: sync_api.Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    expect(page.locator("#status")).to_contain_text("4 documents")
    yield page
    assert not dialogs, f"a document's script ran: {dialogs}"
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("QA_SCREENSHOTS") or
                  tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ask(page: Page, question: str) -> sync_api.Locator:
    """Type `question`, press Enter, and return its answer's article once it is shown."""
    count = page.locator("article.turn").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    turn = page.locator("article.turn").nth(count)
    expect(turn.locator(".hit, .declined, .error").first).to_be_visible()
    return turn


def test_an_answer_is_highlighted_in_its_context_with_its_source(page: Page,
                                                                 service: Service) -> None:
    turn = ask(page, WALL)
    expect(turn.locator("h2")).to_have_text(WALL)
    first = turn.locator(".hit").first
    answer = first.locator("mark.answer")
    expect(answer).to_contain_text("the old harbour wall was built in 1887")
    emphasised = answer.locator("em").all_text_contents()
    assert {"old", "harbour", "wall", "built"} <= set(emphasised), emphasised
    expect(first.locator(".before")).to_contain_text("four million pounds")  # its context
    expect(first.locator(".source")).to_contain_text("portmill-harbour.txt")
    # the paragraph of the JSON (counted from 1), not the library's passage: "paragraph NaN"
    paragraph = service.bot.ask(WALL).to_dict()["hits"][0]["paragraph"]
    expect(first.locator(".source")).to_contain_text(f"· paragraph {paragraph} ·")
    expect(turn).not_to_have_class("tentative")


def test_emphasis_falls_on_the_words_after_an_emoji(page: Page) -> None:
    turn = ask(page, "who won the regatta trophy")
    answer = turn.locator("mark.answer").first
    expect(answer).to_contain_text("regatta trophy was won")
    emphasised = answer.locator("em").all_text_contents()
    assert {"regatta", "trophy", "won"} <= set(emphasised), emphasised


def test_a_follow_up_shows_how_it_was_understood(page: Page) -> None:
    quote = ask(page, "What did Brandt say about the stones?")
    expect(quote.locator("mark.answer").first).to_contain_text("moving by a centimetre")
    expect(quote.locator(".source").first).to_contain_text("Brandt said ·")  # the speaker
    expect(quote.locator(".understood")).to_have_count(0)
    turn = ask(page, "who did he thank?")
    expect(turn.locator(".understood")).to_have_text("understood as: who did Brandt thank?")
    expect(turn.locator("mark.answer").first).to_contain_text("Brandt thanked the divers")


def test_more_shows_the_next_sentences(page: Page) -> None:
    first = ask(page, WALL)
    shown = first.locator("mark.answer").all_text_contents()
    page.click("#more")
    more = page.locator("article.turn.more")
    expect(more.locator(".hit").first).to_be_visible()
    expect(more.locator("h2")).to_have_text(f"More: {WALL}")
    assert not set(more.locator("mark.answer").all_text_contents()) & set(shown)


def test_a_tentative_answer_is_marked(page: Page) -> None:
    """The ranker's own marked guess: the sentence is about keeping watch over a wall, but
    only as thanks to volunteers (confidence "low"); a plainly answered question is not
    marked."""
    turn = ask(page, "who kept watch over the wall")
    expect(turn).to_have_class("turn asked tentative")
    expect(turn.locator(".tentative-mark")).to_be_visible()
    expect(turn.locator(".tentative-mark")).to_contain_text("Tentative")
    plain = ask(page, "when was the old harbour wall built")
    expect(plain.locator(".tentative-mark")).to_have_count(0)


@pytest.mark.parametrize("question, shown", [
    ("what did the treasurer write in the margin of the ledger",
     "<script>window.__xss = 1</script>"),
    ("what did the secretary paste into the notice about the lantern parade",
     '<img src=x onerror="window.__xss = 2">'),
    ("which lantern catalogue did the archivist link",
     '<a href="javascript:window.__xss=3">the lantern catalogue</a>'),
])
def test_a_hostile_document_shows_as_text(page: Page, question: str, shown: str) -> None:
    turn = ask(page, question)
    expect(turn.locator("mark.answer").first).to_contain_text(shown)
    log = page.locator("#log")
    assert log.locator("script, img, a, iframe").count() == 0
    assert page.evaluate("window.__xss") is None


def test_keyboard_up_recalls_and_new_conversation_starts_afresh(page: Page) -> None:
    ask(page, "What did Brandt say about the stones?")
    page.press("#question", "ArrowUp")
    expect(page.locator("#question")).to_have_value("What did Brandt say about the stones?")
    page.fill("#question", "")
    page.click("#new")
    expect(page.locator("article.turn")).to_have_count(0)
    expect(page.locator("#more")).to_be_disabled()
    turn = ask(page, "who did he thank?")  # nothing before it to resolve "he"
    expect(turn.locator(".understood")).to_have_count(0)


@pytest.mark.parametrize("name, width, height", [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots(browser: sync_api.Browser, url: str, shots: Path, name: str, width: int,
                     height: int) -> None:
    """The page at two widths after a few turns; nothing overflows sideways on the phone."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    ask(page, "What did Brandt say about the stones?")
    ask(page, "who did he thank?")
    ask(page, "who kept watch over the wall")
    ask(page, "what did the treasurer write in the margin of the ledger")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in ("#question", "#send", "#more", "#new"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    path = shots / f"qa-serve-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    print(f"screenshot: {path}")
    context.close()


def test_the_page_asks_for_the_token(browser: sync_api.Browser, service: Service) -> None:
    app = create_app(service, token=TOKEN, limits=Limits(rate=0), start=False)
    with running(app) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.fill("#token", "a wrong guess")
        page.click("button[type=submit]")
        expect(page.locator(".error")).to_contain_text("not the one")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        turn = ask(page, WALL)
        expect(turn.locator("mark.answer").first).to_contain_text("1887")
        context.close()


def test_enter_on_an_empty_question_sends_nothing(page: Page) -> None:
    page.fill("#question", "   ")
    page.press("#question", "Enter")
    page.wait_for_timeout(300)
    expect(page.locator("article.turn")).to_have_count(0)


def test_a_question_asked_while_one_is_answered_is_kept(page: Page) -> None:
    """Enter while the last answer is on its way must not swallow the new question: it stays
    in the box, to be asked once the answer is in."""
    held: list[Any] = []
    page.route("**/api/conversations/*/ask", lambda route: held.append(route))  # held back
    page.fill("#question", WALL)
    page.press("#question", "Enter")
    expect(page.locator("article.turn")).to_have_count(1)
    page.fill("#question", "who did he thank?")
    page.press("#question", "Enter")
    expect(page.locator("#question")).to_have_value("who did he thank?")
    expect(page.locator("article.turn")).to_have_count(1)
    for route in held:
        route.continue_()
    expect(page.locator("article.turn").first.locator(".hit").first).to_be_visible()
    page.unroute("**/api/conversations/*/ask")
    page.press("#question", "Enter")
    expect(page.locator("article.turn h2")).to_have_text([WALL, "who did he thank?"])


def test_a_long_question_is_refused_not_cut(page: Page) -> None:
    """A pasted question over the server's 1,000 characters: the page sends it whole and shows
    the server's reason, rather than asking its first 1,000 characters unseen."""
    question = "why was the old harbour wall built " * 40  # 1,400 characters
    turn = ask(page, question)
    expect(turn.locator(".error")).to_contain_text("the limit is 1,000")
    expect(turn.locator("h2")).to_have_text(question.strip())


def test_a_page_opened_while_the_store_is_built_follows_it(browser: sync_api.Browser,
                                                           tmp_path: Path) -> None:
    """Opened before the store exists, the page says it is being built, then, without a
    reload, what it holds (one document: "1 document", not "1 documents")."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "harbour" / "portmill-harbour.txt", corpus)
    building = Service(corpus_settings(corpus, tmp_path / "store"))
    with running(create_app(building, limits=Limits(rate=0), start=False)) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#status")).to_contain_text("being built")
        turn = ask(page, WALL)
        expect(turn.locator(".error")).to_contain_text("being built")
        expect(page.locator("#status")).to_contain_text("being built")
        building.start()
        expect(page.locator("#status")).to_have_text("1 document, 11 sentences", timeout=120_000)
        turn = ask(page, WALL)
        expect(turn.locator("mark.answer").first).to_contain_text("1887")
        context.close()


def test_after_the_server_stops_the_page_says_so(browser: sync_api.Browser,
                                                 service: Service) -> None:
    context = browser.new_context()
    page = context.new_page()
    with running(create_app(service, limits=Limits(rate=0), start=False)) as url:
        page.goto(url)
        expect(page.locator("#status")).to_contain_text("4 documents")
    turn = ask(page, WALL)
    expect(turn.locator(".error")).to_contain_text("could not reach the qa server")
    expect(turn.locator(".error")).not_to_contain_text("Failed to fetch")
    context.close()


def test_a_lost_session_says_to_sign_in_again(browser: sync_api.Browser,
                                              service: Service) -> None:
    """The session cookie gone (cleared, or the server restarted with another token): the
    page says to reload and sign in, not the API's 'send Authorization: Bearer TOKEN'."""
    app = create_app(service, token=TOKEN, limits=Limits(rate=0), start=False)
    with running(app) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        expect(page.locator("#status")).to_contain_text("4 documents")
        context.clear_cookies()
        turn = ask(page, WALL)
        expect(turn.locator(".error")).to_contain_text("reload the page")
        expect(turn.locator(".error")).not_to_contain_text("Bearer")
        context.close()


def test_more_on_a_forgotten_conversation_says_to_ask_again(browser: sync_api.Browser,
                                                            service: Service) -> None:
    limits = Limits(rate=0, conversation_seconds=1)
    with running(create_app(service, limits=limits, start=False)) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        ask(page, WALL)
        page.wait_for_timeout(1500)  # idle past the conversation's time
        page.click("#more")
        turn = page.locator("article.turn.more")
        expect(turn.locator(".error")).to_contain_text("ask your question again")
        expect(turn.locator(".error")).not_to_contain_text("POST /api")
        context.close()


def test_the_page_loads_and_answers_without_console_errors(browser: sync_api.Browser,
                                                           url: str) -> None:
    """No failed request (the browser asks for /favicon.ico by itself), no refused script or
    style (the CSP), no script error, from loading the page to an answer."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    expect(page.locator("#status")).to_contain_text("4 documents")
    ask(page, WALL)
    page.wait_for_timeout(500)  # the favicon is asked for after the load
    assert not errors, errors
    context.close()


def test_new_conversation_while_an_answer_is_on_its_way(page: Page) -> None:
    """The answer to a question of the forgotten conversation arrives after New conversation:
    it is not shown, and More stays off (there is nothing in this conversation to extend)."""
    held: list[Any] = []
    page.route("**/api/conversations/*/ask", lambda route: held.append(route))  # held back
    page.fill("#question", WALL)
    page.press("#question", "Enter")
    expect(page.locator("article.turn")).to_have_count(1)
    page.click("#new")
    expect(page.locator("article.turn")).to_have_count(0)
    for route in held:
        route.continue_()
    page.unroute("**/api/conversations/*/ask")
    expect(page.locator("#status")).not_to_contain_text("Thinking")
    expect(page.locator("article.turn")).to_have_count(0)
    expect(page.locator("#more")).to_be_disabled()
    turn = ask(page, "who did he thank?")  # stands alone: the wall question was forgotten
    expect(turn.locator(".understood")).to_have_count(0)


def test_a_question_after_the_conversation_was_forgotten_says_it_stands_alone(
        browser: sync_api.Browser, service: Service) -> None:
    """Idle past the conversation's time, a follow-up is asked in a new conversation: the page
    says so, rather than answering "he" about nobody as if it remembered."""
    limits = Limits(rate=0, conversation_seconds=1)
    with running(create_app(service, limits=limits, start=False)) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        ask(page, "What did Brandt say about the stones?")
        page.wait_for_timeout(1500)  # idle past the conversation's time
        turn = ask(page, "who did he thank?")
        expect(turn.locator(".understood")).to_have_count(0)
        expect(turn.locator(".restarted")).to_contain_text("forgotten")
        context.close()
