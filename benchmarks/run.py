"""Speed and memory of our scorer against the floor and the usual Python tools, on the same real text.

One command: ``python benchmarks/run.py [--sizes 1e5,1e6,1e7] [--lexicon-sizes 100,1000,10000] [--repeat 3] [--quick]``.

The corpus is built by resampling real sentences: the PolNeAR articles in ``../shared/data/polnear``
when present (sentences found with :func:`analysis.text.tokenize.sentence_spans`), else the bundled
sample corpus. It is written to a temporary folder only (never into the repository). Every method runs
in its own subprocess on the same corpus file, so peak memory (``ru_maxrss``) is that method's alone;
the time excludes interpreter start-up, imports and loading the corpus (the same for all), and
includes everything the method needs to produce its matches from the texts. Tokens are counted the
same way for every method: the number of ``\\w+`` runs (the floor's own count).

Slow methods are timed on at most ``--slow-cap`` tokens (a prefix of the corpus) at the large sizes;
the table says so. The results table is printed and written into ``benchmarks/README.md`` between the
``<!-- results -->`` markers.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

WORD_RE = re.compile(r"\w+")
SLOW = {"spacy", "nltk", "liwc", "sklearn", "flashtext", "aho"}

# method -> (what it is, wildcards, phrases, gaps, offsets)
METHODS = {
    "floor": ("bare `for m in re.finditer(r\"\\w+\", text)` pass", "-", "-", "-", "-"),
    "ours": ("analysis.measure.scoring.score, 1 process (full path: sentences, tokens, all categories, match rows)",
             "yes", "yes", "yes", "yes"),
    "ours_2proc": ("score_parallel(jobs=2): this process and one forked worker (start-up included)", "yes", "yes", "yes",
                   "yes"),
    "ours_dask": ("score_dask on a LocalCluster, 2 worker processes (cluster start-up excluded)", "yes", "yes", "yes",
                  "yes"),
    "ours_stream": ("python -m analysis score FILE --chunk-size 2000 --format parquet (reads the file, writes outputs)",
                    "yes", "yes", "yes", "yes"),
    "flashtext": ("flashtext KeywordProcessor, literal phrases, span_info=True", "no", "yes", "no", "yes"),
    "aho": ("pyahocorasick on lower-cased text + word-boundary checks, literal phrases", "no", "yes", "no", "yes"),
    "spacy": ("spaCy PhraseMatcher(attr=LOWER) on spacy.blank('en')", "no", "yes", "no", "yes"),
    "sklearn": ("scikit-learn CountVectorizer, single-word literals as vocabulary", "no", "no", "no", "no"),
    "liwc": ("liwc package, single words and trailing-* globs (.dic), \\w+ tokens", "prefix*", "no", "no", "no"),
    "nltk": ("NLTK Punkt (our abbreviations) + TreebankWordTokenizer + n-gram dict lookup", "no", "yes", "no",
             "no"),
}


# -- corpus and lexicons ------------------------------------------------------------------------------


def real_sentences():
    from analysis.paths import POLNEAR_DIR, SAMPLE_CORPUS
    from analysis.text.tokenize import sentence_spans

    files = sorted(POLNEAR_DIR.glob("*/text/*.txt")) if POLNEAR_DIR.is_dir() else []
    sents = []
    if files:
        for f in files:
            t = f.read_text(encoding="utf-8", errors="replace")
            sents += [t[a:b].replace("\n", " ") for a, b in sentence_spans(t)]
        return sents, f"PolNeAR ({len(files)} articles, {len(sents)} sentences, resampled)"
    from analysis.text.corpus import load_corpus

    corpus, _ = load_corpus(SAMPLE_CORPUS)
    for t in corpus["text"]:
        sents += [t[a:b].replace("\n", " ") for a, b in sentence_spans(t)]
    return sents, f"bundled sample corpus ({len(corpus)} articles, {len(sents)} sentences, resampled)"


def build_corpus(sentences, n_tokens, seed=20260101, per_doc=25):
    rng = random.Random(seed)
    lens = [len(WORD_RE.findall(s)) for s in sentences]
    docs, total = [], 0
    while total < n_tokens:
        idx = [rng.randrange(len(sentences)) for _ in range(per_doc)]
        docs.append(" ".join(sentences[i] for i in idx))
        total += sum(lens[i] for i in idx)
    return docs, total


def write_corpus(docs, path):
    import pandas as pd

    outlets = [f"outlet{i % 5}" for i in range(len(docs))]
    pd.DataFrame({"doc_id": [f"d{i:07d}" for i in range(len(docs))], "outlet": outlets, "text": docs}).to_parquet(
        path, row_group_size=2000)


def sized_lexicons(n_entries, vocab_source):
    """Built-in lexicons cut or grown to ``n_entries`` entries; growth uses real words and bigrams."""
    from analysis.lexicons.model import load_lexicons

    lexicons = load_lexicons(None)
    total = sum(len(lx.entries) for lx in lexicons)
    if n_entries is None or n_entries == total:
        return lexicons
    if n_entries < total:
        keep, out = n_entries, []
        for lx in lexicons:
            cats = {}
            for name, cat in lx.categories.items():
                take = cat.entries[: max(0, keep)]
                keep -= len(take)
                if take:
                    cats[name] = replace(cat, entries=take)
            if cats:
                out.append(replace(lx, categories=cats, path=""))
        return out
    words, bigrams = vocab_source
    extra = n_entries - total
    n_words = extra // 2
    w = words[:n_words]
    b = bigrams[: extra - len(w)]
    lx = lexicons[-1]
    lx = lx.add_entries(f"{lx.name}.generated_words", w).add_entries(f"{lx.name}.generated_phrases", b)
    return lexicons[:-1] + [lx]


def vocabulary(sentences, skip=1000, rare=False):
    """Real words and bigrams of the text, to grow a lexicon with.

    ``rare=False``: by frequency, skipping the ``skip`` most frequent, so the entries match often (a large
    dictionary in the style of LIWC). ``rare=True``: the least frequent first (words seen once, bigrams
    seen twice), so the entries seldom match and the time measures the lexicon's size, not the number of
    matches it produces.
    """
    wc, bc = Counter(), Counter()
    for s in sentences:
        toks = [t.lower() for t in WORD_RE.findall(s) if t.isalpha()]
        wc.update(toks)
        bc.update(f"{a} {b}" for a, b in itertools.pairwise(toks))
    if rare:
        words = sorted((w for w, c in wc.items() if c == 1 and len(w) > 2))
        bigrams = sorted((b for b, c in bc.items() if c == 2))
        return words, bigrams
    words = [w for w, _ in wc.most_common()[skip:] if len(w) > 2]
    bigrams = [b for b, c in bc.most_common()[skip:] if c > 1]
    return words, bigrams


def _compiled_entries(lexicons):
    """(category, compiled pattern) of every entry (the lexicon's own compile cache)."""
    for lx in lexicons:
        for cname, cat in lx.categories.items():
            for e in cat.entries:
                yield cname, lx.compile_entry(e)


def literal_phrases(lexicons, limit=64):
    """Every entry that is a fixed token sequence, expanded over alternatives: ``{phrase: category}``."""
    out = {}
    for cname, pat in _compiled_entries(lexicons):
        choices = []
        for el in pat.elements:
            if el.kind not in ("lit", "alt") or el.globs or el.lo != 1 or el.hi != 1:
                choices = None
                break
            choices.append(sorted(el.values))
        if not choices:
            continue
        for combo in itertools.islice(itertools.product(*choices), limit):
            out.setdefault(" ".join(combo), cname)
    return out


def single_words(lexicons):
    """Single-token entries for the one-word tools: literals, plus trailing-* globs for LIWC."""
    words, globs = {}, {}
    for cname, pat in _compiled_entries(lexicons):
        if len(pat.elements) != 1:
            continue
        el = pat.elements[0]
        for v in el.values:
            if WORD_RE.fullmatch(v):
                words.setdefault(v, cname)
        for g in el.globs:
            if g.endswith("*") and WORD_RE.fullmatch(g[:-1]):
                globs.setdefault(g, cname)
    return words, globs


# -- the methods (run inside a worker subprocess) -------------------------------------------------------


def m_floor(texts, lex):
    n = 0
    for t in texts:
        for _m in WORD_RE.finditer(t):
            n += 1
    return n


def m_ours(texts, lex, corpus):
    from analysis.measure.matching import Matcher
    from analysis.measure.scoring import score

    matcher = Matcher(lex)
    t0 = time.perf_counter()
    res = score(corpus, matcher=matcher)
    return len(res.matches), time.perf_counter() - t0


def m_ours_2proc(texts, lex, corpus):
    from analysis.scale.parallel import score_parallel

    t0 = time.perf_counter()
    res = score_parallel(corpus, lex, jobs=2)
    return len(res.matches), time.perf_counter() - t0


def m_ours_dask(texts, lex, corpus):
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from analysis.scale.distributed import score_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        t0 = time.perf_counter()
        ddf = dd.from_pandas(corpus, npartitions=max(4, len(corpus) // 2000))
        matches, documents = score_dask(ddf, lex)
        m, _d = dask.compute(matches, documents)
        return len(m), time.perf_counter() - t0


def m_flashtext(texts, lex):
    from flashtext import KeywordProcessor

    kp = KeywordProcessor(case_sensitive=False)
    for phrase, cat in literal_phrases(lex).items():
        kp.add_keyword(phrase, cat)
    return sum(len(kp.extract_keywords(t, span_info=True)) for t in texts)


def m_aho(texts, lex):
    import ahocorasick

    auto = ahocorasick.Automaton()
    for phrase, cat in literal_phrases(lex).items():
        auto.add_word(phrase, (len(phrase), cat))
    auto.make_automaton()
    n = 0
    for t in texts:
        low = t.lower()
        size = len(low)
        for end, (length, _cat) in auto.iter(low):
            start = end - length + 1
            if (start == 0 or not low[start - 1].isalnum()) and (end + 1 == size or not low[end + 1].isalnum()):
                n += 1
    return n


def m_spacy(texts, lex):
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    pm = PhraseMatcher(nlp.vocab, attr="LOWER")
    phrases = literal_phrases(lex)
    by_cat = {}
    for phrase, cat in phrases.items():
        by_cat.setdefault(cat, []).append(nlp.make_doc(phrase))
    for cat, docs in by_cat.items():
        pm.add(cat, docs)
    return sum(len(pm(doc)) for doc in nlp.pipe(texts, batch_size=256))


def m_sklearn(texts, lex):
    from sklearn.feature_extraction.text import CountVectorizer

    words, _ = single_words(lex)
    cv = CountVectorizer(vocabulary=sorted(words), lowercase=True, token_pattern=r"(?u)\b\w+\b")
    return int(cv.transform(texts).sum())


def m_liwc(texts, lex):
    import liwc

    words, globs = single_words(lex)
    cats = sorted(set(words.values()) | set(globs.values()))
    num = {c: i + 1 for i, c in enumerate(cats)}
    with tempfile.NamedTemporaryFile("w", suffix=".dic", delete=False, encoding="utf-8") as fh:
        fh.write("%\n" + "".join(f"{num[c]}\t{c}\n" for c in cats) + "%\n")
        for w, c in sorted({**words, **globs}.items()):
            fh.write(f"{w}\t{num[c]}\n")
        dic = fh.name
    parse, _names = liwc.load_token_parser(dic)
    os.unlink(dic)
    n = 0
    for t in texts:
        n += sum(1 for tok in WORD_RE.findall(t.lower()) for _c in parse(tok))
    return n


def m_nltk(texts, lex):
    from nltk.tokenize import TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    from analysis.text.tokenize import ABBREVIATIONS

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    punkt = PunktSentenceTokenizer(params)
    tb = TreebankWordTokenizer()
    phrases = {tuple(p.split()): c for p, c in literal_phrases(lex).items()}
    maxlen = max(len(p) for p in phrases)
    n = 0
    for t in texts:
        for sent in punkt.tokenize(t):
            toks = [w.lower() for w in tb.tokenize(sent)]
            for i in range(len(toks)):
                for k in range(1, maxlen + 1):
                    if tuple(toks[i : i + k]) in phrases:
                        n += 1
    return n


def m_ours_stream(path, lex_size):
    out = tempfile.mkdtemp(prefix="mfa-bench-out-")
    cmd = [sys.executable, "-c", _STREAM_CHILD, "score", str(path), "--out", out, "--chunk-size", "2000",
           "--format", "parquet", "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    m_ours_stream.peak = json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"]
    import pandas as pd

    n = len(pd.read_parquet(Path(out) / "matches.parquet", columns=["doc_id"]))
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    return n, dt


def peak_mb():
    """This process's peak RSS in MB. ``VmHWM`` belongs to this process's own address space; ``ru_maxrss``
    on Linux is carried over from the parent across fork/exec, which would charge the driver's memory to
    every method."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_STREAM_CHILD = (
    "import sys, json\n"
    "from analysis.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "print(json.dumps({'peak_mb': int(hwm[0].split()[1]) / 1024 if hwm else None}))\n"
    "sys.exit(rc)\n"
)


def worker(args):
    import pandas as pd

    vocab = None
    if args.lexicon_size:
        vocab = json.loads(Path(args.vocab).read_text()) if args.vocab else None
    from analysis.lexicons.model import load_lexicons

    lex = sized_lexicons(args.lexicon_size, vocab) if args.lexicon_size else load_lexicons(None)
    n_entries = sum(len(lx.entries) for lx in lex)
    if args.method == "ours_stream":
        n, dt = m_ours_stream(args.corpus, args.lexicon_size)
        rss = m_ours_stream.peak
        tokens = int(pd.read_parquet(args.corpus.replace(".parquet", ".tokens.parquet"))["n"].sum())
        print(json.dumps({"seconds": dt, "tokens": tokens, "matches": n, "peak_mb": rss, "entries": n_entries,
                          "base_mb": 0}))
        return
    corpus = pd.read_parquet(args.corpus)
    if args.max_tokens:
        counts = pd.read_parquet(args.corpus.replace(".parquet", ".tokens.parquet"))["n"].cumsum()
        corpus = corpus.iloc[: int((counts < args.max_tokens).sum()) + 1]
    texts = corpus["text"].tolist()
    tokens = sum(len(WORD_RE.findall(t)) for t in texts)
    base = peak_mb()
    fn = globals()[f"m_{args.method}"]
    if args.method in ("ours", "floor") or args.method in SLOW:
        # warm-up on one document: imports, lazy initialisation and caches are not what we measure
        fn(texts[:1], lex, corpus.iloc[:1]) if args.method == "ours" else fn(texts[:1], lex)
    if args.method.startswith("ours"):
        n, dt = fn(texts, lex, corpus)
    else:
        t0 = time.perf_counter()
        n = fn(texts, lex)
        dt = time.perf_counter() - t0
    peak = peak_mb()
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "tokens": tokens, "matches": int(n), "peak_mb": peak, "base_mb": base,
                      "worker_mb": child, "entries": n_entries}))


# -- driver ---------------------------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        pass
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "python": platform.python_version(),
            "platform": platform.platform(), "load_at_start": load}


def run_one(method, corpus_path, lexicon_size=None, vocab=None, max_tokens=None, timeout=3600):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", method, "--corpus", str(corpus_path)]
    if lexicon_size:
        cmd += ["--lexicon-size", str(lexicon_size), "--vocab", str(vocab)]
    if max_tokens:
        cmd += ["--max-tokens", str(int(max_tokens))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _better(kept, new):
    """The faster of two runs of one measurement (an error only when every run failed)."""
    if kept is None or "seconds" not in kept:
        return new if "seconds" in new or kept is None else kept
    if "seconds" in new and new["seconds"] < kept["seconds"]:
        new.setdefault("flashtext_seconds", kept.get("flashtext_seconds"))
        return new
    return kept


def fmt_num(x):
    return f"{x:,.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e5,1e6,1e7", help="corpus sizes in tokens (comma-separated)")
    ap.add_argument("--lexicon-sizes", default="100,1000,10000", help="lexicon sizes in entries")
    ap.add_argument("--lexicon-corpus", type=float, default=1e6, help="corpus size for the lexicon-size runs")
    ap.add_argument("--lexicon-growth", default="frequent,rare",
                    help="how the lexicon grows: frequent (entries that match often), rare (entries that seldom match)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of every measurement, interleaved; the best is kept")
    ap.add_argument("--slow-cap", type=float, default=1e6, help="tokens at most for the slow peer tools")
    ap.add_argument("--methods", default=",".join(METHODS), help="methods to run")
    ap.add_argument("--quick", action="store_true", help="tiny run (a smoke test): 2e4 tokens, few methods")
    ap.add_argument("--no-readme", action="store_true", help="do not write benchmarks/README.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--lexicon-size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--vocab", help=argparse.SUPPRESS)
    ap.add_argument("--max-tokens", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.method = args.worker
        return worker(args)
    if args.quick:
        args.sizes, args.lexicon_sizes, args.lexicon_corpus, args.repeat = "2e4", "100,1000", 2e4, 1
        if args.methods == ",".join(METHODS):
            args.methods = "floor,ours,flashtext,aho,sklearn"
        args.no_readme = True
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    lex_sizes = [int(float(s)) for s in args.lexicon_sizes.split(",") if s]
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        ap.error(f"unknown methods: {', '.join(sorted(unknown))}")
    import pandas as pd

    info = machine()
    info["repeat"] = args.repeat
    sents, source = real_sentences()
    tmp = Path(tempfile.mkdtemp(prefix="mfa-bench-"))
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, Python {info['python']}, "
          f"load average at start {info['load_at_start']}", file=sys.stderr)
    print(f"text: {source}", file=sys.stderr)
    rows = []
    corpora = {}
    for size in sorted(set(sizes + [int(args.lexicon_corpus)])):
        docs, total = build_corpus(sents, size)
        path = tmp / f"corpus-{size}.parquet"
        write_corpus(docs, path)
        pd.DataFrame({"n": [len(WORD_RE.findall(d)) for d in docs]}).to_parquet(str(path).replace(".parquet", ".tokens.parquet"))
        corpora[size] = (path, total, len(docs))
    for size in sizes:
        path, total, ndocs = corpora[size]
        todo = []
        for method in methods:
            if method in SLOW and size > args.slow_cap and any(s <= args.slow_cap for s in sizes):
                continue  # a capped run would repeat the largest uncapped size
            todo.append((method, args.slow_cap if method in SLOW and size > args.slow_cap else None))
        best = {}
        for rep in range(args.repeat):  # every method once per round, so a burst of load hits all of them
            for method, cap in todo:
                print(f"  {size:.0e} tokens: {method}{' (capped)' if cap else ''}, run {rep + 1} of {args.repeat} ...",
                      file=sys.stderr, flush=True)
                best[method] = _better(best.get(method), run_one(method, path, max_tokens=cap))
        floor = best["floor"]["tokens"] / best["floor"]["seconds"] if "seconds" in best.get("floor", {}) else None
        for method, cap in todo:
            r = best[method]
            r.update(method=method, size=size, docs=ndocs, capped=bool(cap), floor_tps=floor)
            rows.append(r)
    lex_rows = []
    if lex_sizes and "ours" in methods:
        path, total, ndocs = corpora[int(args.lexicon_corpus)]
        for growth in [g for g in args.lexicon_growth.split(",") if g]:
            vocab = tmp / f"vocab-{growth}.json"
            vocab.write_text(json.dumps(vocabulary(sents, rare=growth == "rare")))
            best = {}
            for rep in range(args.repeat):
                for n in lex_sizes:
                    print(f"  lexicon {n} entries ({growth}) on {args.lexicon_corpus:.0e} tokens, run {rep + 1} of "
                          f"{args.repeat} ...", file=sys.stderr, flush=True)
                    best[n] = _better(best.get(n), run_one("ours", path, lexicon_size=n, vocab=vocab))
                    if "flashtext" in methods:
                        f = run_one("flashtext", path, lexicon_size=n, vocab=vocab)
                        if "seconds" in f:
                            best[n]["flashtext_seconds"] = min(best[n].get("flashtext_seconds", f["seconds"]),
                                                               f["seconds"])
            for n in lex_sizes:
                best[n].update(entries_requested=n, growth=growth)
                lex_rows.append(best[n])
    text = render(info, source, rows, lex_rows)
    print(text)
    if not args.no_readme:
        write_readme(text)
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def render(info, source, rows, lex_rows):
    out = [
        (f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']} "
        f"({info['platform']}); load average at start {info['load_at_start']}."),
        (f"Text: {source}. Tokens = `\\w+` runs. Times exclude start-up and corpus loading; peak = max RSS of "
        "the method's process (includes the interpreter and the corpus in memory, see `base`). Every measurement "
        f"is the best of {info.get('repeat', 1)} runs, each in a new process, the methods taking turns."),
        "",
        "| tokens | method | tokens/s | time / floor | matches | peak MB (base) | wildcards | phrases | gaps | offsets |",
        "|---:|---|---:|---:|---:|---:|:-:|:-:|:-:|:-:|",
    ]
    for r in rows:
        meta = METHODS[r["method"]]
        if "error" in r:
            out.append(f"| {r['size']:.0e} | {r['method']} | error: {r['error']} | | | | {' | '.join(meta[1:])} |")
            continue
        tps = r["tokens"] / r["seconds"]
        ratio = f"{r['floor_tps'] / tps:.1f}x" if r.get("floor_tps") else "-"
        mem = f"{r['peak_mb']:.0f} ({r.get('base_mb', 0):.0f})"
        if r.get("worker_mb") and r["method"] in ("ours_2proc", "ours_dask", "ours_stream"):
            mem += f"; workers {r['worker_mb']:.0f}"
        size = f"{r['size']:.0e}" + (f" (timed on {r['tokens']:.1e})" if r.get("capped") else "")
        out.append(f"| {size} | {r['method']} | {fmt_num(tps)} | {ratio} | {fmt_num(r['matches'])} | {mem} | "
                   f"{' | '.join(meta[1:])} |")
    growth_text = {
        "frequent": ("extra entries are real words and bigrams of the corpus vocabulary beyond its 1,000 most "
                     "frequent, so they match often and the match table grows with them"),
        "rare": ("extra entries are real words seen once and bigrams seen twice in the corpus vocabulary, so "
                 "they seldom match: the time is that of the lexicon's size, not of the matches it produces"),
    }
    for growth in dict.fromkeys(r.get("growth") for r in lex_rows):
        rs = [r for r in lex_rows if r.get("growth") == growth]
        base = next((r["seconds"] for r in rs if "seconds" in r), None)
        out += ["", (f"Lexicon size, {growth} entries (our scorer, 1 process; {growth_text.get(growth, growth)}; "
                     "best of the runs):"), "",
                "| entries | tokens | seconds | time / smallest | tokens/s | matches | peak MB | flashtext seconds |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rs:
            if "error" in r:
                out.append(f"| {r['entries_requested']} | error: {r['error']} | | | | | | |")
                continue
            ft = f"{r['flashtext_seconds']:.2f}" if r.get("flashtext_seconds") else "-"
            out.append(f"| {r['entries']} | {fmt_num(r['tokens'])} | {r['seconds']:.2f} | {r['seconds'] / base:.2f}x | "
                       f"{fmt_num(r['tokens'] / r['seconds'])} | {fmt_num(r['matches'])} | {r['peak_mb']:.0f} | {ft} |")
    out += ["", "Methods:"] + [f"- `{k}`: {v[0]}" for k, v in METHODS.items()]
    return "\n".join(out)


def write_readme(text):
    readme = HERE / "README.md"
    start, end = "<!-- results -->", "<!-- /results -->"
    body = readme.read_text(encoding="utf-8") if readme.exists() else f"# Benchmarks\n\n## Results\n\n{start}\n{end}\n"
    if start not in body:
        body += f"\n## Results\n\n{start}\n{end}\n"
    a, b = body.index(start) + len(start), body.index(end)
    body = body[:a] + "\n" + text + "\n" + body[b:]
    readme.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
