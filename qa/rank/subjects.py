"""The rows a question points at by name: what its speaker said or did, who its person is,
what its acronym stands for. They gain the speaker evidence, and a big store scores their
documents whatever else it finds."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qa.knowledge import describes
from qa.rank.facts import StoreFacts
from qa.rank.intent import Intent, act_pattern
from qa.text import terms, words


def subject_rows(facts: StoreFacts, intent: Intent) -> NDArray[np.int64]:
    """Rows the speakers the question names said, or where they do what it asks ("Okafor
    thanked ..."); rows that say who the person of "who is X?" is; rows that spell out the
    acronym of "what is the KSF?". Ascending, no repeats."""
    found = [_describing(facts, intent.who_is), _holding(facts, intent.spelled_out)]
    if intent.speakers:
        found += [np.flatnonzero(np.isin(facts.speaker_ids, intent.speakers)),
                  _doing(facts, intent)]
    return np.unique(np.concatenate(found).astype(np.int64))


def _doing(facts: StoreFacts, intent: Intent) -> NDArray[np.int64]:
    """Rows where a named person does what the question asks about ("Okafor thanked ..."):
    the corpus analysis attributes speech, and thanking or praising is not always that."""
    lexicon = facts.store.lexicon
    ids = [lexicon.vocab[t] for t in intent.acts if t in lexicon.vocab]
    if not ids:
        return np.zeros(0, dtype=np.int64)
    pattern = act_pattern(intent.speaker_names, intent.acts)
    rows = np.concatenate([lexicon.postings(i) for i in ids])
    return np.asarray([int(r) for r in rows if pattern.search(facts.store.text(int(r)))],
                      dtype=np.int64)


def _describing(facts: StoreFacts, names: tuple[str, ...]) -> NDArray[np.int64]:
    """Rows that say who one of these persons is (`qa.knowledge.describes`), among those that
    hold the surname."""
    lexicon = facts.store.lexicon
    found: set[int] = set()
    for name in names:
        tid = next((lexicon.vocab.get(t) for t in terms(name.split()[-1])), None)
        if tid is None:
            continue
        for row in lexicon.postings(tid).tolist():
            if describes(name, facts.store.text(row)):
                found.add(row)
    return np.asarray(sorted(found), dtype=np.int64)


def _holding(facts: StoreFacts, phrase: str) -> NDArray[np.int64]:
    """Rows whose text holds `phrase` (case and spacing aside); none for no phrase."""
    lexicon = facts.store.lexicon
    ids = [lexicon.vocab[t] for t in terms(phrase) if t in lexicon.vocab]
    if not ids:
        return np.zeros(0, dtype=np.int64)
    rarest = min(ids, key=lambda i: lexicon.postings(i).shape[0])
    wanted = " ".join(words(phrase))
    rows = lexicon.postings(rarest).tolist()
    return np.asarray([r for r in rows if wanted in " ".join(words(facts.store.text(r)))],
                      dtype=np.int64)


__all__ = ["subject_rows"]
