"""The English qa reads: word lists and word patterns, each defined once, named for its meaning.

Some lists were written more than once, for different readers, and came out different. Where
the difference matters to what qa does, they stay different, written here as one base list
plus a named, commented difference, so that the choice is visible: e.g. ATTRIBUTION_VERBS is
SPEECH_VERBS and the present tense and rarer verbs that attribution needs. Merging such lists
changes answers; do it as a change of behaviour, measured, not as a tidy-up.

Patterns that are the shape of one kind of question ("who is X?") stay with the module that
reads it, built from these lists with `alternation`.
"""

from __future__ import annotations

import re

from qa.text.patterns import alternation

# --- words -------------------------------------------------------------------------------------

# A word: letters and digits, with apostrophes inside ("don't", "Vucic’s"); no "_".
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What qa.text.words() cuts text into: a WORD, or "$" or "%", terms of their own.
INDEX_TOKEN = re.compile(rf"{WORD.pattern}|\$|%")
# A token of text that may hold a name: a WORD that may also hold hyphens and "_" inside
# ("Jean-Claude", "co-founder"), an apostrophe only before a letter ("Vucic’s", not "Jones’").
NAME_TOKEN = re.compile(r"[^\W_](?:[\w\-]|['’](?=[^\W_]))*")
# Any run of word characters, apostrophes and hyphens: how aliases and roles are keyed
# ("nato chief", "o'neill", "vice-president"). Looser than WORD: hyphens, "_" and apostrophes
# anywhere ("Jones’" keeps its apostrophe).
LOOSE_WORD = re.compile(r"[\w'’\-]+")
# A word of a name as a question types it: a letter, then word characters, apostrophes and
# hyphens ("Marcello", "o'neill", "Jean-Luc"); lower case allowed, a digit not first.
TYPED_NAME_WORD = re.compile(r"[^\W\d_][\w'’\-]*")

# A capital letter, accented ones included ("Ávila", "Øresund").
CAPITAL = r"[A-ZÀ-ÖØ-Þ]"
# A capitalised word: "Kosovo", "O'Neill", "Jean-Claude".
CAPITALISED_WORD = rf"(?:{CAPITAL}[\w'’\-]*[\w])"

OPEN_QUOTE = "“"
CLOSE_QUOTE = "”"
# Quote marks of every kind; a sentence compared for duplicates is stripped of them.
QUOTE_MARKS = "“”\"'’‘"


def bare(token: str) -> str:
    """A token without a possessive ending: "Vucic’s" -> "Vucic"."""
    return re.sub(r"['’]s$", "", token) or token


def normal(text: str) -> str:
    """A sentence as compared for duplicates: lower case, single spaces, no outer quotes or
    punctuation ("“We will.”" and "we will" are the same sentence)."""
    return " ".join(text.lower().split()).strip(f"{QUOTE_MARKS} .,")


STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can could did do does doing don't down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is isn't it it's its itself just let's me more most my myself no nor not of off on
    once only or other our ours ourselves out over own same she should so some such than that
    that's the their theirs them themselves then there there's these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves also said says say tell told did does""".split()
)

WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
MONTHS = frozenset(
    """january february march april may june july august september october november
    december""".split()
)

# --- answers -----------------------------------------------------------------------------------

# Words that alone say a sentence tells when: "yesterday", "a century", "two years ago".
TIME_WORDS = frozenset("yesterday today tomorrow tonight century ago".split())
# A time is also a period after one of these: "last week", "earlier this year".
PERIOD_OPENERS = frozenset(["last", "next", "this", "earlier this", "later this"])
PERIODS = frozenset(
    """week weekend month year season spring summer autumn winter morning afternoon
    evening""".split()
)
# Numbers written in words that say a sentence holds an amount: not all of them (no
# "thirteen", no "sixty"); ranking was fitted with these.
NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
    hundred thousand million billion dozen half""".split()
)
# Nouns of a question that asks for an amount without "how many": "what is the population
# of Swansea?", "what was his salary?".
AMOUNT_NOUNS = frozenset(
    """population salary salaries cost price distance height weight length size revenue worth
    earnings income wage wages fee fees""".split()
)

# Units an amount is given in, by the measure a question asks for: "how tall is he?" is
# answered by "1.85m" or "6ft 1in", not by any number ("won 6-4 6-3").
UNITS = {
    "length": frozenset("""m cm mm km metre metres meter meters centimetres kilometre
        kilometres kilometers ft feet foot in inch inches mile miles yard yards""".split()),
    "weight": frozenset("""kg kilo kilos kilogram kilograms kilogrammes g gram grams lb lbs
        pound pounds stone st oz ounce ounces tonne tonnes ton tons""".split()),
    "speed": frozenset("mph kph km/h kmh knots".split()),
    "duration": frozenset("""second seconds minute minutes hour hours day days week weeks
        month months year years decade decades century centuries mins hrs match matches game
        games""".split()),
    "money": frozenset("""pounds pound sterling dollars dollar euros euro pence p cents cent
        yen francs rupees yuan""".split()),
}

