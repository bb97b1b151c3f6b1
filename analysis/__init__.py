"""media-framing-analysis."""
