"""Real-shaped messy corpora for robustness tests: the shape of real multi-outlet coverage, invented text.

The bundled sample corpus is a demo with a handful of tidy outlets. Real coverage is long-tailed (most
outlets have a few articles, many exactly one), carries coarser groups than outlets (lean, country),
covers the same events in several outlets, and arrives with mixed and broken dates, extra columns, HTML
entities, every kind of quotation mark and outlet names that are awkward as file names. This module
writes such corpora, deterministically for a seed, and returns the facts it planted so tests can check
that nothing was lost, doubled or mixed.

Every sentence is written here (templates filled from small word lists); nothing is taken from
``../shared``.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> facts = write_corpus(d / "c.csv", n_outlets=12, seed=1)
>>> facts["n_rows"] == sum(facts["outlet_docs"].values())
True
>>> sum(1 for n in facts["outlet_docs"].values() if n == 1) >= 4
True
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

__all__ = ["AWKWARD_OUTLETS", "BROKEN_DATES", "make_records", "write_corpus"]

# outlet names that are awkward as file names, in spreadsheets or in markup (kept as real corpora have them)
AWKWARD_OUTLETS = [
    "A/B News",
    "A B News",
    "A:B News",
    "A_B News",
    "=Equals Daily",
    "+Plus Wire",
    "-Minus Post",
    "@At Media",
    "Ação Diária",
    "Le Quotidien « Matin »",
    "Tom & Jerry's <Gazette>",
    "日本ニュース",
]

# dates that must never abort a run: each becomes missing (or is read) with a load-report entry
BROKEN_DATES = [
    "0001-11-30",     # out of pandas' nanosecond range
    "9999-12-31",     # out of range too
    "not a date",
    "2026-13-45",     # impossible month and day
    "31/02/2026",     # impossible day
    "now",            # relative word
    "today",
    "yesterday",
    "n/a",
    "0000-00-00",
    "1e9",
    "2026-02-30T25:61:00",
]

_LEANS = ["left", "centre", "right"]
_COUNTRIES = ["US", "UK", "DE", "FR", "IN"]
_TOPICS = ["security", "economy", "health", "politics"]

_STORY_WORDS = [
    ("reservoir", "dam", "floodgates", "valley"),
    ("pipeline", "refinery", "tanker", "harbour"),
    ("embassy", "convoy", "checkpoint", "border"),
    ("vaccine", "clinic", "outbreak", "ward"),
    ("election", "ballots", "recount", "precinct"),
    ("bridge", "collapse", "girders", "river"),
    ("wildfire", "evacuation", "ridge", "smoke"),
    ("strike", "union", "factory", "wages"),
    ("satellite", "launch", "orbit", "debris"),
    ("drought", "harvest", "grain", "farmers"),
    ("cyberattack", "servers", "ransom", "hospital"),
    ("summit", "delegates", "communique", "treaty"),
]

_SOURCES_ANON = ["one official", "a senior official", "anonymous officials", "two people familiar with the matter",
                 "a source close to the talks", "officials"]
_SOURCES_NAMED = ["Gen. Marta Ilves", "Sen. Rob Tanaka", "Dr. Ines Okafor", "the ministry", "the Pentagon",
                  "Mayor Jo Lindqvist"]
_SOURCES_VAGUE = ["some experts", "critics", "many analysts", "observers"]
_HEDGES = ["may", "might", "could", "appears to", "seems to", "is likely to", "possibly", "reportedly"]
_ABSENCE = ["There is no evidence that", "There were no specific indications that", "It is not yet clear whether",
            "Nobody has confirmed that"]
_BOOSTERS = ["clearly", "almost certainly", "without doubt", "undeniably"]
_QUOTES = [("\u201c", "\u201d"), ('"', '"'), ("\u2018", "\u2019"), ("\u00ab ", " \u00bb"), ("\u201e", "\u201c"),
           ("``", "''"), ("'", "'")]
_ENTITIES = ["&amp;", "&quot;", "&#8217;", "&nbsp;", "&lt;b&gt;", "&#x2014;"]


def _outlet_names(n: int, rng: random.Random) -> list[str]:
    stems = ["Courier", "Ledger", "Herald", "Tribune", "Dispatch", "Observer", "Chronicle", "Gazette", "Wire",
             "Post", "Times", "Record", "Sentinel", "Monitor", "Beacon", "Review", "Echo", "Journal"]
    places = ["North", "River", "Harbor", "Capital", "Valley", "Metro", "Coast", "Prairie", "Summit", "Lake",
              "Delta", "Eastern", "Western", "Central", "Island", "Highland"]
    names = list(AWKWARD_OUTLETS[: max(0, min(len(AWKWARD_OUTLETS), n // 5))])
    seen = set(names)
    while len(names) < n:
        name = f"{rng.choice(places)} {rng.choice(stems)}"
        if name in seen:
            name = f"{name} {len(names)}"
        seen.add(name)
        names.append(name)
    return names


def _doc_counts(n_outlets: int, single_share: float, max_docs: int, rng: random.Random) -> list[int]:
    """A long tail: ``single_share`` of the outlets have one article, the rest Zipf-like up to ``max_docs``."""
    n_single = round(n_outlets * single_share)
    counts = []
    for rank in range(n_outlets - n_single):
        counts.append(max(2, int(max_docs / (rank + 1) ** 0.9)))
    counts += [1] * n_single
    rng.shuffle(counts)
    return counts


def _date(day: int, style: int) -> str:
    """Day ``day`` of 2026 (0-based, < 300) written in one of several real formats."""
    import datetime as _dt

    d = _dt.date(2026, 1, 1) + _dt.timedelta(days=day)
    return [
        d.isoformat(),
        f"{d.month}/{d.day}/{d.year % 100:02d}",          # 8/29/26, US two-digit year
        d.strftime("%B %d, %Y"),                          # March 04, 2026
        f"{d.isoformat()}T{(day * 7) % 24:02d}:15:00Z",   # timestamp
        d.strftime("%d %b %Y"),                           # 04 Mar 2026
    ][style % 5]


def _sentence(rng: random.Random, words: tuple, p_hedge: float) -> str:
    w = rng.choice(words)
    w2 = rng.choice(words)
    kind = rng.random()
    q = rng.choice(_QUOTES)
    if kind < 0.25:
        src = rng.choice(_SOURCES_ANON + _SOURCES_NAMED + _SOURCES_VAGUE)
        verb = rng.choice(["said", "told reporters", "warned", "told the paper", "said in a statement"])
        hedge = rng.choice(_HEDGES) if rng.random() < p_hedge else "will"
        return f"{src[0].upper() + src[1:]} {verb} that the {w} {hedge} affect the {w2}."
    if kind < 0.4:
        hedge = rng.choice(_HEDGES) if rng.random() < p_hedge else "will"
        src = rng.choice(_SOURCES_ANON + _SOURCES_NAMED)
        return f"{q[0]}The {w} {hedge} not hold much longer,{q[1]} {src} said."
    if kind < 0.5:
        return f"{rng.choice(_ABSENCE)} the {w} was targeted."
    if kind < 0.58:
        return f"The {w} is {rng.choice(_BOOSTERS)} the largest in the region, according to {rng.choice(_SOURCES_NAMED)}."
    if kind < 0.65:
        return f"Officials described the {w} as {q[0]}secure{q[1]}, a claim residents dispute."
    if kind < 0.72:
        return f"Residents near the {w} {rng.choice(_ENTITIES)} the {w2} met on Tuesday{rng.choice(['.', '!', '?'])}"
    n = rng.randint(2, 900)
    if rng.random() < p_hedge:
        return f"About {n} people {rng.choice(_HEDGES)} have been near the {w} when the {w2} was closed."
    return f"Some {n} people were near the {w} when the {w2} was closed."


def make_records(n_outlets: int = 60, seed: int = 0, single_share: float = 1 / 3, max_docs: int = 30,
                 n_stories: int = 8, story_share: float = 0.5, broken_share: float = 0.04,
                 sentences: tuple[int, int] = (4, 10), long_texts: int = 0,
                 long_words: int = 20000) -> tuple[list[dict], dict]:
    """The rows of a real-shaped corpus and the facts planted in them.

    Parameters
    ----------
    n_outlets : int
        Number of outlets; about ``single_share`` of them have exactly one article.
    seed : int
        Everything is deterministic for a seed.
    max_docs : int
        Articles of the largest outlet (a Zipf-like tail below it).
    n_stories : int
        Planted stories (events with their own vocabulary and a date window), each covered by several
        outlets; about ``story_share`` of the articles belong to one.
    broken_share : float
        Share of rows whose date is one of :data:`BROKEN_DATES`.
    long_texts : int
        Articles (the first rows) whose body is replaced by one paragraph of about ``long_words`` words
        without a full stop: the clauses of the other sentences joined by commas, as a transcript, a
        list or scraped text arrives (every other row is the same as without them).

    Returns
    -------
    rows : list of dict
        Columns ``id, publisher, published, headline, body, lean, country, topic, url, word_count`` (names a
        real export uses: the loader must find them by its synonyms) in a shuffled order.
    facts : dict
        ``n_rows``, ``outlet_docs`` (outlet -> articles), ``outlet_lean``, ``outlet_country``, ``story_of``
        (doc id -> story number or None), ``broken_dates`` (doc id -> value), ``single_outlets``,
        ``outlet_hedge_p`` (the planted probability of a hedged clause per outlet), ``long_ids`` (the
        articles without full stops).
    """
    rng = random.Random(seed)
    outlets = _outlet_names(n_outlets, rng)
    counts = _doc_counts(n_outlets, single_share, max_docs, rng)
    lean = {o: _LEANS[i % 3] for i, o in enumerate(outlets)}
    country = {o: _COUNTRIES[rng.randrange(len(_COUNTRIES))] for o in outlets}
    # planted outlet styles: a group effect by lean plus an outlet effect
    base = {"left": 0.25, "centre": 0.35, "right": 0.5}
    hedge_p = {o: min(0.95, max(0.02, base[lean[o]] + rng.gauss(0, 0.08))) for o in outlets}
    stories = [(_STORY_WORDS[k % len(_STORY_WORDS)], rng.randrange(0, 240)) for k in range(n_stories)]
    rows, story_of, broken = [], {}, {}
    k = 0
    for o, n in zip(outlets, counts):
        for j in range(n):
            k += 1
            doc_id = f"rs-{k:05d}"
            if rng.random() < story_share and stories:
                s = rng.randrange(len(stories))
                words, day0 = stories[s]
                day = day0 + rng.randrange(0, 4)
                story_of[doc_id] = s
                w = rng.sample(list(words), 4)
                title = rng.choice([
                    (f"{w[0].capitalize()} {rng.choice(['crisis', 'update', 'latest', 'questions'])}: "
                     f"what we know about the {w[1]} and the {w[2]}"),
                    f"Officials weigh response as {w[0]} concerns grow",
                    f"Residents react to {w[1]} news",
                    f"{rng.choice(['Day two', 'Explainer', 'Analysis'])}: the {w[3]} and what comes next",
                ])
                words = tuple(w)
            else:
                words = tuple(rng.sample(["council", "budget", "school", "market", "festival", "museum", "road",
                                          "park", "library", "station", "stadium", "port"], 4))
                day = rng.randrange(0, 290)
                story_of[doc_id] = None
                title = f"The {words[0]} and the {words[1]}"
            n_sent = rng.randint(*sentences)
            lead = f"The {words[0]} and the {words[1]} dominated {rng.choice(['Monday', 'Tuesday', 'Friday'])}."
            body = [lead] + [_sentence(rng, words, hedge_p[o]) for _ in range(n_sent)]
            paras, cur = [], []
            for sent in body:
                cur.append(sent)
                if rng.random() < 0.3:
                    paras.append(" ".join(cur))
                    cur = []
            if cur:
                paras.append(" ".join(cur))
            if rng.random() < broken_share:
                date = rng.choice(BROKEN_DATES)
                broken[doc_id] = date
            else:
                date = _date(day, rng.randrange(5))
            rows.append({
                "id": doc_id,
                "publisher": o,
                "published": date,
                "headline": title,
                "body": "\n\n".join(paras),
                "lean": lean[o],
                "country": country[o],
                "topic": rng.choice(_TOPICS),
                "url": f"https://example.org/{k}?a=1&b=2",
                "word_count": str(sum(len(p.split()) for p in paras)),
            })
    rng.shuffle(rows)
    long_rng = random.Random(seed + 7919)  # its own generator: the other rows do not change
    for r in rows[:long_texts]:
        clauses, n_words = [], 0
        while n_words < long_words:
            c = _sentence(long_rng, ("port", "road", "station"), 0.5).rstrip(".!?")
            clauses.append(c)
            n_words += len(c.split())
        r["body"] = ", ".join(clauses)
        r["word_count"] = str(n_words)
    outlet_docs = dict(zip(outlets, counts))
    facts = {
        "n_rows": len(rows),
        "outlet_docs": outlet_docs,
        "outlet_lean": lean,
        "outlet_country": country,
        "story_of": story_of,
        "broken_dates": broken,
        "single_outlets": sorted(o for o, n in outlet_docs.items() if n == 1),
        "outlet_hedge_p": hedge_p,
        "columns": list(rows[0]) if rows else [],
        "long_ids": [r["id"] for r in rows[:long_texts]],
    }
    return rows, facts


def write_corpus(path, fmt: str | None = None, **kwargs) -> dict:
    """Write a real-shaped corpus to ``path`` and return the planted facts (see :func:`make_records`).

    ``fmt`` is ``csv``, ``tsv``, ``jsonl`` or ``txt`` (a folder of ``<id>.txt`` files with a
    ``metadata.csv``); by default it is taken from the suffix of ``path`` (a path without one is a txt
    folder). Keyword arguments go to :func:`make_records`. ``facts["path"]`` is the path to load.
    """
    path = Path(path)
    fmt = fmt or (path.suffix.lstrip(".") or "txt")
    rows, facts = make_records(**kwargs)
    cols = facts["columns"]
    if fmt in ("csv", "tsv"):
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, delimiter="," if fmt == "csv" else "\t")
            w.writeheader()
            w.writerows(rows)
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    elif fmt == "txt":
        path.mkdir(parents=True, exist_ok=True)
        meta = [c for c in cols if c != "body"]
        with open(path / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=meta)
            w.writeheader()
            for r in rows:
                w.writerow({c: r[c] for c in meta})
        for r in rows:
            (path / f"{r['id']}.txt").write_text(r["body"], encoding="utf-8")
    else:
        raise ValueError(f"unknown corpus format {fmt!r}: csv, tsv, jsonl or txt")
    facts["path"] = path
    facts["format"] = fmt
    return facts
