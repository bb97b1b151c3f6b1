"""Trained models shipped with the package, as checksummed JSON (never pickle).

``attribution.json``: the cue model of :mod:`analysis.measure.attribution`, trained on PolNeAR train
and chosen on PolNeAR dev (docs/attribution.md); load it with
:func:`analysis.measure.attribution.load_attribution_model`.
"""
