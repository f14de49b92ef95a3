"""Files in, documents out: which files a corpus holds, how each is read and split into sentences.

    files.py     listing a corpus (walking folders, links, what is skipped); reading and
                 hashing one file's bytes
    loaders/     one module per file format behind the `Loader` protocol, and their registry
    split.py     passages and sentences
    document.py  Sentence, Document
    corpus.py    Corpus (what to read) and read_document (one file, loaded and split)
    extracted.py the extraction cache, and LOADERS_VERSION: which loaders' output a store holds
"""

from qa.ingest.corpus import Corpus, read_document, summary
from qa.ingest.document import Document, Sentence
from qa.ingest.extracted import LOADERS_VERSION
from qa.ingest.files import Notify, SkipFile, Skipped, file_digest, list_files, read_bytes
from qa.ingest.loaders import LOADERS, Loaded, Loader, Location, decode, loader_for, title_of
from qa.ingest.split import MAX_SENTENCE_CHARS, split_document, split_sentences

__all__ = ["LOADERS", "LOADERS_VERSION", "MAX_SENTENCE_CHARS", "Corpus", "Document", "Loaded",
           "Loader", "Location", "Notify", "Sentence", "SkipFile", "Skipped", "decode", "file_digest", "list_files",
           "loader_for", "read_bytes", "read_document", "split_document", "split_sentences",
           "summary", "title_of"]