# --- names -------------------------------------------------------------------------------------

# Lower-case words inside a person's name: "Jean-Claude van Damme", "Osama bin Laden".
NAME_PARTICLES = frozenset("van von de der den da di du del dos bin al le la ter".split())
# A run of capitalised words, particles allowed inside: "Jean-Claude van Damme".
NAME = (rf"{CAPITALISED_WORD}(?:\s+(?:(?:{alternation(NAME_PARTICLES)})\s+)?"
        rf"{CAPITALISED_WORD})*")
# Chat joins name words over these: NAME_PARTICLES and "of" ("Bank of England"), without the
# rare "dos" and "ter" (the two lists were written apart; chat's never had them).
NAME_CONNECTORS = (NAME_PARTICLES - {"dos", "ter"}) | {"of"}

# Lower-case words that may join the capitalised words of one phrase, an organisation's name
# whose initials make an acronym: "Institute for Fiscal Studies", "Bank of England".
PHRASE_JOINERS = frozenset("of for and the de".split())
# Words cut from the ends of such a phrase, or from the front of a role ("of the NATO chief"):
# the joiners, and more that are never a phrase's first or last word.
PHRASE_EDGES = PHRASE_JOINERS | {"du", "der", "la", "on", "in", "to"}

# Capitalised words that open sentences or precede names but are never names themselves.
NOT_NAMES = frozenset(
    """the a an in on at but and or so if as when while after before however also asked
    according he she it they we i you this that these those there his her their its our my
    one some many most mr mrs ms dr yet still then now meanwhile speaking writing last next
    earlier later for with from by to of will would can could should might must has have had
    do does did is are was were be been not no yes""".split()
) | WEEKDAYS | MONTHS

# Honorifics: a word before a name that makes the name a person's ("Mr Hayman").
HONORIFICS = frozenset("mr mrs ms miss dr sir lord lady dame prof professor rev".split())
# The titles that say a person's gender, for chat's "he" and "she": the HONORIFICS but the
# genderless dr, prof, professor and rev, and the royal titles.
MALE_TITLES = frozenset("mr sir lord king prince".split())
FEMALE_TITLES = frozenset("mrs ms miss lady dame queen princess".split())

# Words of a title written before a person's name: "NATO Secretary General Jens Stoltenberg".
TITLES = frozenset(
    """president secretary general minister prime chancellor chairman chairwoman director
    governor senator judge coach manager captain chief executive officer leader commissioner
    ambassador mayor king queen prince princess pope bishop spokesman spokeswoman deputy
    vice foreign shadow boss head founder editor professor prof dr mr mrs ms miss sir lord
    lady dame rev""".split()
)
# The corpus analysis strips more titles off the names it attributes quotes to than chat
# does off the names a question uses: portfolios ("Home Secretary"), sports positions, some
# professions written as titles ("economist", "Harbour Master"), religious and
# parliamentary ones.
FULL_TITLES = TITLES | frozenset(
    """home defence defense finance health education striker midfielder defender goalkeeper
    analyst economist master mp mep archbishop saint st""".split()
)
# Nouns a news sentence calls a speaker by: "the NATO chief said", "said BRC director general".
ROLE_WORDS = frozenset(
    """chief boss head leader president minister secretary spokesman spokeswoman spokesperson
    chairman chairwoman manager coach director executive official officer governor chancellor
    premier general commissioner ambassador mayor captain founder analyst economist striker
    player star singer actor actress author judge professor""".split()
)
# Words that end a role written before a name: "Carib Chief", "BRC director general".
ROLE_NOUNS = FULL_TITLES | ROLE_WORDS
# Nouns that say what a person is: the roles, without honorifics, and some professions:
# "Oxfam senior policy adviser Max Lawson".
DESCRIPTION_NOUNS = (ROLE_NOUNS | frozenset(
    """adviser advisor campaigner creator owner presenter host writer producer designer
    inventor scientist researcher lawyer spokesperson chairperson founder co-founder organiser
    organizer vice-president president-elect member leader""".split())) - HONORIFICS
