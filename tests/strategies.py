"""Hypothesis strategies for hostile input on every surface: names, bytes, questions, config.

Each surface has one public strategy (or a few, split by what is known to break today), built
from small pieces so that a new case is one line:

    file_names / hostile_names / undecodable_names   a file's name as the file system holds it
    FORMATS, documents()                               a file's bytes, per supported format
    questions(), question_files()                      a question, a --questions file's bytes
    config_files(), nested_configs()                   a config.yaml's bytes

A new file format is one entry in FORMATS: its suffix and a strategy of file bytes, usually
`mutated(...)` of a few real files of the format plus `st.binary()`; every target that writes
files picks it up from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import yaml
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted([*(ROOT / "seeds").glob("*"), *(ROOT / "tests" / "data").rglob("*.*")])

# --- pieces of hostile text ----------------------------------------------------------------------

C0 = [chr(c) for c in range(0x20) if chr(c) not in "\n"] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]  # overrides, isolates
INVISIBLE = ["\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\u00ad", "\u061c", "\u200e"]
ESCAPES = [
    "\x1b[31m", "\x1b[0m", "\x1b[2J", "\x1b[H", "\x1b[?1049h", "\x1b[1;1H", "\x1b[6n",
    "\x1b]0;pwned\x07", "\x1b]0;pwned\x1b\\", "\x1b]8;;http://x.invalid\x07link\x1b]8;;\x07",
    "\x1bP+q\x1b\\", "\x1bc", "\x1b7", "\x9b31m", "\x9d0;pwned\x9c", "\x1b", "\x07", "\r",
]
hostile_pieces: SearchStrategy[str] = st.sampled_from(C0 + C1 + BIDI + INVISIBLE + ESCAPES)

REAL_WORDS = ["The", "harbour", "lighthouse", "Stoltenberg", "Kosovo", "said", "on", "Tuesday",
              "café", "naïve", "Zürich", "日本語", "Москва", "مرحبا", "שלום", "😀", "Mr.", "U.S.",
              "...", "?", "!", "\n", "\n\n", " ", "\t", "#", "- ", "> ", "`", "*", "[a](b)"]
real_words: SearchStrategy[str] = st.sampled_from(REAL_WORDS)


def sprinkled(base: SearchStrategy[str], extra: SearchStrategy[str],
              max_pieces: int = 12) -> SearchStrategy[str]:
    """Text from `base` with pieces of `extra` between its parts."""
    return st.lists(st.one_of(base, extra), min_size=1, max_size=max_pieces).map("".join)


def _real_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


REAL_TEXTS = [_real_text(p) for p in SAMPLES if p.suffix in (".txt", ".md")]
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)))
real_text: SearchStrategy[str] = st.sampled_from(REAL_TEXTS)

# --- file names ----------------------------------------------------------------------------------

NAME_MAX = 255  # bytes in one name on ext4, xfs, btrfs and tmpfs


def _fits(name: bytes) -> bool:
    return (0 < len(name) <= NAME_MAX and b"/" not in name and b"\0" not in name
            and name not in (b".", b".."))


def _named(stems: SearchStrategy[bytes], suffixes: tuple[str, ...]) -> SearchStrategy[bytes]:
    suffix = st.sampled_from([*suffixes, *(s.upper() for s in suffixes)])
    return st.tuples(stems, suffix).map(
        lambda t: t[0][: NAME_MAX - len(t[1])] + t[1].encode()).filter(_fits)


def _fs(text: str) -> bytes:
    return text.replace("/", "∕").replace("\0", "").encode("utf-8", "surrogateescape")


_printable = st.characters(exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"),
                           exclude_characters="/")
printable_stems: SearchStrategy[bytes] = st.one_of(
    st.text(_printable, min_size=1, max_size=40),
    sprinkled(real_words.filter(lambda w: w.strip() and "/" not in w), st.sampled_from(
        [" ", ".", "..", "-", "_", " .", "~", "'", '"', "$HOME", "*", "?", "[x]", ";", "&"])),
    # very long: one character repeated up to the byte limit
    st.tuples(st.sampled_from(["a", "é", "日", "😀", " ", "."]), st.integers(1, 255)).map(
        lambda t: t[0] * (t[1] // len(t[0].encode()) or 1)),
).map(_fs)
hostile_stems: SearchStrategy[bytes] = sprinkled(
    st.text(_printable, min_size=1, max_size=8), hostile_pieces, max_pieces=8).filter(
    lambda s: any(ch in s for ch in C0 + C1 + BIDI + INVISIBLE)).map(_fs)
# Names that are not UTF-8: Latin-1 or CP1252 names from an old archive, or random bytes.
undecodable_stems: SearchStrategy[bytes] = st.one_of(
    st.sampled_from(["café", "naïve", "Zürich", "résumé", "€uro"]).map(
        lambda s: s.encode("cp1252")),
    st.binary(min_size=1, max_size=40).filter(lambda b: not _utf8(b)),
    st.tuples(printable_stems, st.binary(min_size=1, max_size=3)).map(lambda t: t[0] + t[1])
    .filter(lambda b: not _utf8(b)),
)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def file_names(suffixes: tuple[str, ...]) -> SearchStrategy[bytes]:
    """Names of printable Unicode (spaces, dots, quotes, shell characters, very long ones)."""
    return _named(printable_stems, suffixes)


def hostile_names(suffixes: tuple[str, ...]) -> SearchStrategy[bytes]:
    """Names holding C0/C1 controls, escape sequences, bidi overrides or invisible characters."""
    return _named(hostile_stems, suffixes)


def undecodable_names(suffixes: tuple[str, ...]) -> SearchStrategy[bytes]:
    """Names that are not valid UTF-8 (Linux allows any bytes but '/' and NUL)."""
    return _named(undecodable_stems, suffixes).filter(lambda b: not _utf8(b))


# --- file bytes ----------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252",
             "latin-1"]


def encoded(texts: SearchStrategy[str]) -> SearchStrategy[bytes]:
    """Text in one of several encodings, with or without a byte-order mark."""
    def encode(text: str, encoding: str) -> bytes:
        return text.encode(encoding, errors="replace")
    return st.builds(encode, texts, st.sampled_from(ENCODINGS))


@st.composite
def mutated(draw: st.DrawFn, samples: SearchStrategy[bytes]) -> bytes:
    """A real file with a few bytes flipped, inserted, deleted, duplicated or cut off."""
    data = bytearray(draw(samples))
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "truncate", "nul"]))
        if op == "flip" and where < len(data):
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[where:where + draw(st.integers(1, 16))]
        elif op == "repeat":
            data[where:where] = data[where:where + draw(st.integers(1, 64))] * draw(
                st.integers(2, 50))
        elif op == "truncate":
            del data[where:]
        elif op == "nul":
            data[where:where] = b"\0" * draw(st.integers(1, 4))
    return bytes(data)


def huge_in_small(max_chars: int = 200_000) -> SearchStrategy[bytes]:
    """A small file that is mostly one enormous line, word or run of one character."""
    unit = st.sampled_from(["a", "word ", "x" * 50 + " ", ".", " ", "日本", "😀", "- ", "\t",
                            "a.b.c.", "Mr. ", "\u00a0", "=", "#"])
    return st.builds(lambda u, n, head, tail: (head + u * max(1, n // len(u)) + tail).encode(),
                     unit, st.integers(1_000, max_chars), st.sampled_from(["", "Title\n\n"]),
                     st.sampled_from(["", ".", "\nThe end."]))


def _text_bytes(texts: SearchStrategy[str], huge: bool) -> SearchStrategy[bytes]:
    samples = st.sampled_from([t.encode() for t in REAL_TEXTS])
    options = [
        encoded(texts),
        mutated(samples),
        mutated(encoded(texts)),
        st.binary(max_size=2_000),
        encoded(sprinkled(real_text, hostile_pieces)),
    ]
    if huge:
        options.append(huge_in_small())
    return st.one_of(options)


_MARKDOWN = st.sampled_from([
    "# Title\n", "## Section\n", "---\ntitle: x\n---\n", "```\ncode block\n```\n", "> quote\n",
    "- item\n", "1. first\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "<div>html</div>\n",
    "<!-- comment -->\n", "[link](http://x.invalid)\n", "![img](x.png)\n", "***\n", "\\*\n",
    "#\n", "#######\n", "```\n", "<script>alert(1)</script>\n", "&amp; &#27; &#x1b;\n",
])


def plain_text_files(huge: bool = True) -> SearchStrategy[bytes]:
    """Bytes of a .txt file."""
    return _text_bytes(st.one_of(any_text, sprinkled(real_words, hostile_pieces), real_text),
                       huge)


def markdown_files(huge: bool = True) -> SearchStrategy[bytes]:
    """Bytes of a .md file: text interleaved with Markdown structure."""
    return _text_bytes(st.one_of(sprinkled(_MARKDOWN, st.one_of(real_words, real_text,
                                                                hostile_pieces), 20),
                                 any_text), huge)


# Suffix -> file bytes of that format. `huge` asks for huge-in-small files too (cheap to read,
# costly to embed: end-to-end targets leave them out).
FORMATS: dict[str, Callable[[bool], SearchStrategy[bytes]]] = {
    ".txt": plain_text_files,
    ".md": markdown_files,
}


def documents(huge: bool = True) -> SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes) of a file of any supported format."""
    return st.sampled_from(sorted(FORMATS)).flatmap(
        lambda suffix: FORMATS[suffix](huge).map(lambda data: (suffix, data)))


