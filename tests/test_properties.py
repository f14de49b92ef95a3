"""Properties (hypothesis): the splitter keeps every character, incremental indexing = fresh build.

The splitter runs thousands of examples (it is pure and fast). Incremental indexing runs the
real model, so it tries a few short sequences of adds, changes and deletes, each followed by a
re-index, and compares the store and the answers with a store built from scratch.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import Bot, CorpusError
from qa.ingest import MAX_SENTENCE_CHARS, split_document

from .conftest import SEEDS

# --- the splitter -------------------------------------------------------------------------------

# What the splitter may drop besides whitespace: a Markdown heading, bullet or quote marker
# at the start of a sentence, or a list item's number at the start of a line.
_MARKER = re.compile(r"#{1,6}|[-*+•]|>|\d{1,2}[.)]")

# Characters that exercise every rule: endings, quotes, brackets, abbreviations, list markers,
# paragraph breaks and Unicode whitespace.
_TRICKY = st.sampled_from(
    list("aZé9 .!?…\"'“”‘’«»()[]#-*+•>\n\t\r\u00a0\u2003\u2028\u3000\x0b\x0c")
    + ["Mr.", "U.S.", "etc.", "No.", "J.", "...", "\n\n", "\n- ", "\n# ", "\n1. ", " The ",
       "word", "Ünïcödé", "日本語。", "😀", "\u200b"])
texts = st.one_of(
    st.text(),
    st.lists(_TRICKY, max_size=80).map("".join),
    st.lists(st.sampled_from(["aaaa", "bb", " ", ".", "\n"]), max_size=900).map("".join),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_splitter_offsets_round_trip_and_nothing_is_lost_or_duplicated(text: str) -> None:
    pos = 0
    for s in split_document(text, "doc.txt"):
        assert text[s.start:s.end] == s.text  # offsets round-trip
        assert s.start >= pos  # in order, never overlapping: nothing duplicated
        assert s.text and s.text == s.text.strip()
        assert len(s.text) <= MAX_SENTENCE_CHARS
        # Nothing lost: between sentences there is only whitespace and list/heading markers.
        skipped = text[pos:s.start].split()
        assert all(_MARKER.fullmatch(token) for token in skipped), (skipped, s)
        pos = s.end
    assert all(_MARKER.fullmatch(token) for token in text[pos:].split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1),
                min_size=1, max_size=6))
def test_passages_number_in_order(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs)
    numbers = [s.passage for s in split_document(text, "doc.txt")]
    assert numbers == sorted(numbers)


# --- incremental indexing ------------------------------------------------------------------------

SENTENCES = [
    "The harbour lighthouse at Sveti Ivan was painted bright green in 1911.",
    "The ferry to the island of Vis leaves Split at seven o'clock every morning.",
    "The lighthouse keeper's grey parrot was called Captain Biscuit.",
    "Stoltenberg said the Kosovo Security Forces can change only under the constitution.",
    "Vucic and Stoltenberg met in Brussels on Wednesday afternoon.",
    "Mobile phone sales in India doubled in the last year.",
    "The new games console goes on sale in Japan in December.",
    "Fishermen say the winter storms have kept their boats in port for weeks.",
]
QUESTIONS = [
    "What colour was the lighthouse painted?",
    "When does the ferry to Vis leave?",
    "What was the parrot called?",
    "Where did Vucic and Stoltenberg meet?",
    "What happened to phone sales in India?",
]
FILES = ["a.txt", "b.txt", "c.md", "sub/d.txt"]

operation = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(FILES),
              st.lists(st.integers(0, len(SENTENCES) - 1), min_size=1, max_size=3)),
    st.tuples(st.just("delete"), st.sampled_from(FILES), st.just([])),
    st.tuples(st.just("empty"), st.sampled_from(FILES), st.just([])),
)


def _apply(corpus: Path, op: tuple[str, str, list[int]]) -> None:
    kind, name, picks = op
    path = corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "delete":
        path.unlink(missing_ok=True)
    elif kind == "empty":
        path.write_text("")
    else:
        path.write_text(" ".join(SENTENCES[i] for i in picks) + "\n", encoding="utf-8")


def _snapshot(bot: Bot) -> tuple[list[tuple[str, str, int]], list[str], np.ndarray,
                                 list[list[tuple[str, float]]]]:
    store = bot.store
    docs = [(d.path, d.sha1, d.count) for d in store.documents]
    texts = [store.text(row) for row in range(store.count)]
    # Text and score: when two files hold the same sentence, which one is cited may differ
    # with float noise between batch compositions, and both are right.
    answers = [[(h.text, h.score) for h in bot.ask(q, k=2).hits] for q in QUESTIONS]
    return docs, texts, np.asarray(store.vectors), answers


@pytest.fixture(scope="module")
def warm_model() -> None:
    """Load the model once, before hypothesis starts timing examples."""
    Bot(corpus=SEEDS).embedder.encode(["warm up"])


@pytest.mark.slow
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(initial=st.lists(st.lists(st.integers(0, len(SENTENCES) - 1), min_size=1, max_size=3),
                        min_size=1, max_size=len(FILES)),
       steps=st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=6))
def test_incremental_indexing_equals_a_fresh_build(
        warm_model: None, initial: list[list[int]],
        steps: list[tuple[tuple[str, str, list[int]], bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for name, picks in zip(FILES, initial):
            _apply(corpus, ("write", name, picks))
        incremental = Bot(corpus=corpus, store=Path(tmp) / "inc", notify=lambda _: None)
        incremental.reindex()
        for op, reindex_now in steps:
            _apply(corpus, op)
            if reindex_now:
                try:
                    incremental.reindex()
                except CorpusError:
                    pass  # every file deleted or emptied for now
        fresh = Bot(corpus=corpus, store=Path(tmp) / "fresh", notify=lambda _: None)
        try:
            fresh.reindex()
        except CorpusError:
            with pytest.raises(CorpusError):
                incremental.reindex()
            return
        incremental.reindex()
        inc_docs, inc_texts, inc_vectors, inc_answers = _snapshot(incremental)
        new_docs, new_texts, new_vectors, new_answers = _snapshot(fresh)
        assert inc_docs == new_docs
        assert inc_texts == new_texts
        np.testing.assert_allclose(inc_vectors, new_vectors, atol=1e-4)
        for inc, new in zip(inc_answers, new_answers):
            assert [text for text, _ in inc] == [text for text, _ in new]
            np.testing.assert_allclose([sc for _, sc in inc], [sc for _, sc in new], atol=1e-3)
