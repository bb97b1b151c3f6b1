"""Evaluating the attribution extractor: the metrics on a hand-made gold and the CLI on PolNeAR dev."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from analysis.validate.attribution import evaluate_attributions


def test_metrics_on_a_small_gold():
    t1 = "One official told CNN that attacks may be possible. The weather was fine."
    t2 = "It rained."
    arts = pd.DataFrame({"doc_id": ["a", "b"], "text": [t1, t2]})
    cue = t1.index("told")
    gold = {
        "a": [{"cue": [(cue, cue + 4)], "source": [(0, 12)], "content": [(t1.index("attacks"), t1.index("."))]}],
        "b": [],
    }
    res = evaluate_attributions(arts, gold)
    assert res["sentence"]["tp"] == 1 and res["sentence"]["fp"] == 0 and res["n_sentences"] == 3
    assert res["cue_exact"]["f1"] == 1.0 and res["source_exact"]["f1"] == 1.0
    assert res["content_exact"]["f1"] == 1.0
    # a gold attribution the extractor cannot see ("The weather was fine" has no cue) is a miss
    gold["a"].append({"cue": [(t1.index("was"), t1.index("was") + 3)], "source": [], "content": []})
    res = evaluate_attributions(arts, gold)
    assert res["sentence"]["fn"] == 1 and res["cue_exact"]["recall"] == 0.5


def test_cli_polnear_dev(shared_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "evaluate", str(shared_dir / "data" / "polnear"), "--format", "polnear",
         "--split", "dev", "--task", "attribution"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["n_documents"] == 84
    assert res["f1"] >= 0.80  # the aim; measured 0.861
    for role in ("cue", "source", "content"):
        assert res[f"{role}_overlap"]["f1"] >= res[f"{role}_exact"]["f1"] > 0.2