# Words of an organisation's name: a speaker named "Race Equality Council" is no person.
ORGANISATION_WORDS = frozenset(
    """forces force council party union ltd plc inc corp corporation company group bank
    committee association organisation organization office ministry department agency
    institute university college school club fc united city league federation commission
    authority board court parliament government house assembly service services news
    times post journal network networks records studios pictures foundation trust society
    fund airlines airways motors systems technologies holdings partners media centre center
    alliance nations republic kingdom states army navy police cup conference game games
    award awards festival championship championships open prize show series""".split()
)
# A place follows these: "in Pristina", "from Belgrade".
PLACE_PREPOSITIONS = frozenset("in at from to across near into inside outside".split())
# Ranking takes a sentence for one that names a place on a capitalised word after these ("in
# Pristina", "on Crete"): PLACE_PREPOSITIONS without those of motion and "inside", "outside",
# and with "on". The two lists were written apart; ranking was fitted with this one.
PLACE_ANSWER_PREPOSITIONS = (PLACE_PREPOSITIONS - {"to", "across", "into", "inside", "outside"}
                             ) | {"on"}

# --- speech ------------------------------------------------------------------------------------

# Verbs of speech in the forms news text writes after a speaker: "Vucic said", "she added".
SPEECH_VERBS = frozenset(
    """said says say told tells added adds stated explained noted argued insisted warned
    claimed announced replied stressed believes thinks wrote urged admitted confirmed
    commented suggested revealed described welcomed criticised criticized agreed denied
    continued""".split()
)
# Attributing quotes at index time reads more: the present tense of more verbs ("she warns",
# "he concedes"), rarer verbs ("reckoned", "maintained") and "pointed out".
ATTRIBUTION_VERBS = SPEECH_VERBS | frozenset(
    """acknowledged acknowledges admits agrees announces argues claims comments conceded
    concedes confirms denies describes explains insists maintained maintains notes predicted
    predicts reckoned reckons reveals states stresses suggests urges warns welcomes
    writes""".split()
) | {"pointed out", "points out"}
# Chat counts a word followed by one of these as a person ("Brandt thanked"): SPEECH_VERBS,
# and verbs that are no attribution of a quote but still something only people do.
PERSON_CUE_VERBS = SPEECH_VERBS | {"asked", "declared", "pointed", "responded", "thanked"}
# Verbs news writes before the speaker: "..., said Smith", "added the NATO chief".
VERBS_BEFORE_SPEAKER = frozenset("said says added adds asked explained continued wrote".split())
# ... and before a pronoun: "said he" (not "asked he" nor "wrote she").
VERBS_BEFORE_PRONOUN = VERBS_BEFORE_SPEAKER - {"asked", "explained", "continued", "wrote"}
# Words between a speaker and the verb that chat looks past: "Okafor also said".
BETWEEN_SPEAKER_AND_VERB = frozenset("also has had have later then".split())
# Ranking looks past fewer between a person and the act a question asks about ("Okafor has
# thanked"), and past any adverb in -ly ("Okafor warmly thanked", in qa.rank's pattern).
BETWEEN_PERSON_AND_ACT = BETWEEN_SPEAKER_AND_VERB - {"have", "later", "then"}
# ... and between "who" and the verb of "who first thanked Stoltenberg?": no auxiliaries
# ("who has thanked X" is read with "has" as its verb), and "first".
BETWEEN_WHO_AND_VERB = (BETWEEN_SPEAKER_AND_VERB - {"has", "had", "have"}) | {"first"}
# Attribution looks past more: "Vucic has repeatedly warned", "she had also said".
ADVERBS_BEFORE_VERB = BETWEEN_SPEAKER_AND_VERB | frozenset(
    "previously earlier recently further repeatedly once again".split()
) | {"has also", "had also"}

# Words of a question asking what someone said, thought or did with words: base forms and
# past tense ("what did he say", "who did she thank", "what was his position").
SAYING_WORDS = frozenset(
    """say said says saying tell told tells thank thanked thanks add added mention mentioned
    stress stressed claim claimed think thought believe believed argue argued speak spoke
    ask asked promise promised warn warned describe described comment commented respond
    responded reply replied answer answered agree agreed state stated explain explained
    point pointed call called praise praised criticise criticize view position opinion""".split()
)
# Ranking takes a question as one about speech on these: the SAYING_WORDS but those a
# question also uses for other things ("call", "point", "answer", "state"), and more words of
# opinion and reaction ("verdict", "blame", "what did X make of Y"). The two lists were
# written apart; ranking was fitted with this one.
SPEECH_CUES = (SAYING_WORDS - {
    "answer", "answered", "believed", "call", "called", "commented", "point", "pointed",
    "state", "stated", "tells"}) | frozenset(
    """accuse accused admit admitted announce announced believes blame blamed comments
    criticised criticized denied deny feel feels insist insisted predict predicted react
    reaction response reveal revealed stance suggest suggested talk talked thinks urge urged
    verdict views welcome welcomed according""".split()
) | {"make of"}
# The SPEECH_CUES that ask for speech rather than name an act, and "make" (from "make of"):
# "what did X say about Y" is about Y, while "who did X thank" keeps "thank".
SPEECH_ONLY_WORDS = frozenset(
    """say said says saying tell told think thinks thought view views verdict reaction react
    according describe described make feel feels claim claimed comment comments opinion
    position stance response respond responded believe believes speak spoke talk talked add
    added explain explained reply replied mention mentioned""".split()
)
# What a speech question is about follows one of these: "what did X say about Y", "X's
# view on Y".
TOPIC_MARKERS = frozenset("about on of regarding toward towards".split())

