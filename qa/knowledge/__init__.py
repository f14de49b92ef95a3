"""What a corpus teaches at index time: acronyms, people's names and roles, who said what."""

from qa.knowledge.analysis import (
    VERSION,
    Analysis,
    analyze,
    analyze_parts,
    as_typed,
    describes,
    for_store,
    initials,
)

__all__ = ["VERSION", "Analysis", "analyze", "analyze_parts", "as_typed", "describes",
           "for_store", "initials"]
