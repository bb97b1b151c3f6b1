"""Attribution highlighting: sources, cues and content marked distinctly, everything escaped."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.measure.attribution import attributions_frame
from analysis.report.highlight import highlight_attributions


def test_roles_are_marked_distinctly_and_text_is_escaped():
    text = "One official told CNN that <script>alert(1)</script> attacks may come."
    a = attributions_frame(pd.DataFrame({"doc_id": ["d"], "text": [text]}))
    out = highlight_attributions(text, a, title="<b>T</b>")
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;T&lt;/b&gt;" in out
    # each role has its own class and hover text; the source carries its type
    assert 'class="mfa-source"' in out and 'class="mfa-cue"' in out and 'class="mfa-content"' in out
    assert "source of attribution 0 (anonymous)" in out
    assert out.index('class="mfa-source"') < out.index('class="mfa-cue"') < out.index('class="mfa-content"')


def test_overlapping_roles_are_split_not_nested():
    text = "Officials said he told them it was over."
    a = pd.DataFrame({"attribution": [0, 1], "cue_start": [10, 18], "cue_end": [14, 22],
                      "source_start": [0, 15], "source_end": [9, 17], "content_start": [15, 28],
                      "content_end": [39, 39], "source_type": ["anonymous", "pronoun"]})
    out = highlight_attributions(text, a)
    # "he" is the source of attribution 1 inside the content of attribution 0: one piece, both roles
    assert 'class="mfa-content mfa-source"' in out
    assert "content of attribution 0; source of attribution 1 (pronoun)" in out


def test_offsets_outside_the_text_are_refused():
    a = pd.DataFrame({"attribution": [0], "cue_start": [0], "cue_end": [99], "source_start": [-1],
                      "source_end": [-1], "content_start": [-1], "content_end": [-1], "source_type": [""]})
    with pytest.raises(ValueError, match="outside the text"):
        highlight_attributions("short", a)
