"""Conversations: follow-ups rewritten from earlier turns, "more", a fresh start, the chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Bot
from qa.chat import Conversation, Names
from qa.rank import Hit
from qa.ui.cli import cli
from qa.ui.repl import Chat

from .conftest import DATA, shared

HARBOUR = DATA / "harbour"
FLOOD_GATES = ("Mayor Helen Okafor said on Tuesday that the council would pay for new flood "
               "gates at Portmill harbour before the winter storms.")
STONES = ("“The stones at the northern end are moving by a centimetre every year,” "
          "Brandt said.")
OKAFOR_THANKS = ("Okafor thanked the volunteers of the lifeboat crew for keeping watch over "
                 "the wall during the January gales.")
FINISHED = "According to Brandt, the work should be finished by the end of October."
WALL = ("The chief engineer, Tomas Brandt, told reporters that the old harbour wall was built "
        "in 1887 and had cracked in three places.")
ROAD = ("Okafor said the council would hold a public meeting about the road closure at the "
        "Portmill library in May.")


@pytest.fixture
def harbour(harbour_store: Path) -> Bot:
    # Threshold 0: these tests are about following the conversation, not about when to decline.
    return Bot(corpus=HARBOUR, store=harbour_store, notify=lambda _: None,
               abstain_threshold=0.0)


def test_chat_is_a_conversation_and_ask_stays_stateless(harbour: Bot) -> None:
    chat = Conversation(harbour)
    assert isinstance(chat, Conversation)
    chat.ask("What did Okafor say about the flood gates?")
    assert harbour.ask("who did she thank?").understood_as == "who did she thank?"


def test_pronoun_goes_to_the_person_it_fits(harbour: Bot) -> None:
    chat = Conversation(harbour)
    first = chat.ask("What did Okafor say about the flood gates?")
    assert first.understood_as == first.question
    assert first.hits[0].text == FLOOD_GATES
    second = chat.ask("What did Brandt say about the stones?")  # names its subject: as it is
    assert second.understood_as == "What did Brandt say about the stones?"
    assert second.hits[0].text == STONES
    # Brandt is the more recent person, but the corpus calls Okafor "she".
    third = chat.ask("who did she thank?")
    assert third.understood_as == "who did Okafor thank?"
    assert third.hits[0].text == OKAFOR_THANKS
    fourth = chat.ask("when did he say the work would be finished?")
    assert fourth.understood_as == "when did Brandt say the work would be finished?"
    assert fourth.hits[0].text == FINISHED


def test_a_named_person_is_not_their_own_him_or_her(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("What did Okafor say about the flood gates?")
    assert chat.ask("and what did Brandt say about her?").understood_as == \
        "what did Brandt say about Okafor?"
    assert chat.ask("what did Brandt say about his divers?").understood_as == \
        "what did Brandt say about his divers?"


def test_lower_case_names_are_found_from_the_corpus(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("what did okafor say about the flood gates")
    assert chat.ask("who did she thank").understood_as == "who did Okafor thank"


def test_ellipsis_takes_the_previous_question(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("What did Okafor say about the flood gates?")
    about = chat.ask("and about the road closure?")
    assert about.understood_as == "What did Okafor say about the road closure?"
    assert about.hits[0].text == ROAD
    other = chat.ask("what about Brandt?")  # a person: the question is now about him
    assert other.understood_as == "What did Brandt say about the road closure?"
    assert chat.ask("why?").understood_as == "Why did Brandt say that about the road closure?"
    assert chat.ask("and who did he thank?").understood_as == "who did Brandt thank?"


def test_it_goes_to_what_the_last_question_was_about(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("What did Brandt say about the harbour wall?")
    built = chat.ask("when was it built?")
    assert built.understood_as == "when was the harbour wall built?"
    assert built.hits[0].text == WALL
    # "and about ..." parallels the last question that was about something
    assert chat.ask("and about the lighthouse road?").understood_as == \
        "What did Brandt say about the lighthouse road?"
    closed = chat.ask("how long will it close?")
    assert closed.understood_as == "how long will the lighthouse road close?"
    assert closed.hits[0].text.startswith("He warned that the lighthouse road would close")


def test_there_goes_to_a_place(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("What did Okafor say about the flood gates?")
    assert chat.ask("what will close there?").understood_as == "what will close in Portmill?"


def _window(hit: Hit) -> set[int]:
    return set(range(hit.row - len(hit.before), hit.row + len(hit.after) + 1))


def test_more_never_repeats_a_hit(harbour: Bot) -> None:
    chat = Conversation(harbour)
    answer = chat.ask("What did Brandt say about the harbour wall?", k=2)
    rows = [h.row for h in answer.hits]
    texts = [h.text for h in answer.hits]
    seen = set().union(*(_window(h) for h in answer.hits))
    while True:
        more = chat.more(k=2)
        if more.abstained:
            break
        assert more.understood_as == answer.understood_as
        assert len(more.hits) <= 2
        # neither an answer nor the context around one is shown again as an answer
        assert not {h.row for h in more.hits} & seen
        seen |= set().union(*(_window(h) for h in more.hits))
        rows += [h.row for h in more.hits]
        texts += [h.text for h in more.hits]
    assert len(rows) == len(set(rows)) and len(texts) == len(set(texts))
    assert len(seen) >= 8  # it went on until the article ran out
    assert len(chat.history) == 1 and len(chat.history[0].shown) == len(rows)
    assert chat.ask("more").abstained  # a bare "more" is more()


def test_follow_up_after_new_is_not_rewritten(harbour: Bot) -> None:
    chat = Conversation(harbour)
    chat.ask("What did Okafor say about the flood gates?")
    assert chat.ask("who did she thank?").understood_as == "who did Okafor thank?"
    chat.new()
    assert chat.history == []
    assert chat.ask("who did she thank?").understood_as == "who did she thank?"


def test_seed_conversations_follow_the_script(seed_bot: Bot) -> None:
    path = shared("eval", "seed_conversations.jsonl")
    misses = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        chat = Conversation(seed_bot)
        for turn in json.loads(line)["turns"]:
            answer = chat.ask(turn["q"])
            top = answer.hits[0].text if answer.hits else "(declined)"
            if not any(g in top for g in turn["gold"]):
                misses.append(f"{turn['q']!r} as {answer.understood_as!r}: {top[:60]}")
    assert not misses, "\n".join(misses)


def test_seed_follow_ups_are_understood(seed_bot: Bot) -> None:
    chat = Conversation(seed_bot)
    chat.ask("What did Vucic say about Kosovo?")
    assert chat.ask("and about Russia and China?").understood_as == \
        "What did Vucic say about Russia and China?"
    assert chat.ask("who did he thank?").understood_as == "who did Vucic thank?"
    chat.new()
    chat.ask("Who is the NATO Secretary General?")  # a title the corpus gives one person
    assert chat.ask("What did he say about the constitution?").understood_as == \
        "What did Stoltenberg say about the constitution?"
    assert chat.ask("and about terrorism?").understood_as == \
        "What did Stoltenberg say about terrorism?"


def test_after_who_is_he_he_is_still_the_person_asked_about(seed_bot: Bot) -> None:
    chat = Conversation(seed_bot)
    chat.ask("What did Vucic say about Kosovo?")
    who = chat.ask("who is he?")
    assert who.understood_as == "who is Vucic?"
    # the answer names his role, in a sentence that quotes Stoltenberg
    assert "Serbian President Aleksandar Vucic" in who.hits[0].text
    after = chat.ask("what did he say about Russia?")
    assert after.understood_as == "what did Vucic say about Russia?"
    assert after.hits[0].speaker == "Aleksandar Vucic"
    chief = chat.ask("and who is the NATO chief?")
    assert chief.hits[0].text.startswith("NATO Secretary General Jens Stoltenberg")
    assert chat.ask("what did he say about terrorism?").understood_as == \
        "what did Stoltenberg say about terrorism?"


def test_chat_commands_more_new_history(harbour: Bot) -> None:
    out: list[str] = []
    chat = Chat(harbour, out.append, color=False)
    chat.k, chat.context = 1, False
    chat.handle("What did Okafor say about the flood gates?")
    assert out[-1].startswith(f"1. {FLOOD_GATES}")
    chat.handle("who did she thank?")
    assert out[-1].startswith("(understood as: who did Okafor thank?)\n")
    assert f"1. {OKAFOR_THANKS}" in out[-1]  # a guess or not, the first sentence answers
    chat.handle(":more")
    chat.handle("more")
    numbered = [[line for line in o.splitlines() if line[:1].isdigit()] for o in out[-2:]]
    assert numbered[0][0].startswith("2. ") and numbered[1][0].startswith("3. ")
    shown = [line for o in out[-3:] for line in o.splitlines() if line[:1].isdigit()]
    assert len({s[3:] for s in shown}) == 3
    chat.handle(":history")
    history = "\n".join(out[-6:])
    assert "1. What did Okafor say about the flood gates?" in history
    assert "2. who did she thank?" in history
    assert "understood as: who did Okafor thank?" in history
    assert "3 shown" in history
    chat.handle(":new")
    chat.handle("who did she thank?")
    assert not out[-1].startswith("(understood as")
    chat.handle(":help")
    assert ":more" in out[-1] and ":new" in out[-1] and ":history" in out[-1]


def test_cli_conversation_batch_json(harbour_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "turns.txt"
    questions.write_text("What did Okafor say about the flood gates?\nwho did she thank?\n",
                         encoding="utf-8")
    args = ["--corpus", str(HARBOUR), "--store", str(harbour_store), "--json",
            "--questions", str(questions)]
    result = CliRunner().invoke(cli, [*args, "--conversation"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["understood_as"] == first["question"]
    assert second["question"] == "who did she thank?"
    assert second["understood_as"] == "who did Okafor thank?"
    alone = CliRunner().invoke(cli, args)  # without --conversation each line stands alone
    assert json.loads(alone.output.splitlines()[1])["understood_as"] == "who did she thank?"



def test_names_kinds_and_genders_come_from_the_corpus(harbour: Bot, seed_bot: Bot) -> None:
    def entities(bot: Bot, text: str) -> list[tuple[str, str, str]]:
        return [(m.entity.name, m.entity.kind, m.entity.gender)
                for m in Conversation(bot).names.mentions(text)]

    assert entities(harbour, "Did Okafor or Brandt visit Portmill?") == [
        ("Okafor", "person", "f"), ("Brandt", "person", "m"), ("Portmill", "place", "")]
    assert entities(harbour, "what did helen say") == [("Okafor", "person", "f")]
    assert entities(seed_bot, "Who is the NATO Secretary General?") == [
        ("Stoltenberg", "person", "m")]
    assert entities(seed_bot, "What did KFOR do in Kosovo?") == [
        ("KFOR", "organisation", ""), ("Kosovo", "place", "")]
    assert entities(seed_bot, "What is the capital of Australia?") == []  # not in the corpus
    # Without the corpus analysis (no speakers, no aliases) the text alone still tells.
    alone = Names(harbour.store)
    assert [(m.entity.name, m.entity.kind, m.entity.gender, m.entity.key)
            for m in alone.mentions("Did Okafor thank Tomas Brandt?")] == [
        ("Okafor", "person", "f", "helen okafor"), ("Brandt", "person", "m", "tomas brandt")]


def test_a_quote_that_does_not_name_its_speaker_competes_on_its_topic(harbour: Bot) -> None:
    # "He warned ..." is Brandt's; sentences naming Brandt must not win on his name alone.
    answer = harbour.ask("What did Brandt say about the lighthouse road?")
    assert answer.hits[0].text.startswith("He warned that the lighthouse road would close")
    assert answer.hits[0].speaker == "Tomas Brandt"


BAKERY = """# Harlow bakery wins the national bread prize