# --- questions -----------------------------------------------------------------------------------

_surrogate_escaped = st.binary(min_size=1, max_size=4).map(
    lambda b: b.decode("utf-8", "surrogateescape"))  # what undecodable argv bytes become

questions: SearchStrategy[str] = st.one_of(
    any_text,
    sprinkled(real_words, hostile_pieces),
    sprinkled(st.sampled_from(["what did Stoltenberg say", "who", "the harbour", "?"]),
              st.one_of(hostile_pieces, real_words)),
    st.sampled_from(["", " ", "\n", "\t\t", "\u3000", "?", "\x1b[2J", "\u202e", ":help", "-q",
                     "--json", "-"]),
    st.tuples(real_words, st.integers(900, 1_100)).map(lambda t: (t[0] + " ") * (t[1] // 4)),
    st.just("Stoltenberg " * 9_000),  # 99,000 characters
)
"""A question as typed or pasted: any Unicode, controls, escape sequences, empty, very long."""

_COMMANDS = [":help", ":sources", ":k", ":context", ":more", "more", "More!", ":new",
             ":history", ":reindex", ":bogus", ":", "::", ":K", ":quit"]
chat_lines: SearchStrategy[list[str]] = st.lists(st.one_of(
    questions,
    st.sampled_from(["who did he thank?", "and about Russia?", "what did she say?",
                     "where?", "why?", "and him?", "what else?"]),
    st.builds(lambda c, arg: f"{c} {arg}", st.sampled_from(_COMMANDS), st.one_of(
        st.sampled_from(["5", "0", "101", "-1", "²", "1" * 5000, "on", "off", "x"]),
        sprinkled(real_words, hostile_pieces, 4))),
), min_size=1, max_size=6)
"""What is typed into the chat, line by line: questions, follow-ups, commands with any argument."""

undecodable_questions: SearchStrategy[str] = sprinkled(
    st.one_of(real_words, st.just("what did Stoltenberg say")), _surrogate_escaped).filter(
    lambda s: any("\udc80" <= ch <= "\udcff" for ch in s))
"""A question from a command line that is not UTF-8: its bytes as Python decodes argv."""


_ECHOED = re.compile(f"[{''.join(C1)}\x7f{''.join(BIDI)}]")
tame_questions: SearchStrategy[str] = questions.map(
    lambda q: _ECHOED.sub("", q).replace("\r", ""))
"""Questions without C1 controls, DEL or bidi overrides (which JSON output does not escape),
nor a carriage return (which ends a line or not depending on the locale: see question_files)."""
echoed_questions: SearchStrategy[str] = sprinkled(
    st.sampled_from(["", " ", "what did Stoltenberg say", "\x1b[2J"]),
    st.sampled_from([*C1, "\x7f", *BIDI]), max_pieces=6).filter(_ECHOED.search)
"""Questions holding what JSON does not escape: C1 controls, DEL, bidi overrides."""


def question_files(lines: SearchStrategy[str] = tame_questions,
                   endings: tuple[bytes, ...] = (b"\n", b"\r\n")) -> SearchStrategy[bytes]:
    """A --questions file: valid UTF-8 lines, with one of `endings`, maybe a BOM.

    A lone b"\\r" (old Mac files) is left to its own target: Python reads a file with
    universal newlines, but stdin without them when its locale's encoding already matches.
    """
    return st.builds(
        lambda ls, eol, bom: (b"\xef\xbb\xbf" if bom else b"") + eol.join(
            line.encode("utf-8") for line in ls),
        st.lists(lines.filter(lambda q: len(q) < 2_000), min_size=1, max_size=4),
        st.sampled_from(endings), st.booleans())


undecodable_question_files: SearchStrategy[bytes] = st.one_of(
    st.builds(lambda ls, enc: "\n".join(ls).encode(enc, errors="replace"),
              st.lists(sprinkled(real_words, st.sampled_from(["é", "ü", "€", "日"])), min_size=1,
                       max_size=4), st.sampled_from(["cp1252", "utf-16", "utf-16-le"])),
    mutated(question_files(st.sampled_from(["what did Stoltenberg say?", "who is Vucic?"]))),
    st.binary(min_size=1, max_size=200),
).filter(lambda b: not _utf8(b))
"""A --questions file that is not valid UTF-8: another encoding, mutated bytes, random bytes."""

# --- config files --------------------------------------------------------------------------------

CONFIG_KEYS = ["corpus", "store", "model", "k", "abstain_threshold", "context", "max_file_mb",
               "search", "ann_min_sentences", "extensions"]

_BIDI_RE = re.compile(f"[{''.join(BIDI)}]")
NON_FINITE = [".inf", "-.inf", ".Inf", "-.INF", "1e400"]  # YAML floats that are infinite

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-3, 120),
    st.floats(allow_nan=True, allow_infinity=False), st.sampled_from([0.0, -0.0, 1e-300, 1e300]),
    any_text, sprinkled(real_words, hostile_pieces),
    st.sampled_from(["seeds", ".", "..", "/", "~", "~nobody/x", "/dev/null", "/proc/self/fd/0",
                     "auto", "exact", "ann", ".txt", "txt", "all-MiniLM-L6-v2", "a\0b", "",
                     " ", "${HOME}", "*.txt", "\x1b[31m.txt"]),
)
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(any_text, st.integers()), inner,
                                                 max_size=3)), max_leaves=12)
