"""Lexicon stage: the lexicon model, the pattern language, file formats and the built-in lexicons."""