The Harlow Street Bakery won the national bread prize on Friday.

Owner Tomas Reyes, 52, opened the bakery in 1998 with a loan from his brother.

Second place went to the Dunmore Loaf Company.

The prize comes with five thousand pounds, which Reyes will spend on a new oven.
"""
MARATHON = """# Record field at the Kessington marathon

Ana Brook won the Kessington marathon on Sunday in a record time.

Lena Voss came second in the women's race, ten seconds behind her.

More than six thousand runners took part, the most since the race began.
"""


@pytest.fixture(scope="module")
def two_stories(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    corpus = tmp_path_factory.mktemp("stories")
    (corpus / "bakery.md").write_text(BAKERY, encoding="utf-8")
    (corpus / "marathon.md").write_text(MARATHON, encoding="utf-8")
    bot = Bot(corpus=corpus, store=corpus.parent / f"{corpus.name}-store",
              notify=lambda _: None)
    bot.reindex()
    return bot


def test_a_follow_up_is_answered_from_the_story_of_the_last_answer(two_stories: Bot) -> None:
    # asked alone, "who came second?" is the marathon's; after the bread prize, the bakery's
    assert "Lena Voss" in two_stories.ask("who came second?").hits[0].text
    chat = Conversation(two_stories)
    assert "Harlow Street Bakery" in chat.ask("Which bakery won the national bread prize?"
                                              ).hits[0].text
    assert "Dunmore Loaf" in chat.ask("who came second?", k=1).hits[0].text
    shown = chat.more(1)  # "more" looks where the answer came from
    assert shown.hits and all(h.path.endswith("bakery.md") for h in shown.hits), shown.hits


def test_a_question_on_another_story_leaves_the_last_one(two_stories: Bot) -> None:
    chat = Conversation(two_stories)
    chat.ask("Which bakery won the national bread prize?")
    # it names what the bakery story never mentions
    assert "Ana Brook" in chat.ask("Who won the Kessington marathon?").hits[0].text
    assert "Lena Voss" in chat.ask("who came second?").hits[0].text


def test_a_file_that_never_names_the_subject_is_silent_on_it(two_stories: Bot) -> None:
    bakery = str(two_stories.settings.corpus[0] / "bakery.md")
    assert two_stories.ask("Who won the Kessington marathon?", within=bakery).abstained
    assert not two_stories.ask("Who won the bread prize?", within=bakery).abstained