config_mappings = st.dictionaries(
    st.one_of(st.sampled_from(CONFIG_KEYS), any_text, sprinkled(real_words, hostile_pieces),
              st.integers(), st.booleans(), st.none()), _values, max_size=5)

_YAML_GARBAGE = st.sampled_from(list(":-?[]{},#&*!|>'\"%@`\t\n ") + [
    "---", "...", "!!python/object:os.system", "!!binary", "&a", "*a", "<<: *a", "? ", "- - ",
    "%YAML 1.1", "%TAG", "key: value", "k: 3", "corpus: [", "'unterminated", "\"\\x\"",
    "\ufeff", "\x00", "\x1b[31m", "\x85", "\u2028",
])


def _dump(data: object) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return repr(data)


def alias_bomb(width: int, depth: int, key: str, max_leaves: int = 10**6) -> str:
    """YAML under `key` whose aliases expand to width**depth leaves (at most `max_leaves`).

    The anchors are defined in `extensions`, which is checked last, so the bomb under `key`
    is what qa meets first.
    """
    while width > 2 and width**depth > max_leaves:
        width -= 1
    while depth > 1 and width**depth > max_leaves:
        depth -= 1
    chain = ["&a0 x"] + [f"&a{level} [{', '.join([f'*a{level - 1}'] * width)}]"
                         for level in range(1, depth + 1)]
    return f"extensions: [{', '.join(chain)}]\n{key}: *a{depth}\n"


