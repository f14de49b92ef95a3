"""How a line gives the chat a command rather than a question, in one place: the chat
(qa.ui.repl) runs the command, a pipe or a question file (qa.ui.cli) skips it or stops. Kept
apart from the chat so that reading a pipe does not load prompt_toolkit."""

from __future__ import annotations

# The words that leave the chat, as a command (":quit", "/q") or typed alone ("exit").
LEAVE = ("quit", "exit", "q")
_BARE = (*LEAVE, "more")


def chat_command(text: str) -> str | None:
    """The command a line gives the chat (":new" -> "new", "/quit" -> "quit", "exit" ->
    "exit", ":" -> ""), None for a question. No question starts with ":" or with "/" and a
    letter."""
    text = text.strip()
    if text[:1] == ":" or (text[:1] == "/" and text[1:2].isalpha()):
        return text[1:].split(" ", 1)[0].lower()
    word = text.lower().rstrip(".!")
    return word if word in _BARE else None


__all__ = ["LEAVE", "chat_command"]
