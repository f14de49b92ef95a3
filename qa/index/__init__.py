"""The store on disk: generations of sentences, vectors and the BM25 index, kept in step.

    generation.py  the directory layout, the lock, file records and manifests
    store.py       Store: reading the current generation; its derived files
    writer.py      Part, write_generation: writing one generation
    sync.py        sync: what changed in the corpus, what to embed (Analyzer), one writer
    embedding.py   embedding what sync found new, partial work kept (DocumentEncoder)
    lexical.py     the BM25 index
    backend.py     StoreBackend: the seam between a folder and a Milvus collection
"""

from qa.index.backend import LexicalSearch, LocalBackend, Narrowed, StoreBackend, Wanted
from qa.index.generation import FORMAT, OTHER_STORE, make_folder
from qa.index.lexical import (
    K1,
    LexicalIndex,
    bm25_weights,
    idf_of,
    members,
    postings_of,
    unseen,
)
from qa.index.store import DocInfo, Places, Store, loaders_of, places, read_places
from qa.index.sync import (
    Analyzer,
    DocumentEncoder,
    ReadAgain,
    ReadOnly,
    file_stat,
    left_out,
    read_or_skip,
    sync,
    text_sha1,
    unreadable,
)
from qa.index.writer import Part, write_generation

__all__ = ["FORMAT", "K1", "OTHER_STORE", "Analyzer", "DocInfo", "DocumentEncoder",
           "LexicalIndex", "LexicalSearch", "LocalBackend", "Narrowed", "Part", "Places",
           "ReadAgain", "ReadOnly", "Store", "StoreBackend", "Wanted", "bm25_weights", "file_stat",
           "idf_of", "left_out", "loaders_of", "make_folder", "members", "places", "postings_of",
           "read_or_skip", "read_places", "sync", "text_sha1", "unreadable", "unseen",
           "write_generation"]