config_texts: SearchStrategy[str] = st.one_of(
    config_mappings.map(_dump),
    st.builds(lambda key, value: f"{key}: {value}\n", st.sampled_from(CONFIG_KEYS),
              st.one_of(_scalars.map(str), st.sampled_from([
                  ".nan", "0x10", "0o17", "1_000", "~", "null", "yes", "no", "on", "2001-12-14",
                  "!!binary aGVsbG8=", "[]", "{}", "'1'", "!!float 3", "12:30:00"]))),
    sprinkled(_YAML_GARBAGE, st.one_of(any_text, real_words), 30),
    st.builds(alias_bomb, st.integers(2, 10), st.integers(1, 8), st.sampled_from(CONFIG_KEYS),
              st.just(1_000)),
).map(lambda text: _BIDI_RE.sub("", text))
"""Config text: random keys and values, YAML garbage, small alias bombs. No bidi overrides
(config_echoes has them), no infinite numbers (non_finite_configs), no deep nesting
(nested_configs): each is a target of its own while qa fails on it."""


def config_files(texts: SearchStrategy[str] = config_texts) -> SearchStrategy[bytes]:
    """A config file's bytes: `texts` in UTF-8 or another encoding, mutated, or random bytes."""
    return st.one_of(
        texts.map(lambda t: t.encode("utf-8", "surrogateescape")),
        encoded(texts),
        mutated(texts.map(lambda t: t.encode("utf-8", "surrogateescape"))),
        st.binary(max_size=300),
    )


