"""Files in, documents out: which files a corpus holds, how each is read and split into sentences."""

from qa.ingest.corpus import (
    MAX_SENTENCE_CHARS,
    Document,
    Notify,
    Sentence,
    SkipFile,
    list_files,
    read_document,
    split_document,
    split_sentences,
    title_of,
)

__all__ = ["MAX_SENTENCE_CHARS", "Document", "Notify", "Sentence", "SkipFile", "list_files",
           "read_document", "split_document", "split_sentences", "title_of"]
