"""Documents, passages and sentences: reading a corpus from disk and splitting it.

A "document" is a file, a "passage" a paragraph of it (blank-line separated), and a "sentence"
the unit qa answers with. Every sentence keeps character offsets into its document's text, so
`document.text[s.start:s.end] == s.text` and any answer can be shown in context.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.errors import CorpusError

Notify = Callable[[str], None]

# A sentence longer than this is cut at a space: the model reads only ~256 word pieces anyway,
# and one 1,000,000-character line must not become one unreadable answer.
MAX_SENTENCE_CHARS = 600
# Text running on this long with no sentence ending (a log, a data dump) is worth a notice.
LONG_STRETCH_CHARS = 5_000


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document: `text == document_text[start:end]`."""

    text: str
    source: str  # path of the document, as stored
    passage: int  # paragraph number in the document, from 0
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A file of the corpus, decoded, with its title and sentences."""

    path: str
    text: str
    title: str
    sentences: tuple[Sentence, ...]
    note: str = ""  # something the reader should know about how the file was split


class SkipFile(Exception):
    """A file that cannot be indexed; the message says why, for a one-line warning."""


# --- finding files -------------------------------------------------------------------------


def list_files(
    paths: Iterable[Path], extensions: tuple[str, ...], notify: Notify
) -> list[Path]:
    """Every readable document under `paths` (files or folders, recursively), sorted, unique.

    Explicit files of another type, symlink loops and unreadable folders get a warning.
    """
    found: dict[str, Path] = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise CorpusError(f"corpus path {root} does not exist - check the path")
        if not root.is_dir() and not root.is_file():
            notify(f"skipped {root}: not a regular file or folder")
            continue
        if root.is_file():
            if root.suffix.lower() in extensions:
                found.setdefault(str(root.resolve()), root.resolve())
            else:
                kinds = ", ".join(extensions)
                notify(f"skipped {root}: not a {kinds} file")
            continue
        for path in _walk(root, extensions, notify):
            found.setdefault(str(path), path)
    return [found[key] for key in sorted(found)]


def _walk(root: Path, extensions: tuple[str, ...], notify: Notify) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        notify(f"skipped {exc.filename}: cannot read folder ({exc.strerror})")

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            notify(f"skipped {folder}: symlink loop (folder already visited)")
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in extensions:
                continue
            path = Path(folder) / name
            if os.path.isfile(path):
                yield path.resolve()
            elif os.path.islink(path):
                notify(f"skipped {path}: broken symlink or symlink loop")
            elif os.path.exists(path):  # a FIFO or device: reading it could block forever
                notify(f"skipped {path}: not a regular file")


# --- reading one file ----------------------------------------------------------------------

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF")


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or BOM-marked UTF-16/32; else SkipFile."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]:
            raise SkipFile("binary content, not text")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid {encoding.upper()} text (byte {exc.start})") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > 0.05 * min(len(text), 8192):
        raise SkipFile("binary content, not text")
    return text


def read_document(path: Path, max_bytes: int) -> Document:
    """Read, decode and split one file; SkipFile says why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SkipFile(
                f"{size / 2**20:.1f} MB is over the {max_bytes / 2**20:g} MB limit (max_file_mb)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SkipFile("file disappeared while indexing") from None
    except IsADirectoryError:
        raise SkipFile("is a folder") from None
    except OSError as exc:
        raise SkipFile(f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise SkipFile(f"over the {max_bytes / 2**20:g} MB limit (max_file_mb)")
    text = decode(data)
    sentences = tuple(split_document(text, str(path)))
    if not sentences:
        raise SkipFile("empty: no sentences")
    # Only a stretch that was cut leaves pieces of half the limit or more: skip the rescan.
    cut = any(len(s.text) >= MAX_SENTENCE_CHARS // 2 for s in sentences)
    note = _long_stretches(text) if cut else ""
    return Document(str(path), text, title_of(text, path), sentences, note)


def _long_stretches(text: str) -> str:
    """A note when some text runs on for pages with no sentence ending (so it was cut)."""
    lengths = [b - a for p_start, p_end in _passages(text)
               for a, b in _sentence_spans(text, p_start, p_end) if b - a > LONG_STRETCH_CHARS]
    if not lengths:
        return ""
    pieces = f"pieces of at most {MAX_SENTENCE_CHARS} characters"
    if len(lengths) == 1:
        return (f"a {lengths[0]:,}-character stretch with no sentence ending was cut into "
                f"{pieces}")
    return (f"{len(lengths):,} stretches of up to {max(lengths):,} characters with no sentence "
            f"ending were cut into {pieces}")


def title_of(text: str, path: Path) -> str:
    """The document's title: a Markdown heading or short first line, else the file name."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            return line.lstrip("#").strip()
        if len(line) <= 150 and not line.endswith((".", "!", "?", ":", ",")):
            return line
        break
    return re.sub(r"[-_]+", " ", path.stem).strip()


# --- splitting -----------------------------------------------------------------------------

_PASSAGE_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_OPENERS = "\"'“‘«(["
_CLOSERS = "\"'”’»)]"
# A sentence ends at . ! ? or an ellipsis, plus closing quotes/brackets, when whitespace and
# the start of a new sentence (an opening quote or bracket, then a capital or digit) follow.
_END = re.compile(
    r"(?:[.!?]+|…|\.\.\.)[" + re.escape(_CLOSERS) + r"]*"
    r"(?=\s+[" + re.escape(_OPENERS) + r"]*[A-Z0-9À-ÖØ-Þ])"
)
_LINE_START = re.compile(r"\n(?=[ \t]*(?:[-*+•]\s|\d+[.)]\s|#))")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt
    insp det inc ltd co corp bros vs etc no nos vol fig jan feb mar apr jun jul aug sep sept
    oct nov dec mt ft approx dept est univ ave blvd rd""".split()
)
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_STARTERS = frozenset(
    """the a an he she it they we i you but and this that these those there in on at as so
    if when while after before however his her their its our my one some many most mr mrs""".split()
)


def split_document(text: str, source: str) -> Iterator[Sentence]:
    """Split a document into sentences, with passage numbers and offsets into `text`."""
    for number, (p_start, p_end) in enumerate(_passages(text)):
        for start, end in split_sentences(text, p_start, p_end):
            yield Sentence(text[start:end], source, number, start, end)


def _passages(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _PASSAGE_BREAK.finditer(text):
        if text[pos : match.start()].strip():
            yield pos, match.start()
        pos = match.end()
    if text[pos:].strip():
        yield pos, len(text)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text[start:end]`, trimmed of surrounding whitespace."""
    return [piece for a, b in _sentence_spans(text, start, end)
            for piece in _cap_length(text, a, b)]


def _sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Like split_sentences, without cutting over-long sentences."""
    end = len(text) if end is None else end
    cuts = [start]
    for match in _END.finditer(text, start, end):
        if not _is_abbreviation(text, match.start(), match.end(), start, end):
            cuts.append(match.end())
    for match in _LINE_START.finditer(text, start, end):
        cuts.append(match.start())
    cuts.append(end)
    spans: list[tuple[int, int]] = []
    for a, b in zip(sorted(set(cuts)), sorted(set(cuts))[1:]):
        a, b = _trim(text, a, b)
        if a < b:
            spans.append((a, b))
    return spans


def _is_abbreviation(text: str, dot: int, after: int, lo: int, hi: int) -> bool:
    """True when the full stop at `dot` belongs to an abbreviation or initial, not an ending."""
    if text[dot] != "." or text[dot : dot + 3] == "..." or after - dot > 1 and text[dot + 1] == ".":
        return False
    word_start = dot
    while word_start > lo and not text[word_start - 1].isspace() and text[word_start - 1] not in _OPENERS:
        word_start -= 1
    word = text[word_start:dot]
    next_word = re.match(r"\s*[" + re.escape(_OPENERS) + r"]*(\w+)", text[after : min(hi, after + 40)])
    following = next_word.group(1).lower() if next_word else ""
    if word.lower().rstrip(".") in _ABBREVIATIONS and "." not in word:
        return word.lower() not in ("etc", "no") or following not in _STARTERS
    if _DOTTED.match(word) or (len(word) == 1 and word.isalpha() and word.isupper()):
        # U.S., a.m., J. K. Rowling: an ending only when a common sentence opener follows.
        return following not in _STARTERS
    return False


_MARKER = re.compile(r"(?:#{1,6}|[-*+•]|>)[ \t]+")


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop surrounding whitespace, and a leading Markdown heading, bullet or quote marker."""
    while a < b and text[a].isspace():
        a += 1
    marker = _MARKER.match(text, a, b)
    if marker:
        a = marker.end()
        while a < b and text[a].isspace():  # "- \r0": more whitespace after the marker
            a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _cap_length(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while b - a > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", a + MAX_SENTENCE_CHARS // 2, a + MAX_SENTENCE_CHARS)
        cut = cut if cut > a else a + MAX_SENTENCE_CHARS
        x, y = _trim(text, a, cut)
        if x < y:
            yield x, y
        a, _ = _trim(text, cut, b)
    if a < b:
        yield a, b