config_echoes: SearchStrategy[bytes] = st.one_of(
    st.builds(lambda key: f"{key}: 1\n", sprinkled(real_words, st.sampled_from(BIDI), 6)
              .filter(lambda k: _BIDI_RE.search(k) and ":" not in k and "#" not in k)),
    st.builds(alias_bomb, st.integers(8, 10), st.just(6), st.sampled_from(CONFIG_KEYS)),
).map(str.encode)
"""Config whose values qa echoes in its error: a key with bidi overrides, an alias bomb."""

non_finite_configs: SearchStrategy[bytes] = st.builds(
    lambda key, value: f"{key}: {value}\n".encode(), st.sampled_from(CONFIG_KEYS),
    st.sampled_from(NON_FINITE))
"""Config with an infinite number under some key."""


def nested_configs() -> SearchStrategy[bytes]:
    """A config file nested deeper than a parser may recurse: flow or block lists and maps."""
    def nest(kind: str, depth: int, key: str) -> bytes:
        if kind == "flow-list":
            body = "[" * depth + "]" * depth
        elif kind == "flow-map":
            body = "{a: " * depth + "1" + "}" * depth
        elif kind == "block-list":
            body = "\n" + "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x"
        else:
            body = "\n" + "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x"
        return f"{key}: {body}\n".encode()
    return st.builds(nest, st.sampled_from(["flow-list", "flow-map", "block-list", "block-map"]),
                     st.integers(10, 3_000),
                     st.sampled_from(CONFIG_KEYS + ["zzz"]))


__all__ = [
    "BIDI", "C0", "C1", "CONFIG_KEYS", "ESCAPES", "FORMATS", "NON_FINITE", "alias_bomb",
    "chat_lines", "config_echoes", "config_files", "config_texts", "documents", "encoded",
    "file_names", "hostile_names", "huge_in_small", "markdown_files", "mutated", "nested_configs",
    "non_finite_configs", "plain_text_files", "question_files", "questions", "undecodable_names",
    "undecodable_question_files", "undecodable_questions",
]
