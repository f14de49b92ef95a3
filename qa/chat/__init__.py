"""Conversations: follow-up questions read in the light of the turns before them."""

from qa.chat.conversation import Conversation, Entity, Names, Turn

__all__ = ["Conversation", "Entity", "Names", "Turn"]
