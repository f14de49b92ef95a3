"""Conversations: follow-up questions understood in the light of the turns before them.

There is no generative model. A follow-up is rewritten into a standalone question by putting
back what it leaves out, taken from the conversation so far, most recent first:

- pronouns: "who did he thank?" -> "who did Vucic thank?". "he", "she", "they" (and "him",
  "his", "her", ...) go to a person, "it" and "there" to a place, organisation or topic;
- ellipsis: "and about Russia?" after "What did Vucic say about Kosovo?" -> "What did Vucic
  say about Russia?"; "why?" or "when was that?" -> the last question asked with "why"/"when".

The candidates are the people, organisations and places named in the earlier questions and in
the answers shown (their sentences and their speakers). Which words are names, who is a person,
a person's usual name and whether the corpus calls them "he" or "she" are learned from the
corpus itself (`Names`), using the corpus analysis (speakers, aliases) when the store has it.
A question that names its own subject is taken as it is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from qa.bot import Answer
from qa.errors import QAError, QuestionError
from qa.rank import Hit, asks_who_is
from qa.text import STOPWORDS, clean_question, terms

if TYPE_CHECKING:
    from qa.bot import Bot
    from qa.index import Store

# How many sentences mentioning a word are read to learn what the word names.
SAMPLE_ROWS = 300

PERSON, ORGANISATION, PLACE, THING = "person", "organisation", "place", "thing"

_TOKEN = re.compile(r"[^\W_](?:[\w\-]|['’](?=[^\W_]))*")
_SPEECH = frozenset(
    """said says say told tells added adds stated explained noted pointed argued insisted
    warned claimed announced replied thanked stressed believes thinks wrote asked urged
    admitted confirmed declared responded commented suggested revealed described welcomed
    criticised criticized agreed denied continued""".split()
)
# Words of a question asking what someone said, thought or did with words.
_SAYING = frozenset(
    """say said says saying tell told tells thank thanked thanks add added mention mentioned
    stress stressed claim claimed think thought believe believed argue argued speak spoke
    ask asked promise promised warn warned describe described comment commented respond
    responded reply replied answer answered agree agreed state stated explain explained
    point pointed call called praise praised criticise criticize view position opinion""".split()
)
_TITLES = frozenset(
    """president secretary general minister prime chancellor chairman chairwoman director
    governor senator judge coach manager captain chief executive officer leader commissioner
    ambassador mayor king queen prince princess pope bishop spokesman spokeswoman deputy
    vice foreign shadow boss head founder editor professor prof dr mr mrs ms miss sir lord
    lady dame rev""".split()
)
_HONORIFICS = {"mr": "m", "sir": "m", "lord": "m", "king": "m", "prince": "m",
               "mrs": "f", "ms": "f", "miss": "f", "lady": "f", "dame": "f", "queen": "f",
               "princess": "f"}
_CONNECTORS = frozenset("of van von de der den da di du del bin al la le".split())
_PLACE_BEFORE = frozenset("in at from to across near into inside outside".split())
_MALE = frozenset("he him his himself".split())
_FEMALE = frozenset("she her hers herself".split())
_PLURAL = frozenset("they them their theirs themselves".split())
_NEUTER = frozenset(["it", "its", "itself"])
_POSSESSIVE = frozenset("his hers its their theirs".split())
_WH = ("what", "who", "whom", "whose", "which", "why", "when", "where", "how")
_AUX = frozenset(
    "is are was were did do does has have had will would can could should may might".split()
)
# Words a bare follow-up may hold besides its question word: "when was that?", "why is it so?"
_VAGUE = _AUX | frozenset(
    "that this it so then exactly again happen happened come about".split()
)
_PREPOSITIONS = frozenset("with to for from since until by about against".split())
_ABOUT = re.compile(r"^(?:(?:and|but|so|also|ok|okay)\s+)?(?:(what|how)\s+)?about\s+(?P<x>.+)$",
                    re.IGNORECASE)
_TOPIC = re.compile(r"\babout\s+((?:\S+\s+){0,5}?\S+?)[\s?.!]*$", re.IGNORECASE)
_AND_X = re.compile(r"^(?:and|but|also)\s+(?P<x>.+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entity:
    """Someone or something a conversation can refer back to."""

    name: str  # as a rewritten question should say it: "Vucic", "NATO", "Kosovo"
    kind: str  # PERSON, ORGANISATION, PLACE or THING
    gender: str = ""  # "m" or "f" when the corpus says so, else ""
    key: str = ""  # the same entity's identity whichever name it goes by
    article: str = ""  # "the" when the corpus says "the Serious Fraud Office"

    @property
    def ident(self) -> str:
        return self.key or self.name.lower()


@dataclass(frozen=True, slots=True)
class _Mention:
    entity: Entity
    start: int
    end: int


@dataclass
class _Profile:
    """What the sentences mentioning one word say about it."""

    capital: int = 0  # written with a capital, not opening a sentence
    lower: int = 0  # written in lower case
    person: int = 0  # next to a speech verb or a title
    place: int = 0  # after "in", "at", "from", ...
    male: int = 0
    female: int = 0
    forms: Counter[str] = field(default_factory=Counter)  # how it is written
    firsts: Counter[str] = field(default_factory=Counter)  # the capitalised word before it

    @property
    def proper(self) -> bool:
        return self.capital > 0 and self.capital >= 2 * self.lower


class Names:
    """The names a corpus uses: which words name something, who is a person, and how to say it.

    Learned lazily, a word at a time, from the sentences of the store that contain it; the
    corpus analysis (speakers and aliases), when the store has one, adds who speaks.
    """

    def __init__(self, store: Store, analysis: Any = None) -> None:
        self.store = store
        self._profiles: dict[str, _Profile] = {}
        self._mentions: dict[str, list[_Mention]] = {}
        self._speakers: dict[str, str] = {}  # full name in lower case -> full name
        for full in getattr(analysis, "speakers", None) or []:
            if isinstance(full, str) and full.strip():
                self._speakers[full.lower()] = full
        aliases = getattr(analysis, "aliases", None) or {}
        self._aliases: dict[str, list[str]] = {
            k: list(v) for k, v in aliases.items() if isinstance(k, str) and v}

    # --- words --------------------------------------------------------------------------------

    def profile(self, word: str) -> _Profile:
        """What the corpus says about `word` (any case)."""
        low = word.lower()
        if low not in self._profiles:
            self._profiles[low] = self._learn(low)
        return self._profiles[low]

    def _learn(self, low: str) -> _Profile:
        prof = _Profile()
        for row in self._rows(low):
            text = self.store.text(row)
            tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
            for i, (tok, pos) in enumerate(tokens):
                if _bare(tok).lower() != low:
                    continue
                bare = _bare(tok)
                if bare[0].isupper():
                    if _opens_sentence(text, pos):
                        prof.forms[bare] += 1
                    else:
                        prof.capital += 1
                        prof.forms[bare] += 2
                else:
                    prof.lower += 1
                    continue
                before = [t.lower() for t, _ in tokens[max(0, i - 2) : i]]
                after = [t.lower() for t, _ in tokens[i + 1 : i + 4]
                         if t.lower() not in ("also", "has", "had", "have", "then", "later")]
                if (after[:1] and after[0] in _SPEECH) or before[-2:] == ["according", "to"] \
                        or (before and before[-1] in _TITLES):
                    prof.person += 1
                if before and before[-1] in _HONORIFICS:
                    prof.person += 1
                    prof.male += _HONORIFICS[before[-1]] == "m"
                    prof.female += _HONORIFICS[before[-1]] == "f"
                if before and before[-1] in _PLACE_BEFORE:
                    prof.place += 1
                if i > 0 and tokens[i - 1][0][:1].isupper() and tokens[i - 1][0].lower() \
                        not in STOPWORDS and tokens[i - 1][0].lower() not in _TITLES:
                    prof.firsts[_bare(tokens[i - 1][0])] += 1
                # The pronouns that follow a mention say whether the corpus calls it he or she.
                rest = [t.lower() for t, _ in tokens[i + 1 :]]
                if row + 1 < self.store.count and self._same_doc(row, row + 1):
                    rest += [t.lower() for t in _TOKEN.findall(self.store.text(row + 1))]
                prof.male += sum(t in _MALE for t in rest[:40])
                prof.female += sum(t in _FEMALE for t in rest[:40])
        return prof

    def _same_doc(self, a: int, b: int) -> bool:
        return bool(self.store.rows[a, 0] == self.store.rows[b, 0])

    def is_name_word(self, token: str, opens: bool, cased: bool) -> bool:
        """True when `token` is (part of) a name: capitalised mid-sentence, or so in the corpus.

        In `cased` text a word written in lower case is taken as no name, unasked.
        """
        low = token.lower()
        if low in STOPWORDS or len(low) < 2 or low.isdigit() or low[:2] in ("i'", "i’"):
            return False
        if token.isupper() and len(token) > 1:
            return True
        capital = token[:1].isupper()
        if capital and not opens:
            return True
        if cased and not capital:
            return False
        return self.profile(low).proper

    # --- mentions -----------------------------------------------------------------------------

    def mentions(self, text: str) -> list[_Mention]:
        """The entities `text` names, in order, with their character spans."""
        if text not in self._mentions:
            if len(self._mentions) > 1000:
                self._mentions.clear()
            self._mentions[text] = self._find_mentions(text)
        return self._mentions[text]

    def _find_mentions(self, text: str) -> list[_Mention]:
        # Text typed all in lower case ("what did vucic say") is read word by word against
        # the corpus; otherwise its capitals are trusted.
        cased = any(ch.isupper() for ch in text[1:])
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        runs: list[list[tuple[str, int, int]]] = []
        run: list[tuple[str, int, int]] = []
        for i, (tok, start, end) in enumerate(tokens):
            bare = _bare(tok)
            gap = text[run[-1][2] : start] if run else ""
            joined = run and gap.strip() == "" and "\n" not in gap
            if self.is_name_word(bare, _opens_sentence(text, start), cased):
                if run and not joined:
                    runs.append(run)
                    run = []
                run.append((bare, start, start + len(bare)))
                if bare != tok:  # a possessive ends the name
                    runs.append(run)
                    run = []
            elif run and joined and tok.lower() in _CONNECTORS and i + 1 < len(tokens) \
                    and tokens[i + 1][0][:1].isupper():
                run.append((tok, start, end))
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
        found: list[_Mention] = []
        for r in runs:
            while r and r[-1][0].lower() in _CONNECTORS:
                r = r[:-1]
            if r:
                entity = self.entity([w for w, _, _ in r])
                if entity is not None:
                    found.append(_Mention(entity, r[0][1], r[-1][2]))
        return found

    def entity(self, words: list[str]) -> Entity | None:
        """The entity a run of name words stands for, or None when it names nothing known."""
        # "NATO Secretary General Jens Stoltenberg": the name is what follows the title.
        cut = 0
        for i, w in enumerate(words[:-1]):
            if w.lower().strip(".") in _TITLES or (w.isupper() and len(w) > 1):
                cut = i + 1
        name = words[cut:]
        titled = cut > 0 and any(w.lower().strip(".") in _TITLES for w in words[:cut])
        if name[-1].lower().strip(".") in _TITLES:
            return self._titled(words)
        person = self._person(name, titled)
        if person is not None:
            return person
        if len(words) == 1 and words[0].isupper() and len(words[0]) > 1:
            return Entity(words[0], ORGANISATION)
        prof = self.profile(words[-1])
        if not prof.forms and not any(self.profile(w).forms for w in words):
            return None  # the corpus never writes it: not something it knows
        shown = " ".join(_usual(self.profile(w), w) for w in words)
        kind = ORGANISATION if any(w.isupper() and len(w) > 1 for w in words) else (
            PLACE if prof.place > 0 else THING)
        return Entity(shown, kind, article=self._article(shown))

    def _article(self, phrase: str) -> str:
        """ "the" when the corpus mostly writes "the" before the name, else ""."""
        pattern = re.compile(r"(?<![\w’'])(?:([Tt]he)\s+)?" + re.escape(phrase)
                             + r"(?![\w’'])(?!\s+[A-Z])")
        votes = Counter(bool(m.group(1)) for row in self._rows(phrase.split()[-1])
                        for m in pattern.finditer(self.store.text(row)))
        return "the" if votes[True] > votes[False] else ""

    def _rows(self, word: str) -> list[int]:
        """Up to SAMPLE_ROWS rows whose sentence holds `word`, from the lexical index."""
        found = terms(word)
        lex = self.store.lexicon
        tid = lex.vocab.get(found[0]) if len(found) == 1 else None
        if tid is None:
            return []
        lo, hi = int(lex.indptr[tid]), int(lex.indptr[tid + 1])
        return sorted(int(r) for r in lex.rows[lo : min(hi, lo + SAMPLE_ROWS)])

    def _person(self, name: list[str], titled: bool) -> Entity | None:
        low = " ".join(name).lower()
        full = self._speakers.get(low)
        if full is None:
            known = [n for n in self._aliases.get(low, []) if n.lower() in self._speakers
                     or len(n.split()) > 1]
            full = known[0] if len(known) == 1 else None
        last = self.profile(name[-1])
        # A person's name is made of words the corpus always capitalises: not "Fraud Office".
        named = all(self.profile(w).proper for w in name)
        if full is None and not (named and (last.person > 0 or titled)):
            first = self._first_name(name)
            if first is None:
                return None
            full = first
        if full is None:
            firsts = [f for f, _ in last.firsts.most_common(2)]
            full = " ".join(name) if len(name) > 1 or len(firsts) != 1 else f"{firsts[0]} {name[0]}"
        surname = full.split()[-1]
        prof = self.profile(surname)
        gender = "m" if prof.male > 2 * prof.female else "f" if prof.female > 2 * prof.male else ""
        shown = surname if self._unique_surname(surname, full) else full
        return Entity(shown, PERSON, gender, full.lower())

    def _first_name(self, name: list[str]) -> str | None:
        """A lone first name the corpus completes with one person's surname: "Jens"."""
        if len(name) != 1:
            return None
        for n in self._aliases.get(name[0].lower(), []):
            if len(n.split()) > 1:
                return n
        return None

    def _unique_surname(self, surname: str, full: str) -> bool:
        others = {n for n in self._aliases.get(surname.lower(), []) if n != full}
        return not others

    def _titled(self, words: list[str]) -> Entity | None:
        """A title ("NATO Secretary General") the corpus puts in front of one person's name."""
        phrase = " ".join(words)
        follow = re.compile(f"(?i:{re.escape(phrase)})" + r"\s+((?:[A-Z][\w’'\-]+\s+){0,2}"
                            r"[A-Z][\w’'\-]+)")
        votes: Counter[str] = Counter()
        for row in self._rows(words[-1]):
            for m in follow.finditer(self.store.text(row)):
                votes[m.group(1)] += 1
        for name, _ in votes.most_common(1):
            return self._person(name.split(), True)
        return None

    def speaker(self, hit: Hit) -> Entity | None:
        """The person a hit's sentence quotes, when the corpus analysis knows it."""
        if not hit.speaker:
            return None
        words = hit.speaker.split()
        if any(w.isupper() and len(w) > 1 for w in words):  # "NATO said"
            return Entity(hit.speaker, ORGANISATION)
        return self._person(words, True) or self.entity(words)


