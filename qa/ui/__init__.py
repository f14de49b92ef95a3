"""What a person sees: the command line, the terminal chat, rendering, question-set scoring."""
