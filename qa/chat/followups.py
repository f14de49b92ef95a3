"""Follow-up questions made standalone, from the turns of the conversation before them.

There is no generative model. A follow-up is rewritten into a standalone question by putting
back what it leaves out, taken from the conversation so far, most recent first:

- pronouns: "who did he thank?" -> "who did Vucic thank?". "he", "she", "they" (and "him",
  "his", "her", ...) go to a person, "it" and "there" to a place, organisation or topic;
- ellipsis: "and about Russia?" after "What did Vucic say about Kosovo?" -> "What did Vucic
  say about Russia?"; "why?" or "when was that?" -> the last question asked with "why"/"when".

The candidates are the people, organisations and places named in the earlier questions and in
the answers shown (their sentences and their speakers), as `Names` reads them. A question that
names its own subject is taken as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qa.bot import Answer
from qa.chat.names import ORGANISATION, PERSON, PLACE, THING, Entity, Mention, Names
from qa.rank import Hit, asks_who_is
from qa.text import (
    ABOUT_OPENERS,
    AUXILIARIES,
    DESCRIPTION_NOUNS,
    FEMALE_PRONOUNS,
    FOLLOW_UP_OPENERS,
    MALE_PRONOUNS,
    NAME_TOKEN,
    NEUTER_PRONOUNS,
    PERSON_CUE_VERBS,
    PLACE_PREPOSITIONS,
    PLURAL_PRONOUNS,
    POSSESSIVE_PRONOUNS,
    PREPOSITIONS,
    PRONOUNS,
    QUESTION_WORDS,
    SAYING_WORDS,
    STOPWORDS,
    TOPIC_OPENERS,
    VAGUE_WORDS,
    LazyPattern,
    alternation,
)

# "and about Russia?", "what about him?": the previous question about something else.
_ABOUT = LazyPattern(rf"^(?:(?:{alternation(ABOUT_OPENERS)})\s+)?(?:(what|how)\s+)?about\s+"
                     r"(?P<x>.+)$", re.IGNORECASE)
# What a question is about: "... about the constitution?"
_TOPIC = LazyPattern(r"\babout\s+((?:\S+\s+){0,5}?\S+?)[\s?.!]*$", re.IGNORECASE)
# "and Stoltenberg?", "but in Serbia?": a new topic for the previous question.
_AND_X = LazyPattern(rf"^(?:{alternation(TOPIC_OPENERS)})\s+(?P<x>.+)$", re.IGNORECASE)
# "and who did he thank?" stands alone as "who did Vucic thank?"
_OPENER = LazyPattern(rf"^(?:{alternation(FOLLOW_UP_OPENERS)})\b,?\s+(?=\S)", re.IGNORECASE)
# "in the US", "at Old Trafford": a place for the previous question.
_PLACE_PHRASE = LazyPattern(rf"^(?:{alternation(PLACE_PREPOSITIONS)})\s+(?:the\s+)?(?P<x>.+)$",
                            re.IGNORECASE)
# Pronouns that stand for people: "he", "her", "they".
_PERSONAL = MALE_PRONOUNS | FEMALE_PRONOUNS | PLURAL_PRONOUNS
# Nouns for a person that "which"/"what" asks for: "which leader did Stoltenberg meet?".
_PERSON_NOUNS = DESCRIPTION_NOUNS | {"person", "man", "woman", "boy", "girl", "politician",
                                     "official", "athlete", "artist", "musician"}
# Words `_ask_again` passes over to reach the previous question's verb: "and how many ...".
_LEADING = QUESTION_WORDS | (FOLLOW_UP_OPENERS - {"also", "then"}) | {"many", "much"}


@dataclass(frozen=True)
class Turn:
    """One question of a conversation, how it was understood, and the hits shown for it."""

    question: str
    understood_as: str
    answer: Answer
    shown: tuple[Hit, ...]
    # the rows the answer was looked for in: its document's, for a follow-up answered there
    rows: NDArray[np.int64] | None = None
    within: tuple[str, ...] | None = None  # the files the conversation was limited to then


def standalone(question: str, turns: Sequence[Turn], names: Names) -> str:
    """`question` as a standalone question, with what it leaves out taken from `turns`."""
    if not turns:
        return question
    return _FollowUp(turns, names).understand(question)


class _FollowUp:
    """One follow-up question read against the turns before it, most recent first."""

    def __init__(self, turns: Sequence[Turn], names: Names) -> None:
        self.turns = turns
        self.names = names

    def understand(self, question: str) -> str:
        """`question` as a standalone question."""
        body = question.strip().rstrip("?.! ").strip()
        previous = self.turns[-1].understood_as
        about = _ABOUT.match(body)
        if about:
            return self._new_topic(previous, about.group("x"), explicit=not about.group(1))
        words = [w.lower() for w in NAME_TOKEN.findall(body)]
        if words and words[0] in TOPIC_OPENERS and len(words) > 1 and len(words) <= 6 \
                and words[1] not in QUESTION_WORDS and words[1] not in AUXILIARIES:
            match = _AND_X.match(body)
            if match and not any(w in PERSON_CUE_VERBS or w in SAYING_WORDS for w in words[1:]) \
                    and any(w not in STOPWORDS or w in PRONOUNS for w in words[1:]):
                return self._new_topic(previous, match.group("x"), explicit=False)
        # "and why?", "so when?" ask as "why?" and "when?" do
        bare = words[1:] if words[:1] and words[0] in FOLLOW_UP_OPENERS else words
        if bare and bare[0] in QUESTION_WORDS and all(w in VAGUE_WORDS for w in bare[1:]):
            return _ask_again(previous, bare[0])
        if bare == ["what", "for"]:  # "what for?" asks why
            return _ask_again(previous, "why")
        if len(bare) > 1 and bare[1] in QUESTION_WORDS and bare[0] in PREPOSITIONS \
                and all(w in VAGUE_WORDS for w in bare[2:]):  # "with whom?", "since when?"
            return _ask_again(previous, bare[1], bare[0])
        return self._resolve_pronouns(question)

    def _candidates(self) -> list[Entity]:
        """Entities of the conversation, most recent turn first, each once."""
        names = self.names
        found: list[Entity] = []
        for turn in reversed(self.turns):
            asked = [m.entity for m in names.mentions(turn.understood_as)
                     if not _modifies(names, turn.understood_as, m)]
            topic = _TOPIC.search(turn.understood_as)
            if topic and not names.mentions(topic.group(1)) and \
                    not set(topic.group(1).lower().split()) & PRONOUNS:
                asked.append(Entity(topic.group(1), THING))  # "about the constitution"
            answered: list[Entity] = []
            for hit in turn.shown[:1]:
                said = names.speaker(hit)
                answered += ([said] if said else []) + [m.entity for m in names.mentions(hit.text)
                                                        if not _modifies(names, hit.text, m)]
            if _asks_person(turn.understood_as) and not _identity(turn, asked):
                asked_ids = {e.ident for e in asked}
                found += [e for e in answered if e.ident not in asked_ids] + asked
            else:
                found += asked + answered
        unique: dict[str, Entity] = {}
        for e in found:
            unique.setdefault(e.ident, e)
        return list(unique.values())

    def _resolve_pronouns(self, question: str, avoid: frozenset[str] = frozenset()) -> str:
        """Pronouns replaced by who or what they stand for; `avoid` is never a "him"."""
        tokens = list(NAME_TOKEN.finditer(question))
        own = [m.entity for m in self.names.mentions(question)]
        # A person the question names is who its "he" or "his" means, never its "him".
        named = {e.ident for e in own if e.kind == PERSON}
        has_thing = any(e.kind != PERSON for e in own)
        saying = any(t.group().lower() in SAYING_WORDS for t in tokens)
        out, pos = [], 0
        done: set[str] = set()  # "how did he make his money?": the name once, then "his"
        for i, tok in enumerate(tokens):
            word = tok.group().lower()
            after = tokens[i + 1].group().lower() if i + 1 < len(tokens) else ""
            possessive = word in POSSESSIVE_PRONOUNS or (
                word == "her" and after not in ("", "about") and after not in STOPWORDS)
            target: Entity | None = None
            if word in _PERSONAL and word not in ("himself", "herself", "themselves"):
                if word in ("him", "them") or word == "her" and not possessive:
                    target = self._person_for(word, saying, named | avoid)
                elif not named:
                    target = self._person_for(word, saying, set())
            elif word in NEUTER_PRONOUNS and not has_thing:
                target = self._first(lambda e: e.kind != PERSON)
            elif word == "there" and not has_thing and after not in AUXILIARIES | {"'s", "be"} \
                    and i > 0:
                target = self._first(lambda e: e.kind == PLACE) or \
                    self._first(lambda e: e.kind != PERSON)
            if target is None or target.ident in done:
                continue
            done.add(target.ident)
            name = _named(target)
            if possessive:
                name += "’" if name.endswith("s") else "’s"
            if word == "there":
                name = f"in {name}"
            if tok.group()[0].isupper() and i == 0:
                name = name[0].upper() + name[1:]
            out.append(question[pos : tok.start()] + name)
            pos = tok.end()
        if not out:
            return question
        rewritten = "".join(out) + question[pos:]
        # "and who did he thank?" stands alone as "who did Vucic thank?"
        return _OPENER.sub("", rewritten)

    def _person_for(self, pronoun: str, saying: bool, exclude: set[str]) -> Entity | None:
        gender = "m" if pronoun in MALE_PRONOUNS else "f" if pronoun in FEMALE_PRONOUNS else ""

        def fits(e: Entity) -> bool:
            return e.kind == PERSON and e.ident not in exclude and (
                not gender or e.gender in ("", gender))

        last = self.turns[-1]
        if pronoun in PLURAL_PRONOUNS:
            # two people of the last question (or of the sentence answering it), or a company
            # or body; never one person ("how big a stake did they buy?" after a fund
            # manager's words on Fosters)
            answered = [h.text for h in last.shown[:1]]
            recent = [e for e in self._people(last.understood_as, *answered)
                      if e.ident not in exclude]
            if len(recent) >= 2:
                return Entity(f"{recent[0].name} and {recent[1].name}", PERSON)
            return self._first(lambda e: e.kind == ORGANISATION)
        asked = self._people(last.understood_as)
        if saying and last.shown and not _identity(last, asked):
            said = self.names.speaker(last.shown[0])
            # "which leader did Stoltenberg meet?": the answer is the one he met, not him
            if said is not None and fits(said) and not (
                    _asks_person(last.understood_as) and said.ident in {e.ident for e in asked}):
                return said
        return self._first(fits)

    def _people(self, *texts: str) -> list[Entity]:
        """The people `texts` name, each once, in order."""
        unique: dict[str, Entity] = {}
        for text in texts:
            for m in self.names.mentions(text):
                if m.entity.kind == PERSON:
                    unique.setdefault(m.entity.ident, m.entity)
        return list(unique.values())

    def _first(self, test: Callable[[Entity], bool]) -> Entity | None:
        return next((e for e in self._candidates() if test(e)), None)

    def _new_topic(self, previous: str, topic: str, explicit: bool) -> str:
        """The previous question about `topic` instead: its person, or what it was about."""
        names = self.names
        old = names.mentions(previous)
        # "and about him?" after "What did Vucic say ...": someone other than Vucic.
        topic = self._resolve_pronouns(topic.strip(), frozenset(
            m.entity.ident for m in old if m.entity.kind == PERSON))
        new = names.mentions(topic)
        body = previous.rstrip(" ?.!")
        things = [m for m in old if m.entity.kind != PERSON]
        where = _PLACE_PHRASE.match(topic)
        if where and not explicit:
            # "and in the US?" after "how many internet users does the UK have?": the place
            # of the last question changes; a question without one gains it.
            places = [m for m in things if m.entity.kind == PLACE
                      or names.profile(m.entity.name.split()[-1]).place > 0]  # "in the US"
            if places:
                m = places[-1]
                return previous[: m.start] + where.group("x") + previous[m.end :]
            return f"{body} {topic}?"
        said = topic.lower().split()
        # "compared to", "according to": a participle and its preposition lead as one does
        phrase = len(said) > 1 and said[0].endswith(("ed", "ing")) \
            and said[1] in PREPOSITIONS | PLACE_PREPOSITIONS
        lead = " ".join(said[:2]) if phrase else said[0] if said else ""
        at = body.lower().rfind(f" {lead} ")
        if (lead in PREPOSITIONS or phrase) and not explicit and at > 0:
            # "and for NATO allies?" after "what does a strong Serbia mean for the region?":
            # the phrase of the same preposition changes
            return f"{body[:at]} {topic}?"
        if phrase and not explicit:
            # "and compared to 2003?" qualifies the last question: it is not a thing of it
            return f"{body} {topic}?"
        if not explicit and new and new[0].entity.kind == PERSON:
            people = [m for m in old if m.entity.kind == PERSON]
            if people:
                m = people[0]
                return previous[: m.start] + new[0].entity.name + previous[m.end :]
            if things:  # "and Stoltenberg?" after a question about KFOR
                return f"What did {new[0].entity.name} say about {_named(things[-1].entity)}?"
        # "and about terrorism?" parallels the last question that was about something; a bare
        # fragment ("and Russia?") only the most recent question.
        recent = self.turns if explicit else self.turns[-1:]
        about = [t.understood_as.rstrip(" ?.!") for t in reversed(recent)
                 if " about " in t.understood_as.lower()]
        if " about " in f"{body.lower()} " or about and (explicit or not things):
            base = body if " about " in body.lower() else about[0]
            cut = base.lower().rfind(" about ")
            return f"{base[: cut + 7]}{topic}?"
        if things:
            m = things[-1]
            return previous[: m.start] + topic + previous[m.end :]
        return f"{body} about {topic}?"


def _modifies(names: Names, text: str, mention: Mention) -> bool:
    """Whether `mention` in `text` is a word that modifies the next ("in British television"):
    no thing a pronoun can stand for ("at its best" is no "British's")."""
    name = mention.entity.name
    follows = re.match(r"\s+([a-z]\w*)", text[mention.end :])
    return (mention.entity.kind != PERSON and " " not in name and follows is not None
            and follows.group(1) not in STOPWORDS and names.profile(name).modifier())


def _asks_person(question: str) -> bool:
    """Whether a question asks for a person: "who ...?", or "which leader ...?", "what
    minister ...?" (a person noun before its verb). Its answer's person is then who "he" next
    means, not the one the question named."""
    words = [w.lower() for w in NAME_TOKEN.findall(question)]
    while words and words[0] in FOLLOW_UP_OPENERS:
        words = words[1:]
    first = words[0] if words else ""
    if first in ("who", "whom", "whose"):
        return True
    if first not in ("which", "what"):
        return False
    for word in words[1:4]:
        if word in AUXILIARIES:
            return False
        if word in _PERSON_NOUNS or (word.endswith("s") and word[:-1] in _PERSON_NOUNS):
            return True
    return False


def _identity(turn: Turn, asked: list[Entity]) -> bool:
    """Whether a turn asked who a person is ("who is Vucic?"): its answer is about that
    person, whoever its sentence quotes, so "he" next still means them."""
    return asks_who_is(turn.understood_as) and any(e.kind == PERSON for e in asked)


def _ask_again(previous: str, wh: str, preposition: str = "") -> str:
    """The previous question asked with another question word: "why?" -> "Why did X ...?".

    With a preposition: "with whom?" -> "Who did X ... with?", "since when?" -> "Since when ...".
    """
    body = previous.strip().rstrip("?.! ")
    words = body.split()
    lead = f"{preposition} {wh}".strip().capitalize()
    if preposition and wh == "whom":
        i = 1 if words and words[0].lower() in QUESTION_WORDS else 0
        if 0 < i < len(words) and words[i].lower() in AUXILIARIES:
            return f"Who {' '.join(words[i:])} {preposition}?"
    i = 0
    while i < len(words) and words[i].lower().strip(",") in _LEADING:
        i += 1
    if 0 < i < len(words) and words[i].lower() in AUXILIARIES:
        rest = words[i:]
        if words[0].lower() == "what" and wh != "what":
            # "What did X say about Y?" + "why?" -> "Why did X say that about Y?"
            verb = next((j for j, w in enumerate(rest) if w.lower() in SAYING_WORDS), -1)
            if verb > 0 and rest[verb + 1 : verb + 2] != ["that"]:
                rest = rest[: verb + 1] + ["that"] + rest[verb + 1 :]
        return f"{lead} {' '.join(rest)}?"
    return f"{lead}: {body}?"  # "what happened in Kosovo?" -> "Why: what happened in Kosovo?"


def _named(entity: Entity) -> str:
    """An entity as a question says it: "the Kosovo Security Forces", "Vucic"."""
    return f"{entity.article} {entity.name}" if entity.article else entity.name


__all__ = ["Turn", "standalone"]