# --- conversations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One question of a conversation, how it was understood, and the hits shown for it."""

    question: str
    understood_as: str
    answer: Answer
    shown: tuple[Hit, ...]


class Conversation:
    """A chat with a Bot that remembers its turns, so follow-up questions make sense.

    >>> chat = Conversation(bot)
    >>> chat.ask("What did Vucic say about Kosovo?")
    >>> chat.ask("who did he thank?").understood_as
    'who did Vucic thank?'
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._turns: list[Turn] = []
        self._names: Names | None = None

    @property
    def history(self) -> list[Turn]:
        """The turns so far, oldest first."""
        return list(self._turns)

    @property
    def names(self) -> Names:
        if self._names is None or self._names.store is not self.bot.store:
            store = self.bot.store
            try:
                analysis = getattr(self.bot.retriever, "analysis", None)
            except (QAError, OSError, ValueError, KeyError):  # analysis is optional
                analysis = None
            self._names = Names(store, analysis)
        return self._names

    def new(self) -> None:
        """Forget the conversation: the next question is taken as it is."""
        self._turns.clear()

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer `question` as understood after the turns before it; a bare "more" is more()."""
        text = clean_question(question)
        if text.lower().strip(" .!:") in ("more", "show more", "next"):
            return self.more(k)
        k = self._k(k)
        answer = self.bot.ask(text, k, understood_as=self.understand(text))
        understood = answer.understood_as
        self._turns.append(Turn(text, understood, answer, answer.hits))
        return answer

    def more(self, k: int | None = None) -> Answer:
        """The next hits for the last question, never repeating one already shown."""
        if not self._turns:
            raise QuestionError("there is no question to show more for yet - ask one first")
        k = self._k(k)
        turn = self._turns[-1]
        shown = {h.row for h in turn.shown}
        seen = {_normal(h.text) for h in turn.shown}
        hits: list[Hit] = []
        for hit in self.bot.retriever.search(turn.understood_as, k + len(seen),
                                             frozenset(shown)):
            if _normal(hit.text) not in seen and len(hits) < k:
                seen.add(_normal(hit.text))
                hits.append(hit)
        if hits:
            answer = Answer(turn.question, tuple(hits), False, "", turn.understood_as)
        else:
            answer = Answer(turn.question, (), True,
                            "No more answers to that question.", turn.understood_as)
        self._turns[-1] = replace(turn, shown=turn.shown + tuple(hits))
        return answer

    def _k(self, k: int | None) -> int:
        return self.bot.check_k(k)

    # --- understanding ------------------------------------------------------------------------

    def understand(self, question: str) -> str:
        """`question` as a standalone question, with what it leaves out taken from the turns."""
        if not self._turns:
            return question
        body = question.strip().rstrip("?.! ").strip()
        previous = self._turns[-1].understood_as
        about = _ABOUT.match(body)
        if about:
            return self._new_topic(previous, about.group("x"), explicit=not about.group(1))
        words = [w.lower() for w in _TOKEN.findall(body)]
        if words and words[0] in ("and", "but", "also") and len(words) > 1 \
                and words[1] not in _WH and words[1] not in _AUX and len(words) <= 6:
            match = _AND_X.match(body)
            pronouns = _MALE | _FEMALE | _PLURAL | _NEUTER
            if match and not any(w in _SPEECH or w in _SAYING for w in words[1:]) \
                    and any(w not in STOPWORDS or w in pronouns for w in words[1:]):
                return self._new_topic(previous, match.group("x"), explicit=False)
        if words and words[0] in _WH and all(w in _VAGUE for w in words[1:]):
            return _ask_again(previous, words[0])
        if len(words) > 1 and words[1] in _WH and words[0] in _PREPOSITIONS \
                and all(w in _VAGUE for w in words[2:]):  # "with whom?", "since when?"
            return _ask_again(previous, words[1], words[0])
        return self._resolve_pronouns(question)

    def _candidates(self) -> list[Entity]:
        """Entities of the conversation, most recent turn first, each once."""
        names = self.names
        found: list[Entity] = []
        for turn in reversed(self._turns):
            asked = [m.entity for m in names.mentions(turn.understood_as)]
            topic = _TOPIC.search(turn.understood_as)
            if topic and not names.mentions(topic.group(1)) and \
                    not set(topic.group(1).lower().split()) & (_MALE | _FEMALE | _PLURAL | _NEUTER):
                asked.append(Entity(topic.group(1), THING))  # "about the constitution"
            answered: list[Entity] = []
            for hit in turn.shown[:1]:
                said = names.speaker(hit)
                answered += ([said] if said else []) + [m.entity for m in names.mentions(hit.text)]
            if turn.understood_as.lower().lstrip().startswith(("who ", "whom ", "whose ")) \
                    and not _identity(turn, asked):
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
        tokens = list(_TOKEN.finditer(question))
        own = [m.entity for m in self.names.mentions(question)]
        # A person the question names is who its "he" or "his" means, never its "him".
        named = {e.ident for e in own if e.kind == PERSON}
        has_thing = any(e.kind != PERSON for e in own)
        saying = any(t.group().lower() in _SAYING for t in tokens)
        out, pos = [], 0
        for i, tok in enumerate(tokens):
            word = tok.group().lower()
            after = tokens[i + 1].group().lower() if i + 1 < len(tokens) else ""
            possessive = word in _POSSESSIVE or (word == "her" and after not in ("", "about")
                                                 and after not in STOPWORDS)
            target: Entity | None = None
            if word in _MALE | _FEMALE | _PLURAL and word not in ("himself", "herself",
                                                                  "themselves"):
                if word in ("him", "them") or word == "her" and not possessive:
                    target = self._person_for(word, saying, named | avoid)
                elif not named:
                    target = self._person_for(word, saying, set())
            elif word in _NEUTER and not has_thing:
                target = self._first(lambda e: e.kind != PERSON)
            elif word == "there" and not has_thing and after not in _AUX | {"'s", "be"} \
                    and i > 0:
                target = self._first(lambda e: e.kind == PLACE) or \
                    self._first(lambda e: e.kind != PERSON)
            if target is None:
                continue
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
        return re.sub(r"^(?:and|but|so|also|then)\b,?\s+(?=\S)", "", rewritten,
                      flags=re.IGNORECASE)

    def _person_for(self, pronoun: str, saying: bool, exclude: set[str]) -> Entity | None:
        gender = "m" if pronoun in _MALE else "f" if pronoun in _FEMALE else ""

        def fits(e: Entity) -> bool:
            return e.kind == PERSON and e.ident not in exclude and (
                not gender or e.gender in ("", gender))

        if pronoun in _PLURAL:
            recent = [e for e in self._turn_people(self._turns[-1]) if e.ident not in exclude]
            if len(recent) >= 2:
                return Entity(f"{recent[0].name} and {recent[1].name}", PERSON)
            return self._first(lambda e: e.kind == ORGANISATION) or self._first(fits)
        last = self._turns[-1]
        if saying and last.shown and not _identity(last, self._turn_people(last)):
            said = self.names.speaker(last.shown[0])
            if said is not None and fits(said):
                return said
        return self._first(fits)

    def _turn_people(self, turn: Turn) -> list[Entity]:
        people = [m.entity for m in self.names.mentions(turn.understood_as)
                  if m.entity.kind == PERSON]
        unique: dict[str, Entity] = {}
        for e in people:
            unique.setdefault(e.ident, e)
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
        if not explicit and new and new[0].entity.kind == PERSON:
            people = [m for m in old if m.entity.kind == PERSON]
            if people:
                m = people[0]
                return previous[: m.start] + new[0].entity.name + previous[m.end :]
            if things:  # "and Stoltenberg?" after a question about KFOR
                return f"What did {new[0].entity.name} say about {_named(things[-1].entity)}?"
        # "and about terrorism?" parallels the last question that was about something.
        about = [t.understood_as.rstrip(" ?.!") for t in reversed(self._turns)
                 if " about " in t.understood_as.lower()]
        if " about " in f"{body.lower()} " or about and (explicit or not things):
            base = body if " about " in body.lower() else about[0]
            cut = base.lower().rfind(" about ")
            return f"{base[: cut + 7]}{topic}?"
        if things:
            m = things[-1]
            return previous[: m.start] + topic + previous[m.end :]
        return f"{body} about {topic}?"


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
        i = 1 if words and words[0].lower() in _WH else 0
        if 0 < i < len(words) and words[i].lower() in _AUX:
            return f"Who {' '.join(words[i:])} {preposition}?"
    i = 0
    while i < len(words) and words[i].lower().strip(",") in _WH + ("and", "but", "so", "many",
                                                                   "much"):
        i += 1
    if 0 < i < len(words) and words[i].lower() in _AUX:
        rest = words[i:]
        if words[0].lower() == "what" and wh != "what":
            # "What did X say about Y?" + "why?" -> "Why did X say that about Y?"
            verb = next((j for j, w in enumerate(rest) if w.lower() in _SAYING), -1)
            if verb > 0 and rest[verb + 1 : verb + 2] != ["that"]:
                rest = rest[: verb + 1] + ["that"] + rest[verb + 1 :]
        return f"{lead} {' '.join(rest)}?"
    return f"{lead}: {body}?"  # "what happened in Kosovo?" -> "Why: what happened in Kosovo?"


def _named(entity: Entity) -> str:
    """An entity as a question says it: "the Kosovo Security Forces", "Vucic"."""
    return f"{entity.article} {entity.name}" if entity.article else entity.name


def _bare(token: str) -> str:
    """A token without a possessive ending: "Vucic’s" -> "Vucic"."""
    return re.sub(r"['’]s$", "", token) or token


def _opens_sentence(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t(“\"‘'«[")
    return not before or before[-1] in ".!?:\n…;" or text[:pos].rstrip().endswith(("“", '"'))


def _usual(prof: _Profile, word: str) -> str:
    """The corpus's usual spelling of a word ("kosovo" -> "Kosovo")."""
    if prof.forms:
        return prof.forms.most_common(1)[0][0]
    return word


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip("“”\"'’‘ .,")


__all__ = ["Conversation", "Entity", "Names", "Turn"]