# --- questions ---------------------------------------------------------------------------------

QUESTION_WORDS = frozenset("what who whom whose which why when where how".split())
AUXILIARIES = frozenset(
    "is are was were did do does has have had will would can could should may might".split()
)
# Prepositions a question word may follow: "with whom?", "since when?".
PREPOSITIONS = frozenset("with to for from since until by about against".split())
# Words a bare follow-up may hold besides its question word: "when was that?", "why so?".
VAGUE_WORDS = AUXILIARIES | frozenset(
    "that this it so then exactly again happen happened come about".split()
)
# Words a follow-up may open with: "and who did he thank?", "so why?".
FOLLOW_UP_OPENERS = frozenset("and but so also then".split())
# ... those that open a follow-up naming only a new topic: "and Russia?" ("so X?" does not).
TOPIC_OPENERS = FOLLOW_UP_OPENERS - {"so", "then"}
# ... and those that may come before "about": "ok, what about Russia?".
ABOUT_OPENERS = (FOLLOW_UP_OPENERS - {"then"}) | {"ok", "okay"}
# Words that may open a question whose shape ranking reads ("who is X?", "what is the KSF?"):
# the follow-up openers and "ok", "okay", "well" ("well, who was she?").
QUESTION_OPENERS = FOLLOW_UP_OPENERS | {"ok", "okay", "well"}

MALE_PRONOUNS = frozenset("he him his himself".split())
FEMALE_PRONOUNS = frozenset("she her hers herself".split())
PLURAL_PRONOUNS = frozenset("they them their theirs themselves".split())
NEUTER_PRONOUNS = frozenset(["it", "its", "itself"])
PRONOUNS = MALE_PRONOUNS | FEMALE_PRONOUNS | PLURAL_PRONOUNS | NEUTER_PRONOUNS
POSSESSIVE_PRONOUNS = frozenset("his hers its their theirs".split())

__all__ = [
    "ABOUT_OPENERS", "ADVERBS_BEFORE_VERB", "AMOUNT_NOUNS", "ATTRIBUTION_VERBS", "AUXILIARIES",
    "BETWEEN_PERSON_AND_ACT", "BETWEEN_SPEAKER_AND_VERB", "BETWEEN_WHO_AND_VERB", "CAPITAL",
    "CAPITALISED_WORD", "CLOSE_QUOTE", "DESCRIPTION_NOUNS", "FEMALE_PRONOUNS", "FEMALE_TITLES",
    "FOLLOW_UP_OPENERS", "FULL_TITLES", "HONORIFICS", "INDEX_TOKEN", "LOOSE_WORD", "MALE_PRONOUNS",
    "MALE_TITLES", "MONTHS", "NAME", "NAME_CONNECTORS", "NAME_PARTICLES", "NAME_TOKEN",
    "NEUTER_PRONOUNS", "NOT_NAMES", "NUMBER_WORDS", "OPEN_QUOTE", "ORGANISATION_WORDS", "PERIODS",
    "PERIOD_OPENERS", "PERSON_CUE_VERBS", "PHRASE_EDGES", "PHRASE_JOINERS",
    "PLACE_ANSWER_PREPOSITIONS", "PLACE_PREPOSITIONS", "PLURAL_PRONOUNS", "POSSESSIVE_PRONOUNS",
    "PREPOSITIONS", "PRONOUNS", "QUESTION_OPENERS", "QUESTION_WORDS", "QUOTE_MARKS", "ROLE_NOUNS",
    "ROLE_WORDS", "SAYING_WORDS", "SPEECH_CUES", "SPEECH_ONLY_WORDS", "SPEECH_VERBS", "STOPWORDS",
    "TIME_WORDS", "TITLES", "TOPIC_MARKERS", "TOPIC_OPENERS", "TYPED_NAME_WORD", "UNITS",
    "VAGUE_WORDS", "VERBS_BEFORE_PRONOUN", "VERBS_BEFORE_SPEAKER", "WEEKDAYS", "WORD", "bare",
    "normal",
]
