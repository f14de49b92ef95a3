"""Corpus knowledge on small invented articles: acronyms, aliases, who said what."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest import read_document
from qa.knowledge import VERSION, Analysis, analyze, describes, from_extras, initials, to_extras

from .conftest import DATA, SEEDS

NEWS = DATA / "news"


def _analysis(*paths: Path) -> tuple[Analysis, list[str]]:
    docs = [read_document(p, 1 << 20) for p in paths]
    texts = [s.text for d in docs for s in d.sentences]
    result = analyze([[s.text for s in d.sentences] for d in docs],
                     [[s.passage for s in d.sentences] for d in docs])
    return result, texts


@pytest.fixture(scope="module")
def harbour() -> tuple[Analysis, list[str]]:
    return _analysis(NEWS / "greyhaven-lighthouse.txt", NEWS / "orchard-festival.txt")


def speaker_of(result: tuple[Analysis, list[str]], start: str) -> str | None:
    analysis, texts = result
    rows = [i for i, t in enumerate(texts) if t.startswith(start)]
    assert rows, start
    return analysis.speaker_of(rows[0])


def test_initials() -> None:
    assert initials("Institute for Fiscal Studies") == "IFS"
    assert initials("Kosovo Security Forces") == "KSF"


def test_acronyms_are_learned_from_capitalised_phrases(harbour: tuple[Analysis, list[str]]
                                                        ) -> None:
    analysis, _ = harbour
    assert analysis.acronyms["CRV"] == ["Coastal Rescue Volunteers"]
    assert analysis.acronyms["GPC"] == ["Greyhaven Port Council"]
    assert "Coastal Rescue Volunteers" in analysis.expand("What will the CRV do?")


def test_acronyms_typed_in_lower_case(harbour: tuple[Analysis, list[str]]) -> None:
    analysis, _ = harbour
    assert analysis.expand("what will the crv do") == (
        "what will the crv do (Coastal Rescue Volunteers)")
    assert analysis.meaning("crv") == analysis.meaning("CRV") == "Coastal Rescue Volunteers"
    # ... but not a word the corpus uses: "map" is no acronym of Mississippi Alluvial Plain
    assert analysis.expand("what will the crv do", unknown=lambda _: False) == (
        "what will the crv do")
    # the brackets expand adds do not stop a lower-case question's names being names
    assert analysis.mentioned(analysis.expand("what did okafor say about the crv")) == {
        "Daniel Okafor"}


@pytest.mark.parametrize(
    ("name", "text", "described"),
    [
        ("Marta Lindqvist", "Harbour Master Marta Lindqvist says the old lighthouse", True),
        ("Priya Raman", "Festival organiser Priya Raman said more than forty stalls", True),
        ("Dan Gillmor", "Dan Gillmor, founder of Grassroots Media, said the tool", True),
        ("Tony Blair", "Tony Blair is the prime minister.", True),
        ("Daniel Okafor", "Okafor also said that the harbour dues would rise", False),
        ("Daniel Okafor", "The mayor met Daniel Okafor on Monday.", False),
        ("Gordon Brown", "Mr Brown said he would not comment.", False),
        ("Kevin Hawkins", "Chris Hawkins, host of the chart show, said", False),
        ("Kevin Hawkins", "Retail sales fell, BRC director general Hawkins said.", True),
        ("Stan Lee", "Stan Lee, the man behind Spider-Man, won the case.", True),
        ("Ada Brennan", "Ada Brennan (3 May 1901 – 9 October 1968) was an Irish engineer.", True),
        ("Stan Lee", "said chief executive Lee Strafford.", False),
    ],
)
def test_describes_says_who_a_person_is(name: str, text: str, described: bool) -> None:
    assert describes(name, text) is described


def test_a_role_between_said_and_the_name() -> None:
    analysis = analyze([[
        "Shoppers held back in January, said BRC director general Kevin Hawkins.",
        "The British Retail Consortium (BRC) publishes its survey every month.",
        "But Mr Hawkins said furniture sales had held up.",
    ]])
    assert analysis.speaker_of(0) == analysis.speaker_of(2) == "Kevin Hawkins"
    assert analysis.aliases["brc director general"] == ["Kevin Hawkins"]
    assert "but mr" not in analysis.aliases  # an opener and an honorific are no role
    # the question may spell the organisation out, with a possessive
    assert analysis.mentioned("What did the British Retail Consortium's director general say?"
                              ) == {"Kevin Hawkins"}


def test_aliases_complete_short_names_and_roles(harbour) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = harbour
    assert analysis.aliases["marta"] == ["Marta Lindqvist"]
    assert analysis.aliases["okafor"] == ["Daniel Okafor"]
    assert analysis.aliases["harbour chief"] == ["Marta Lindqvist"]
    assert analysis.aliases["harbour master"] == ["Marta Lindqvist"]  # her title before her name
    assert analysis.mentioned("what did the harbour master say") == {"Marta Lindqvist"}
    # common words are not names: "will" and "for" never stand for anyone
    assert analysis.mentioned("Will the festival go ahead for sure?") == set()
    assert analysis.expand("What did the harbour chief want?") == (
        "What did the harbour chief want? (Marta Lindqvist)")
    assert analysis.mentioned("What does Marta think?") == {"Marta Lindqvist"}
    assert analysis.mentioned("what did the harbour chief say") == {"Marta Lindqvist"}


@pytest.mark.parametrize(
    ("start", "speaker"),
    [
        ("Harbour Master Marta Lindqvist says", "Marta Lindqvist"),  # title stripped
        ("Lindqvist told a meeting", "Marta Lindqvist"),  # surname -> full name
        ("“The volunteers have kept", "Marta Lindqvist"),  # "she said"
        ("“The old tower is cracked", "Marta Lindqvist"),  # split quote, "the harbour chief"
        ("Fixing it would cost", "Marta Lindqvist"),
        ("According to Lindqvist", "Marta Lindqvist"),
        ("“We will find the money.", "Daniel Okafor"),  # the attribution is in the next sentence
        ("He said the council would sell", "Daniel Okafor"),  # "he" = the last subject
        ("“Marta has my full support", "Daniel Okafor"),  # a name in a quote is not its speaker
        ("Okafor also said", "Daniel Okafor"),
        ("Festival organiser Priya Raman said", "Priya Raman"),
        ("“We lost the whole harvest", "Priya Raman"),
        ("Tickets cost four pounds", None),
        ("Our harbour is safer", None),
    ],
)
def test_speakers(harbour, start: str, speaker: str | None) -> None:  # type: ignore[no-untyped-def]
    assert speaker_of(harbour, start) == speaker


def test_split_quote_shares_one_span(harbour) -> None:  # type: ignore[no-untyped-def]
    analysis, texts = harbour
    first = texts.index("“We will find the money.")
    assert tuple(analysis.quote[first]) == (first, first + 1)
    assert tuple(analysis.quote[first + 1]) == (first, first + 1)


def test_seed_article_speakers() -> None:
    seed = _analysis(*sorted(SEEDS.glob("*.txt")))
    assert speaker_of(seed, "According to him.") == "Jens Stoltenberg"
    assert speaker_of(seed, "NATO has more than 100") == "Jens Stoltenberg"
    assert speaker_of(seed, "“I thanked Stoltenberg") == "Aleksandar Vucic"
    assert speaker_of(seed, "He said he spoke with officials") == "Aleksandar Vucic"
    assert seed[0].acronyms["KSF"] == ["Kosovo Security Forces"]
    assert seed[0].aliases["nato chief"] == ["Jens Stoltenberg"]
    # a role before a name that does not speak in that sentence ("a news conference with
    # Serbian President Aleksandar Vucic")
    assert seed[0].aliases["serbian president"] == ["Aleksandar Vucic"]


def test_round_trip_through_the_store_form(harbour) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = harbour
    extras = to_extras(analysis)
    assert extras["analysis_version"] == VERSION
    arrays = {k: v for k, v in extras.items() if hasattr(v, "shape")}
    assert sorted(arrays) == ["quote", "speaker"]  # saved beside the vectors, the rest as JSON
    back = from_extras({k: v for k, v in extras.items() if k not in arrays}, arrays)
    assert back is not None
    assert back.speakers == analysis.speakers
    assert back.acronyms == analysis.acronyms and back.aliases == analysis.aliases
    assert back.speaker.tolist() == analysis.speaker.tolist()
    assert back.quote.tolist() == analysis.quote.tolist()
    assert from_extras({"analysis_version": VERSION - 1}, arrays) is None  # another version
    assert from_extras({}, {}) is None  # a store saved without an analysis


def test_a_surname_inside_a_longer_name_is_nobody_else() -> None:
    analysis = analyze([[
        "Andrew Green said the plan would fail.",
        "French Green MEP Alain Lipietz said the vote was an insult.",
        "Aleksandar Vucic said Serbia would stay neutral.",
        "Jens Stoltenberg said the alliance welcomed the talks.",
    ]])
    assert analysis.mentioned("What did French Green MEP Alain Lipietz say about the vote?"
                              ) == {"Alain Lipietz"}
    # alone, a surname still counts beside a name in full
    assert analysis.mentioned("What did Vucic say about Jens Stoltenberg?") == {
        "Aleksandar Vucic", "Jens Stoltenberg"}


def test_a_quote_that_follows_a_quote_runs_on_with_its_speaker() -> None:
    # A fresh quote right after a speaker's quote is theirs, and so is every sentence of it
    # when it runs on: the second sentence has no quote mark of its own (a BBC article had
    # such a sentence with no speaker, so "what did he say" could not find it).
    sentences = ["The show was met with protests by the adoption council.",
                 ("“It exploits the feelings of adopted children,” said Tomas Arbeloa, head of "
                  "the council."),
                 "“It trivialises them.",
                 "Adoption is a private experience and should never be sold as entertainment.”",
                 "“Nobody asked the children.”",
                 "The station said the decision had nothing to do with the protests."]
    analysis = analyze([sentences], [[0, 1, 1, 1, 1, 2]])
    assert [analysis.speaker_of(i) for i in range(1, 5)] == ["Tomas Arbeloa"] * 4
    assert tuple(analysis.quote[3]) == (2, 3)
    assert analysis.speaker_of(0) is None
