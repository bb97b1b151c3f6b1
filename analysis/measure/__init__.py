"""Measure stage: matching lexicons against tokenized text, scoring documents, labelling voice."""
