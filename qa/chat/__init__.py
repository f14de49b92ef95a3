"""Conversations: follow-up questions read in the light of the turns before them."""

from qa.chat.conversation import Conversation
from qa.chat.followups import Turn, standalone
from qa.chat.names import Entity, Mention, Names, WordProfile

__all__ = ["Conversation", "Entity", "Mention", "Names", "Turn", "WordProfile", "standalone"]
