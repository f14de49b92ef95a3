"""What a corpus teaches at index time: acronyms, people's names and roles, who said what."""

from qa.knowledge.acronyms import initials
from qa.knowledge.analysis import Analysis, analyze, as_typed
from qa.knowledge.describe import describes
from qa.knowledge.stored import (
    VERSION,
    IndexedDocument,
    StoredAnalysis,
    analyze_parts,
    for_store,
    from_extras,
    is_current,
    to_extras,
)

__all__ = ["VERSION", "Analysis", "IndexedDocument", "StoredAnalysis", "analyze", "analyze_parts", "as_typed",
           "describes", "for_store", "from_extras", "initials", "is_current", "to_extras"]
