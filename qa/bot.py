"""The bot: questions in, answers (real sentences with their sources) out."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from qa.config import MAX_K, Settings, cache_dir, find_config, load_settings
from qa.embed import Embedder
from qa.errors import (
    ConfigError,
    CorpusError,
    QAError,
    QuestionError,
    StoreError,
    StoreReadOnlyError,
)
from qa.index import OTHER_STORE, DocInfo, LocalBackend, ReadAgain, ReadOnly, Store, StoreBackend
from qa.ingest import Corpus, Notify, summary
from qa.knowledge import StoredAnalysis
from qa.rank import ASKED_AMONG, NOTHING, Hit, Retriever, reply
from qa.text import clean_question, safe
from qa.vectors import DenseIndex

Confidence = Literal["high", "low", "none"]

NO_CORPUS = ("no corpus to answer from - pass --corpus FOLDER (or corpus= to Bot), or run qa "
             "where a config.yaml names one (or name it with --config or QA_CONFIG)")


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question: ranked hits, or an abstention with its reason.

    `confidence` is the kind of reply: "high" an answer, "low" the closest sentences found
    but marked as a guess, "none" a decline (then `abstained` is true and `hits` empty).
    `message` is why it declined, or a note shown before the hits ("Putin is not named in
    the 1 document I have.").
    """

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    message: str = ""
    understood_as: str = ""
    confidence: Confidence = "high"

    def __post_init__(self) -> None:
        if self.abstained and self.confidence != "none":
            object.__setattr__(self, "confidence", "none")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the CLI's --json, the library's, the HTTP API's): question,
        abstained, confidence, hits (text, score, source, path, paragraph, start, end, ...).

        `source` is relative to the corpus root, `path` absolute; `paragraph` counts from 1,
        as the text output shows it (the library's `Hit.passage` counts from 0); `page` (from
        1) and `section` where the format has them.
        """
        data = asdict(self)
        data["hits"] = list(data["hits"])
        for hit in data["hits"]:
            hit["path"] = hit["path"] or hit["source"]
            hit["paragraph"] = hit.pop("passage") + 1
            hit["context_before"] = list(hit.pop("before"))
            hit["context_after"] = list(hit.pop("after"))
            hit["section"] = list(hit["section"])
        data["understood_as"] = self.understood_as or self.question
        return data


def display_path(path: str, roots: tuple[Path, ...] = ()) -> str:
    """A file of the corpus as people name it: relative to the folder holding the corpus path
    it was found under (seeds/a.txt for corpus seeds), else to the cwd when inside it."""
    p = Path(path)
    # the corpus is listed with links resolved, so its root may be a link's target
    for root in (r for given in roots for r in (given.absolute(), Path(os.path.realpath(given)))):
        if p == root or p.is_relative_to(root):
            return str(p.relative_to(root.parent)) if root.name else str(p)
    try:
        return os.path.relpath(path) if p.is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


@dataclass(frozen=True)
class Changes:
    """What one update of the store did, file by file (paths as display_path shows them)."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # every file left out now, with the reason
    sentences: int
    documents: int
    directory: str  # where the store is: a folder, or a Milvus URI and collection
    kinds: str = ""  # what was read and skipped by kind (qa.ingest.summary)
    rebuilt: bool = False  # every file read and embedded again (`qa index --rebuild`)
    # Why unchanged files were read again, when they were: this qa reads their format better
    # than the qa that indexed them (qa.index.ReadAgain). They are not counted as changed.
    read_again: str = ""
    # Another qa wrote the store after this update looked at it (it waited for that one to
    # finish, say): the counts are what this update did after it (qa.index.Store.synced_from).
    other_writer: bool = False

    def summary(self) -> str:
        """lines() as one text."""
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """One line of counts, one of kinds read and skipped, then one per file that changed
        or is left out (with why): what `qa index` prints."""
        counts = ", ".join(f"{len(v):,} {name}" for name, v in (
            ("added", self.added), ("changed", self.changed), ("removed", self.removed),
            ("skipped", self.skipped)))
        total = f"{plural(self.sentences, 'sentence')} from {plural(self.documents, 'document')}"
        if self.rebuilt:  # the counts alone (0 added, 0 changed) would not say it happened
            head = (f"rebuilt {self.directory}: every file read and embedded again; it now "
                    f"holds {total} ({counts})")
            lines = [head]
        else:
            lines = [f"{total} in {self.directory} ({counts})"]
        if self.kinds:
            lines.append(self.kinds)
        if self.read_again:
            lines.append(self.read_again)
        if self.other_writer and (self.added or self.changed or self.removed or self.rebuilt):
            lines.append("another qa wrote the store meanwhile: the counts are what this run did "
                         "after it")  # else its changes would look like this run's
        elif self.other_writer:
            lines.append("another qa brought the store up to date meanwhile: nothing was left "
                         "to do")
        for mark, paths in (("+", self.added), ("~", self.changed), ("-", self.removed)):
            lines.extend(f"  {mark} {path}" for path in paths)
        lines.extend(f"  ! {path}: {reason}" for path, reason in self.skipped)
        return lines


