from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import qa
from qa import Answer, Bot, ConfigError, Conversation, QuestionError, StoreError
from qa.config import MAX_K

from .conftest import DATA, ROOT, SEEDS, shared


def test_import_does_not_load_torch() -> None:
    code = "import sys, qa; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_exported_members_match_all() -> None:
    public = {name for name in dir(qa) if not name.startswith("_")}
    import types

    modules = {name for name in public if isinstance(getattr(qa, name), types.ModuleType)}
    modules.add("annotations")
    assert set(qa.__all__) - {"__version__"} == public - modules


def test_answer_has_ranked_sourced_hits(seed_bot: Bot) -> None:
    answer = seed_bot.ask("What did Vucic say about the future?", k=2)
    assert isinstance(answer, Answer)
    assert answer.question == "What did Vucic say about the future?"
    assert not answer.abstained and len(answer.hits) == 2
    top = answer.hits[0]
    assert "look into the future" in top.text
    assert top.score >= answer.hits[1].score
    assert Path(top.source).name == "nato-serbia-kosovo-security-forces.txt"
    text = Path(top.source).read_text(encoding="utf-8")
    assert text[top.start : top.end] == top.text
    assert top.before or top.after  # neighbours as context


def test_from_config_with_overrides(seed_store: Path) -> None:
    bot = Bot.from_config(ROOT / "config.yaml", store=seed_store, k=1)
    assert bot.settings.k == 1
    assert len(bot.ask("Which holy places are mentioned?").hits) == 1


def test_bad_questions_raise_question_error(seed_bot: Bot) -> None:
    for question in ("", "   \n\t", "x" * 100_000):
        with pytest.raises(QuestionError):
            seed_bot.ask(question)


def test_abstains_with_a_sentence_that_counts_documents(seed_bot: Bot) -> None:
    answer = seed_bot.ask("What is the capital of Australia?")
    assert answer.abstained and answer.hits == ()
    assert answer.message == "I couldn't find that in the 1 document I have."


def test_stoltenberg_ksf_example(seed_bot: Bot) -> None:
    top = seed_bot.ask("what did Stoltenberg say about the KSF").hits[0].text
    assert "Kosovo Security Forces" in top


def test_seed_dev_questions(seed_bot: Bot) -> None:
    wrong = []
    for line in shared("eval", "seed_dev.jsonl").read_text().splitlines():
        case = json.loads(line)
        answer = seed_bot.ask(case["q"])
        if not case["gold"]:
            ok = answer.abstained
        else:
            ok = bool(answer.hits) and any(g in answer.hits[0].text for g in case["gold"])
        if not ok:
            wrong.append(case["q"])
    assert wrong == []


def test_json_form_is_plain_data(seed_bot: Bot) -> None:
    data = seed_bot.ask("Which holy places are mentioned?").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["hits"][0]["source"].endswith(".txt")


def test_corpus_with_several_paths(tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("The harbour master retired in May after forty years at sea.")
    bot = Bot(corpus=[SEEDS, extra], store=tmp_path / "store", notify=lambda _: None)
    answer = bot.ask("When did the harbour master retire?")
    assert answer.hits[0].text.startswith("The harbour master retired in May")
    assert len(bot.sources()) == 2


def test_bot_composed_from_its_parts_answers_without_a_config(seed_store: Path) -> None:
    """A Bot takes an embedder and a vector index instead of building them from settings:
    two bots share one model, and the second searches exactly through the index it was
    given."""
    from qa.embed import Embedder
    from qa.index import Store
    from qa.vectors import DenseIndex

    first = Bot(corpus=SEEDS, store=seed_store, notify=lambda _: None)
    made: list[Store] = []

    def exact(store: Store) -> DenseIndex:
        made.append(store)
        return DenseIndex(store.vectors, None, "exact")

    second = Bot(corpus=SEEDS, store=seed_store, notify=lambda _: None,
                 embedder=first.embedder, vectors=exact)
    assert isinstance(second.embedder, Embedder) and second.embedder is first.embedder
    question = "What did Vucic say about the future?"
    assert second.ask(question).hits == first.ask(question).hits
    assert made and made[0] is second.store and second.retriever.dense.kind == "exact"


def test_k_has_one_bound_for_ask_and_settings(seed_bot: Bot) -> None:
    """bot.ask(k=100000) gave every sentence of the corpus, though -k, config.yaml and Bot(k=)
    refuse k over 100: the library holds to the same MAX_K."""
    assert len(seed_bot.ask("What did Vucic say?", k=MAX_K).hits) > 3
    for k in (0, MAX_K + 1, 100_000):
        with pytest.raises(QuestionError, match=f"between 1 and {MAX_K}, got {k}$"):
            seed_bot.ask("What did Vucic say?", k=k)
        with pytest.raises(ConfigError, match=f"between 1 and {MAX_K}, got {k}$"):
            Bot(corpus=SEEDS, k=k)


@pytest.mark.parametrize("question", [None, b"Who said it?", 42])
def test_a_question_that_is_not_text_is_a_question_error(seed_bot: Bot, question: object) -> None:
    """`except qa.QAError` around ask() catches None from an empty form field (it was a bare
    TypeError), for a conversation too."""
    for ask in (seed_bot.ask, Conversation(seed_bot).ask):
        with pytest.raises(QuestionError, match="^a question is text, got ") as caught:
            ask(question)  # type: ignore[arg-type]
        assert " - " in str(caught.value)


def test_a_decline_within_one_file_counts_the_documents_searched(news_store: Path) -> None:
    bot = Bot(corpus=DATA / "news", store=news_store, notify=lambda _: None)
    question = "What is the capital of Australia?"
    assert bot.ask(question).message == "I couldn't find that in the 2 documents I have."
    one = bot.ask(question, within=DATA / "news" / "orchard-festival.txt")
    assert one.abstained and one.message == "I couldn't find that in the 1 document searched."
    noted = bot.ask("What did Putin say about the festival?",
                    within=DATA / "news" / "orchard-festival.txt")
    assert noted.message == "Putin is not named in the 1 document searched."
    whole = bot.ask(question, within=DATA / "news")  # the whole corpus, asked as such
    assert whole.message == "I couldn't find that in the 2 documents I have."


def test_a_store_under_a_file_names_that_file(tmp_path: Path) -> None:
    """store="afile/sub" said afile/sub "is a file"; it is afile, which is left as it was.
    Making the folder (as qa serve does before serving) says the same."""
    from qa.index import make_folder

    afile = tmp_path / "afile"
    afile.write_text("my notes\n")
    for store in (afile / "sub", afile / "sub" / "deeper"):
        said = f"store {store} cannot be created: {afile} is a file, not a folder - "
        with pytest.raises(StoreError) as caught:
            Bot(corpus=SEEDS, store=store, notify=lambda _: None).ask("Who spoke?")
        assert str(caught.value).startswith(said)
        with pytest.raises(StoreError) as caught:
            make_folder(store)
        assert str(caught.value).startswith(said)
    with pytest.raises(StoreError, match=f"^store {afile} is a file, not a folder - "):
        Bot(corpus=SEEDS, store=afile, notify=lambda _: None).ask("Who spoke?")
    assert afile.read_text() == "my notes\n"
