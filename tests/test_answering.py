"""The answering sentence before the lead (issue 17): within a document, the sentence that holds
what the question asks for (a number it does not give, an age, a name) beats the lead sentence
that only names the subject."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Bot
from qa.rank.intent import answer_values, new_values

# Five sentences: the lead names the subject, which is close to any question about it; the
# numbers, the age, the builder and the reason come later.
HARBOUR = """# Harbour bridge reopens

The Kelderwick harbour bridge reopened to traffic on Monday after a long repair.

Engineers replaced the rusted steel deck and repainted the towers in the original green.

About 14,000 vehicles are expected to cross the bridge every day.

The repair was led by structural engineer Mirela Ostrova, 47, who designed the new deck.

The bridge had been closed because cracks were found in two of its supporting cables.
"""


@pytest.fixture(scope="module")
def harbour_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    corpus = tmp_path_factory.mktemp("harbour")
    (corpus / "harbour-bridge.md").write_text(HARBOUR, encoding="utf-8")
    bot = Bot(corpus=corpus, store=corpus.parent / f"{corpus.name}-store",
              notify=lambda _: None)
    bot.reindex()
    return bot


def test_values_of_each_kind() -> None:
    assert answer_values("number", "The province will be given at least 8,000 tickets.") == {
        "8 000"}
    # a day of a month and a year are times, not amounts; "one of" is no amount
    assert answer_values("number", "The tie on 3 April 2005 is one of the biggest.") == set()
    assert answer_values("number", "It stands at £162,086, up 1.1%, after nine months.") == {
        "162 086", "1 1", "nine"}
    assert answer_values("age", "Mr Ebbers, 63, denies it; a 16-year-old was aged 42.") == {
        "63", "16", "42"}
    assert answer_values("person", "It is the brainchild of IBM researcher Jim Levine.") == {
        "ibm", "jim levine"}
    # “Jens can attest”: a name right after a quote mark; a weekday is no name
    assert answer_values("person", "He said that “Jens can attest to it” on Monday.") == {"jens"}


def test_a_value_the_question_gives_answers_nothing() -> None:
    risen = answer_values("number", "UK house prices rose by 1.1% in December.")
    assert not new_values(risen, "After December's 1.1% rise, what is the average price?")
    assert new_values(answer_values("number", "The average price is £162,086."),
                      "After December's 1.1% rise, what is the average price?")


@pytest.mark.parametrize(("question", "held"), [
    ("How many vehicles will cross the Kelderwick bridge each day?", "14,000 vehicles"),
    ("How old is the engineer who led the Kelderwick bridge repair?", "Ostrova, 47,"),
    ("Who led the repair of the Kelderwick bridge?", "Mirela Ostrova"),
])
def test_the_answering_sentence_beats_the_lead(harbour_bot: Bot, question: str,
                                               held: str) -> None:
    hits = harbour_bot.retriever.search(question, 3)
    assert held in hits[0].text, [h.text for h in hits]


@pytest.mark.parametrize(("question", "speaker", "held"), [
    # the one before the speech word speaks; the other is what he spoke of
    ("What did Vucic claim the NATO chief could vouch for?", ("Aleksandar Vucic",), None),
    ("Does Vucic believe the NATO secretary general dislikes his country?",
     ("Aleksandar Vucic",), "hates Serbia"),
    # known by his role ("Serbian President Aleksandar Vucic")
    ("What did the Serbian president say Stoltenberg persuaded him of?", ("Aleksandar Vucic",),
     None),
    # someone the corpus does not know by that description speaks, not the one named
    ("What did the officials say Stoltenberg wanted?", (), None),
    # "according to" names the speaker after it, wherever it stands
    ("what does serbia need according to vucic", ("Aleksandar Vucic",),
     "Serbia needs good cooperation"),
    ("What does NATO bring Serbia, according to Stoltenberg?", ("Jens Stoltenberg",), None),
])
def test_the_speaker_is_the_one_who_speaks(seed_bot: Bot, question: str,
                                           speaker: tuple[str, ...], held: str | None) -> None:
    intent = seed_bot.retriever.intent(question)
    assert intent.speaker_names == speaker
    hits = seed_bot.retriever.search(question, 3)
    if speaker:
        assert hits[0].speaker in speaker, [h.text for h in hits]
    if held is not None:
        assert held in hits[0].text, [h.text for h in hits]


def test_a_name_in_full_does_not_hide_another_by_surname(seed_bot: Bot) -> None:
    analysis = seed_bot.retriever.facts.analysis
    # the NATO chief is spelled out in brackets; Vucic, named by surname, still counts
    expanded = analysis.expand("What did Vucic claim the NATO chief could vouch for?",
                               lambda _: False)
    assert "Jens Stoltenberg" in expanded
    assert analysis.mentioned(expanded) == {"Aleksandar Vucic", "Jens Stoltenberg"}


# A speaker's quote that runs on over two sentences, after another quote of theirs: the
# second sentence holds the answer and no quote mark of its own.
QUIZ = """# Quiz show pulled

A television station has refused to show a quiz show in which adopted children guess who
their birth father is.

The show was met with protests by the national adoption council. “It exploits the feelings
of adopted children,” said Tomas Arbeloa, head of the council. “It trivialises them.
Adoption is a private experience and should never be sold as entertainment.”

The station manager said the decision had nothing to do with the protests.
"""


def test_a_quote_running_on_is_its_speakers_answer(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "quiz-show.md").write_text(QUIZ, encoding="utf-8")
    bot = Bot(corpus=tmp_path / "docs", store=tmp_path / "store", notify=lambda _: None)
    bot.reindex()
    hits = bot.retriever.search("What did Tomas Arbeloa say adoption should never be?", 3)
    assert "sold as entertainment" in hits[0].text, [h.text for h in hits]
    assert hits[0].speaker == "Tomas Arbeloa"


# Two stories on one firm (issue 17): the first echoes the question's words ("penalty",
# "Parlona", the firm's scandal); only the second answers, and it holds the question's rare
# words ("11m", "euros", "fined") across its sentences.
PARLONA = {
    "parlona-founder-apologises.md": """# Parlona founder apologises to investors

The founder of Parlona, the Italian dairy group, has apologised to its small investors.

Parlona was hit with a penalty of public anger after a black hole was found in its accounts.

He said the collapse of Parlona had been the worst moment of his life.
""",
    "parlona-profits-double.md": """# Parlona profits double after rescue

Parlona, the Italian dairy group rescued from collapse, has reported doubled profits.

Less welcome was the news that the firm had been fined 11m euros.

The fine was for breaking takeover rules five years ago, regulators said.
""",
}


@pytest.fixture(scope="module")
def parlona_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    corpus = tmp_path_factory.mktemp("parlona")
    for name, text in PARLONA.items():
        (corpus / name).write_text(text, encoding="utf-8")
    bot = Bot(corpus=corpus, store=corpus.parent / f"{corpus.name}-store",
              notify=lambda _: None)
    bot.reindex()
    return bot


def test_the_story_that_holds_the_question_beats_a_related_one(parlona_bot: Bot) -> None:
    retriever = parlona_bot.retriever
    intent = retriever.intent("Why was Parlona given an 11m-euro fine?")
    coverage = retriever.features(intent).document_coverage
    doc = retriever.facts.doc
    answering = next(i for i, d in enumerate(retriever.store.documents)
                     if d.path.endswith("parlona-profits-double.md"))
    assert coverage[doc == answering].min() > coverage[doc != answering].max()
    hits = retriever.search("Why was Parlona given an 11m-euro fine?", 3)
    assert hits[0].source.endswith("parlona-profits-double.md"), [h.text for h in hits]