def _cannot_update(notice: ReadOnly) -> StoreReadOnlyError:
    """Bot.update's error for a read-only store behind its corpus (a question answers from it)."""
    behind = f" ({notice.behind})" if notice.behind else ""
    return StoreReadOnlyError(f"store {notice.directory} is read-only, so it cannot be brought "
                              f"up to date{behind} - make it writable or choose another store "
                              f"folder ({OTHER_STORE}); questions still answer from it as last "
                              "built")


def _fingerprints(docs: list[DocInfo]) -> dict[str, tuple[str, int, int]]:
    """path -> (text SHA-1, size, mtime): what tells an update's changes apart."""
    return {d.path: (d.sha1, d.size, d.mtime_ns) for d in docs}


def plural(n: int, noun: str) -> str:
    """`1 document`, `2 documents`, `1,204 sentences`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def backend_for(settings: Settings) -> StoreBackend:
    """Where the store lives: a folder (the default) or, for a URI, Milvus (qa.milvus)."""
    if isinstance(settings.store, str):
        from qa.milvus import MilvusBackend  # pymilvus itself is imported on connecting

        return MilvusBackend(settings.store, settings.milvus_collection,
                             settings.milvus_token_env, cache_dir(),
                             settings.milvus_mirror_below, settings.milvus_read_only)
    if settings.milvus_read_only:
        raise ConfigError("milvus_read_only is for a Milvus store (store: milvus:///path/qa.db "
                          "or http://host:19530) - a folder store is only read where it is")
    return LocalBackend(settings.store_dir)


def _stderr(message: str) -> None:
    print(f"qa: {safe(message)}", file=sys.stderr)


class Bot:
    """Answers questions from a corpus, keeping its store up to date on first use.

    Its parts can be passed in: `embedder` (one Embedder shared by several bots, say) and
    `vectors`, which makes the vector index for a store (exact search, or another backend);
    without them they come from the settings.
    """

    def __init__(
        self,
        corpus: str | os.PathLike[str] | list[str | os.PathLike[str]] | None = None,
        store: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        notify: Notify | None = None,
        progress: bool = False,
        embedder: Embedder | None = None,
        vectors: Callable[[Store], DenseIndex] | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or Settings()
        given = dict(overrides)
        if corpus is not None:
            given["corpus"] = [corpus] if isinstance(corpus, (str, os.PathLike)) else corpus
        if store is not None:
            given["store"] = store
        self.settings = base.replace(**given) if given else base
        self.notify: Notify = notify or _stderr
        self.progress = progress
        self.embedder = embedder or Embedder(self.settings.model, cache=cache_dir())
        self._vectors = vectors or self._default_vectors
        self.backend = backend_for(self.settings)
        self._store: Store | None = None
        self._retriever: Retriever | None = None
        self._within: dict[tuple[int, tuple[str, ...]], NDArray[np.int64]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Bot:
        return cls(settings=settings, **kwargs)

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> Bot:
        """A bot from the config file (`path`, else $QA_CONFIG, else ./config.yaml when there
        is one, else the defaults), with keyword overrides of any key."""
        options = {k: overrides.pop(k) for k in ("notify", "progress") if k in overrides}
        return cls(settings=load_settings(find_config(path), **overrides), **options)

    @property
    def store(self) -> Store:
        """The store, built or brought up to date on first use."""
        if self._store is None:
            self.reindex()
        assert self._store is not None
        return self._store

    def reindex(self, rebuild: bool = False, verify: bool = False) -> Store:
        """Bring the store in step with the corpus; `rebuild` re-embeds everything, `verify`
        hashes every file to find changes that kept their size and modification time."""
        return self._sync(rebuild, verify, self.notify)

    def _sync(self, rebuild: bool, verify: bool, notify: Notify) -> Store:
        s = self.settings
        if not s.corpus and not s.milvus_read_only:
            raise CorpusError(NO_CORPUS)
        self._store = self.backend.sync(Corpus.from_settings(s), self.embedder,
                                        notify=notify, analyzer=StoredAnalysis(),
                                        progress=self.progress, rebuild=rebuild, verify=verify)
        dense = self._vectors(self._store)
        self._retriever = Retriever(self._store, self.embedder, s.context, dense=dense)
        return self._store

    def update(self, rebuild: bool = False, verify: bool = False) -> Changes:
        """reindex(), saying which files were added, changed, removed or skipped."""
        s = self.settings
        if s.milvus_read_only:
            raise StoreError(f"milvus_read_only is set: this qa never writes into "
                             f"{self.backend.describe()} - index with milvus_read_only: false")
        before = self._opened()
        again: list[ReadAgain] = []  # said in the summary, not also as it happens

        def heard(message: str) -> None:
            if isinstance(message, ReadAgain):
                again.append(message)
            elif isinstance(message, ReadOnly):  # a question may answer from it; this may not
                raise _cannot_update(message)
            else:
                self.notify(message)

        store = self._sync(rebuild, verify, heard)
        reread = {p for notice in again for p in notice.paths}
        seen = _fingerprints(before.documents if before else [])
        # What another process wrote since `before` is not this run's doing.
        old = seen if store.synced_from is None else _fingerprints(store.synced_from)
        new = _fingerprints(store.documents)
        # The store keeps the files it could not read; those the listing left out (a FIFO, a
        # broken link, a link out of the corpus) are as this sync's listing found them.
        skipped = {p: str(r.get("reason", "")) for p, r in store.skipped.items()}
        skipped.update(store.left_out)

        def shown(paths: set[str]) -> tuple[str, ...]:
            return tuple(sorted(display_path(p, s.corpus) for p in paths))

        return Changes(
            added=shown(set(new) - set(old)),
            changed=shown({p for p in set(new) & set(old) if new[p] != old[p]} - reread),
            removed=shown(set(old) - set(new)),  # gone, or now skipped: its rows left the store
            skipped=tuple(sorted((display_path(p, s.corpus), r) for p, r in skipped.items())),
            sentences=store.count, documents=len(store.documents),
            directory=self.backend.describe(),
            kinds=summary([d.path for d in store.documents],  # files by kind: no folders
                          [p for p in skipped if not os.path.isdir(p)]), rebuilt=rebuild,
            read_again=str(again[-1]) if again else "", other_writer=old != seen)

    def _opened(self) -> Store | None:
        """The store as it is now on disk, without updating it; None if there is none."""
        if self._store is not None or isinstance(self.settings.store, str):
            return self._store  # a Milvus store is only known once synced
        try:
            return Store.load(self.settings.store_dir, self.embedder.identity, verify=False)
        except (QAError, OSError):
            return None

    def rows_within(self, paths: tuple[str, ...] | list[str]) -> NDArray[np.int64]:
        """The rows of the documents under these files or folders of the corpus, ascending.

        A path is taken from the cwd, then as a source is shown (relative to the corpus root,
        seeds/a.txt); one that holds no document of the corpus is a QuestionError. Kept per
        store, so a filter used question after question costs nothing after the first.
        """
        store, roots = self.store, self.settings.corpus
        key = (id(store), tuple(paths))
        cached = self._within.get(key)
        if cached is not None:
            return cached
        docs = [os.path.normpath(d.path) for d in store.documents]
        chosen = np.zeros(len(docs), dtype=bool)
        for given in paths:
            found = False
            for target in _within_targets(given, roots):
                folder = target.rstrip(os.sep) + os.sep
                hits = np.fromiter((d == target or d.startswith(folder) for d in docs),
                                   dtype=bool, count=len(docs))
                chosen |= hits
                found = found or bool(hits.any())
            if not found:  # no chat command named: this reaches the CLI, library and API too
                example = display_path(store.documents[0].path, roots) if docs else ""
                named = f", as answers name their sources (e.g. {example})" if example else ""
                raise QuestionError(f"{given} holds no document of the corpus - give a file or "
                                    f"folder inside it{named}")
        spans = [np.arange(d.first, d.first + d.count, dtype=np.int64)
                 for d, on in zip(store.documents, chosen, strict=True) if on]
        rows = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
        self._within = {k: v for k, v in self._within.items() if k[0] == id(store)}
        self._within[key] = rows
        return rows

    def label(self, hits: list[Hit] | tuple[Hit, ...]) -> tuple[Hit, ...]:
        """Hits as answers give them: `source` relative to the corpus root, `path` absolute."""
        roots = self.settings.corpus
        return tuple(replace(h, source=display_path(h.path or h.source, roots),
                             path=h.path or str(Path(h.source).absolute())) for h in hits)

    def _default_vectors(self, store: Store) -> DenseIndex:
        """The configured search (`search`, `ann_min_sentences`), its index made if missing;
        a backend's own search when it has one (Milvus)."""
        if store.dense is not None:
            return store.dense  # type: ignore[no-any-return]
        dense = DenseIndex(store.vectors, store, self.settings.search,
                           self.settings.ann_min_sentences)
        dense.ensure_index(self.progress)
        return dense

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self.reindex()
        assert self._retriever is not None
        return self._retriever

    def sources(self) -> list[tuple[str, str, int]]:
        """(path, title, sentence count) of every indexed document."""
        roots = self.settings.corpus
        return [(display_path(d.path, roots), d.title, d.count) for d in self.store.documents]

    def ask(self, question: str, k: int | None = None, *,
            understood_as: str | None = None,
            within: str | os.PathLike[str] | list[str] | tuple[str, ...] | None = None
            ) -> Answer:
        """The k best sentences for `question`, or an abstention when none is relevant enough.

        `understood_as` is what to search for instead, when a conversation has rewritten a
        follow-up ("who did he thank?" as "who did Vucic thank?"); the answer keeps both.
        `within` is a file or folder of the corpus (or several): answers come only from there.
        """
        rows = self.rows_within(_paths(within)) if within else None
        return self.ask_rows(question, rows, k, understood_as=understood_as)

    def ask_rows(self, question: str, rows: NDArray[np.int64] | None, k: int | None = None, *,
                 understood_as: str | None = None) -> Answer:
        """As `ask`, answered from these rows only (ascending, whole documents; None for all),
        and declined when they are silent on it: a conversation's follow-up looks first in
        the document its last answer came from (qa.chat)."""
        text = clean_question(question)
        k = self.check_k(k)
        if rows is not None and rows.size == self.store.count:
            rows = None  # the whole corpus, asked as such (`--in` its root)
        understood = text if understood_as is None else clean_question(understood_as)
        hits = self.retriever.search(understood, max(k, ASKED_AMONG), within=rows)
        return self._answer(text, hits, understood, rows, k)

    def document_rows(self, row: int) -> NDArray[np.int64]:
        """Every row of the document that holds `row`, ascending."""
        first, count = self.retriever.facts.spans
        doc = int(np.searchsorted(first, row, side="right")) - 1
        return np.arange(first[doc], first[doc] + count[doc], dtype=np.int64)

    def _searched(self, within: NDArray[np.int64] | None) -> str:
        """The documents a question was asked of: those of `within` (a file asked, a
        follow-up's story), else all."""
        if within is None:
            return f"the {plural(len(self.store.documents), 'document')} I have"
        count = int(np.unique(self.retriever.facts.doc[within]).size)
        return f"the {plural(count, 'document')} searched"

    def check_k(self, k: int | None) -> int:
        """`k` as asked, or the configured one; a QuestionError for anything but a count from
        1 to MAX_K, the bound -k and config.yaml hold to (a server passing a user's k through
        must not hand out the whole corpus)."""
        k = self.settings.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QuestionError(f"k must be a whole number between 1 and {MAX_K}, got {k!r}")
        return k

    def _answer(self, question: str, hits: list[Hit], understood: str,
                within: NDArray[np.int64] | None, k: int) -> Answer:
        """A confident answer of the first k `hits`, a marked guess, or a decline
        (qa.rank.about.reply): declined only when the corpus (or the part of it asked,
        `within`) is silent on the question; `hits` may be more than k, for the reply."""
        seen = (self.retriever.about(understood, [h.row for h in hits], within) if hits
                else NOTHING)
        said = reply(hits[0].score if hits else 0.0, seen, self.settings.abstain_threshold)
        if said == "none":
            return Answer(question, (), True,
                          f"I couldn't find that in {self._searched(within)}.", understood)
        # "what did Putin say?" over documents that never name him: said, before the hits
        names = seen.unnamed
        note = (f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} not named in "
                f"{self._searched(within)}." if names else "")
        return Answer(question, self.label(hits[:k]), False, note, understood, said)


def _paths(within: str | os.PathLike[str] | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(within, (str, os.PathLike)):
        return (os.fspath(within),)
    return tuple(os.fspath(w) for w in within)


def _within_targets(given: str, roots: tuple[Path, ...]) -> list[str]:
    """What a --in PATH may mean, as normalised absolute paths: the path from the cwd, and the
    path as a source is shown (from the folder holding each corpus path)."""
    p = Path(os.path.expanduser(given))
    paths = [p] if p.is_absolute() else [p.absolute(), *(r.absolute().parent / p for r in roots)]
    # The corpus is listed with links resolved: a path through a link names the same files.
    return list(dict.fromkeys(os.path.normpath(f(q)) for q in paths
                              for f in (str, os.path.realpath)))


__all__ = ["Answer", "Bot", "Changes", "Confidence", "Hit", "display_path", "plural"]
