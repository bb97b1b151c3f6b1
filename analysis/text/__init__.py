"""Text stage: reading corpora and splitting text into paragraphs, sentences and tokens with offsets."""
