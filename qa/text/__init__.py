"""Text utilities every layer uses: word tokens, and text from outside made safe."""

from qa.text.clean import MAX_QUESTION_CHARS, clean_question, safe
from qa.text.tokens import STOPWORDS, terms, words

__all__ = ["MAX_QUESTION_CHARS", "STOPWORDS", "clean_question", "safe", "terms", "words"]
