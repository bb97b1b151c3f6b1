/* scan.h: one document end to end: paragraphs -> sentences -> tokens -> candidates of every anchored
 * entry -> leftmost-longest resolution per category -> detector spans -> voice of every match.
 * Mirrors: the per-document loop of analysis.measure.matching.Matcher.match (the overlap rule, ranks,
 * word offsets, sentence counts) and analysis.measure.voice.
 * Caught by: tests/measure/test_core_parity.py (matches, counts and voices of both engines). */

static int cand_cmp_output(const void *x, const void *y) {
    const Cand *a = x, *b = y;
    if (a->cstart != b->cstart) return a->cstart < b->cstart ? -1 : 1;
    if (a->cend != b->cend) return a->cend < b->cend ? -1 : 1;
    if (a->cat != b->cat) return a->cat < b->cat ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* first token of toks[0:n] whose start is >= pos */
static int first_token_at(const Tok *toks, int n, int32_t pos) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) >> 1;
        if (toks[mid].start < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int cand_cmp_resolve(const void *x, const void *y) {
    const Cand *a = x, *b = y;
    if (a->cat != b->cat) return a->cat < b->cat ? -1 : 1;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    if (a->e != b->e) return a->e > b->e ? -1 : 1;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return 0;
}

static MFA_INLINE int cand_cmp_output_i(const Cand *a, const Cand *b) { return cand_cmp_output(a, b); }
static MFA_INLINE int cand_cmp_resolve_i(const Cand *a, const Cand *b) { return cand_cmp_resolve(a, b); }
DEFINE_STABLE_SORT(sort_cands_resolve, Cand, cand_cmp_resolve_i)
DEFINE_STABLE_SORT(sort_cands_output, Cand, cand_cmp_output_i)

typedef struct {
    int32_t sent, entry, cat, cstart, cend, ts, te, voice;
} Hit;

typedef struct {
    long n_words, n_sent, narr, quote, attr;
    int32_t *sent_hits; /* per core category */
    Hit *hits;
    size_t n_hits, hits_cap;
} ScanOut;

static void scanout_free(ScanOut *o) {
    PyMem_Free(o->sent_hits);
    PyMem_Free(o->hits);
}

/* The candidates of the sentence st (tokens S->toks[0:nt]) into S->cands[0:*nc]: every entry anchored
 * on one of its tokens whose parts before and after the anchor and whose contexts match (0, or -1). */
static MFA_INLINE int sentence_candidates(Scanner *S, const Sent *st, size_t nt, size_t *nc_out) {
    size_t nc = 0;
    for (size_t t = 0; t < nt; t++) {
        int32_t id = S->toks[t].norm;
        int32_t an = S->anc_n[id];
        if (!an) continue;
        if (!S->grouped[id]) group_anchors(S, id);
        const int32_t *anc = S->ipool + S->anc_off[id];
        const int32_t *akeys = S->kpool + S->anc_off[id];
        int32_t na = S->anc_na[id], nb = S->anc_nb[id];
        /* the anchors to try: all of group A, and of B / C only those whose required neighbour is
         * the actual next / previous token */
        int32_t ranges[3][2] = {{0, na}, {0, 0}, {0, 0}};
        if (nb && t + 1 < nt) {
            key_range(akeys + na, nb, S->toks[t + 1].norm, &ranges[1][0], &ranges[1][1]);
            ranges[1][0] += na;
            ranges[1][1] += na;
        }
        if (an - na - nb && t >= 1) {
            key_range(akeys + na + nb, an - na - nb, S->toks[t - 1].norm, &ranges[2][0], &ranges[2][1]);
            ranges[2][0] += na + nb;
            ranges[2][1] += na + nb;
        }
        for (int g = 0; g < 3; g++)
        for (int32_t k = ranges[g][0]; k < ranges[g][1]; k++) {
            const Hot *h = &S->hot[anc[k]];
            int e = (int)t + 1, s = (int)t;
            if (h->has_after || h->has_before || h->has_ctx) {
                const Entry *en = &S->entries[anc[k]];
                /* group 1 was chosen by key_after, group 2 by key_before: a part that is that
                 * key alone has matched already ("official said" anchored on "official") */
                if (h->has_after) {
                    if (g == 1 && (h->key_only & 1)) e = (int)t + 2;
                    else if ((e = run_forward(st, &en->after, (int)t + 1)) < 0) continue;
                }
                if (h->has_before) {
                    if (g == 2 && (h->key_only & 2)) s = (int)t - 1;
                    else if ((s = run_backward(st, &en->before, (int)t)) < 0) continue;
                }
                if (h->has_ctx && !context_ok(st, en, s, e)) continue;
            }
            if (grow((void **)&S->cands, &S->cands_cap, nc + 1, sizeof(Cand))) return -1;
            Cand *c = &S->cands[nc++];
            c->cat = h->cat;
            c->s = s;
            c->e = e;
            c->rank = h->rank;
            c->entry = anc[k];
        }
    }
    *nc_out = nc;
    return 0;
}

/* The overlap rule on S->cands[0:nc]: leftmost-longest, non-overlapping within each category; the kept
 * candidates (with their character offsets) move to S->cands[0:*nkeep] (0, or -1). */
static MFA_INLINE int resolve_candidates(Scanner *S, size_t nc, size_t *nkeep_out) {
    size_t nkeep = 0;
    if (nc) {
        if (sort_cands_resolve(S->cands, nc)) return -1;
        int last_cat = -1, last_end = -1;
        for (size_t k = 0; k < nc; k++) {
            Cand *c = &S->cands[k];
            if (c->cat != last_cat) {
                last_cat = c->cat;
                last_end = -1;
            }
            if (c->s >= last_end) {
                c->cstart = S->toks[c->s].start;
                c->cend = S->toks[c->e - 1].end;
                S->cands[nkeep++] = *c;
                last_end = c->e;
            }
        }
    }
    *nkeep_out = nkeep;
    return 0;
}

/* Detector spans starting in the sentence [a, b) (tokens S->toks[0:nt]) appended to the kept candidates
 * S->cands[0:*nkeep]; *di is the first span not yet before the sentence (0, or -1). */
static MFA_INLINE int add_detected(Scanner *S, const Dets *D, size_t *di, Py_ssize_t a, Py_ssize_t b, size_t nt,
                                   size_t *nkeep) {
    while (*di < D->n && D->s[*di] < a) (*di)++;
    size_t dj = *di;
    while (dj < D->n && D->s[dj] < b) dj++;
    for (size_t d = *di; d < dj; d++) {
        if (D->e[d] > b) continue;
        int s = first_token_at(S->toks, (int)nt, D->s[d]);
        int e = first_token_at(S->toks, (int)nt, D->e[d]);
        if (e <= s) continue;
        if (grow((void **)&S->cands, &S->cands_cap, *nkeep + 1, sizeof(Cand))) return -1;
        Cand *c = &S->cands[(*nkeep)++];
        c->cat = S->entries[D->en[d]].cat;
        c->s = s;
        c->e = e;
        c->rank = 0;
        c->entry = D->en[d];
        c->cstart = D->s[d];
        c->cend = D->e[d];
    }
    return 0;
}

/* what the hits of one sentence need besides the candidates */
typedef struct {
    long sent;              /* the sentence's number in the document */
    long words_before;      /* word tokens of the document before the sentence */
    int attributed;         /* the sentence holds a reporting cue */
    const Py_ssize_t *regs; /* the paragraph's quotation regions (flat pairs), regs[r0:r1] overlapping the sentence */
    size_t nr, r0, r1;
} SentCtx;

/* The kept candidates S->cands[0:nkeep] of a sentence (tokens S->toks[0:nt]) as hits of o, in output
 * order, with their voice and word offsets; sentence counts per category in o->sent_hits (0, or -1). */
static MFA_INLINE int emit_hits(Scanner *S, ScanOut *o, size_t nkeep, size_t nt, const SentCtx *sc,
                                long *last_hit_sent) {
    if (!nkeep) return 0;
    const Py_ssize_t *regs = sc->regs;
    /* by (start, end, category); ties keep the order above (resolved before detected) */
    for (size_t k = 0; k < nkeep; k++) S->cands[k].order = (int32_t)k;
    if (sort_cands_output(S->cands, nkeep)) return -1;
    if (grow((void **)&S->wbefore, &S->wbefore_cap, nt + 1, sizeof(int32_t))) return -1;
    S->wbefore[0] = 0;
    for (size_t t = 0; t < nt; t++)
        S->wbefore[t + 1] = S->wbefore[t] + ((S->nflags[S->toks[t].norm] & F_WORD) != 0);
    for (size_t k = 0; k < nkeep; k++) {
        Cand *c = &S->cands[k];
        int voice = sc->attributed ? 2 : 0;
        if (sc->r1 > sc->r0) {
            /* the last region starting at or before the match (regions are sorted, disjoint) */
            size_t lo = 0, hi = sc->nr / 2;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (regs[2 * mid] <= c->cstart) lo = mid + 1;
                else hi = mid;
            }
            if (lo > 0 && c->cstart < regs[2 * (lo - 1) + 1]) voice = 1;
        }
        if (grow((void **)&o->hits, &o->hits_cap, o->n_hits + 1, sizeof(Hit))) return -1;
        Hit *h = &o->hits[o->n_hits++];
        h->sent = (int32_t)(sc->sent - 1);
        h->entry = c->entry;
        h->cat = c->cat;
        h->cstart = c->cstart;
        h->cend = c->cend;
        h->ts = (int32_t)(sc->words_before + S->wbefore[c->s]);
        h->te = (int32_t)(sc->words_before + S->wbefore[c->e]);
        h->voice = voice;
        if (last_hit_sent[c->cat] != sc->sent) {
            last_hit_sent[c->cat] = sc->sent;
            o->sent_hits[c->cat]++;
        }
    }
    return 0;
}

/* The spans of Python detectors, (start, end, entry) tuples, into D (0, or -1). */
static int read_detected(Scanner *S, PyObject *det, Dets *D) {
    Py_ssize_t ndet = PySequence_Fast_GET_SIZE(det);
    if (ndet && S->scare_entry >= 0) {
        PyErr_SetString(PyExc_ValueError, "detected spans are computed by the core when the scare-quote detector is set");
        return -1;
    }
    for (Py_ssize_t i = 0; i < ndet; i++) {
        int ds, de, den;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(det, i), "iii", &ds, &de, &den)) return -1;
        if (den < 0 || den >= S->n_entries) {
            PyErr_SetString(PyExc_ValueError, "detector entry out of range");
            return -1;
        }
        if (dets_add(D, ds, de, den)) return -1;
    }
    return 0;
}

/* One document: sentences, tokens, matches and voice into `o` (0, or -1 with an exception set).
 * detected: sorted sequence of (start, end, entry) from Python detectors (empty when the core runs the
 * scare-quote detector itself). Hits come in text order: by (start, end, category) within a sentence. */
static int scan_impl_unguarded(Scanner *S, PyObject *text, PyObject *low, PyObject *detected, int has_dq, ScanOut *o) {
    int rc = -1;
    if (PyUnicode_GET_LENGTH(low) != PyUnicode_GET_LENGTH(text)) {
        PyErr_SetString(PyExc_ValueError, "low must have the length of text");
        return -1;
    }
    PyObject *det = PySequence_Fast(detected, "detected must be a sequence");
    if (!det) return -1;
    Dets D = {0};
    Py_ssize_t *paras = NULL, *sents = NULL, *regs = NULL;
    size_t np = 0, ns = 0, scap = 0, nr = 0, rcap = 0;
    long *last_hit_sent = NULL; /* per category: the last sentence counted in o->sent_hits */
    if (read_detected(S, det, &D)) goto done;
    o->n_hits = 0;
    o->sent_hits = PyMem_Calloc(S->n_cats ? S->n_cats : 1, sizeof(int32_t));
    last_hit_sent = PyMem_Malloc((S->n_cats ? S->n_cats : 1) * sizeof(long));
    if (!o->sent_hits || !last_hit_sent) {
        PyErr_NoMemory();
        goto done;
    }
    for (int c = 0; c < S->n_cats; c++) last_hit_sent[c] = -1;
    if (paragraphs(text, &paras, &np)) goto done;
    int ckind = PyUnicode_KIND(text);
    const void *cdata = PyUnicode_DATA(text);
    long n_words = 0, n_sent = 0, v_narr = 0, v_quote = 0, v_attr = 0;
    size_t di = 0; /* first detected span not yet before the current sentence */
    for (size_t p = 0; p < np; p += 2) {
        Py_ssize_t pa = paras[p], pb = paras[p + 1];
        nr = 0;
        if (has_dq && quote_regions(text, pa, pb, &regs, &rcap, &nr)) goto done;
        if (S->scare_entry >= 0 && has_dq) {
            D.n = 0;
            di = 0;
            if (scare_quotes_para(S, text, low, pa, pb, 0, &D)) goto done;
        }
        ns = 0;
        if (sentences_in(S, text, pa, pb, &sents, &scap, &ns)) goto done;
        size_t r0 = 0; /* first region not ending at or before the sentence start */
        for (size_t si = 0; si < ns; si += 2) {
            Py_ssize_t a = sents[si], b = sents[si + 1];
            n_sent++;
            size_t nt = 0;
            if (tokenize_range(S, low, a, b, &nt)) goto done;
            int nwords = 0, attributed = 0, any_anchor = 0;
            for (size_t t = 0; t < nt; t++) {
                uint32_t f = S->nflags[S->toks[t].norm];
                nwords += (f & F_WORD) != 0;
                attributed |= (f & F_CUE) != 0;
                any_anchor |= S->anc_n[S->toks[t].norm] != 0;
            }
            /* voice of the words: those inside quotation regions overlapping [a, b) are quoted */
            while (r0 < nr && regs[r0 + 1] <= a) r0 += 2;
            size_t r1 = r0;
            while (r1 < nr && regs[r1] < b) r1 += 2;
            int q_words = 0;
            for (size_t r = r0; r < r1; r += 2) {
                Py_ssize_t x = regs[r] > a ? regs[r] : a, y = regs[r + 1] < b ? regs[r + 1] : b;
                size_t qn = nt;
                if (tokenize_range(S, low, x, y, &qn)) goto done;
                q_words += count_words_range(S, nt, qn);
            }
            v_quote += q_words;
            if (attributed) v_attr += nwords - q_words;
            else v_narr += nwords - q_words;
            /* matches */
            size_t nc = 0, nkeep = 0;
            Sent st = {S, S->toks, (int)nt, ckind, cdata};
            if (any_anchor && sentence_candidates(S, &st, nt, &nc)) goto done;
            if (resolve_candidates(S, nc, &nkeep) || add_detected(S, &D, &di, a, b, nt, &nkeep)) goto done;
            SentCtx sc = {n_sent, n_words, attributed, regs, nr, r0, r1};
            if (emit_hits(S, o, nkeep, nt, &sc, last_hit_sent)) goto done;
            n_words += nwords;
        }
    }
    o->n_words = n_words;
    o->n_sent = n_sent;
    o->narr = v_narr;
    o->quote = v_quote;
    o->attr = v_attr;
    rc = 0;
done:
    Py_DECREF(det);
    PyMem_Free(D.s);
    PyMem_Free(D.e);
    PyMem_Free(D.en);
    PyMem_Free(paras);
    PyMem_Free(sents);
    PyMem_Free(regs);
    PyMem_Free(last_hit_sent);
    if (rc < 0) {
        PyMem_Free(o->sent_hits);
        o->sent_hits = NULL;
    }
    return rc;
}

/* scan_impl_unguarded with the Scanner's work buffers held for the call */
static int scan_impl(Scanner *S, PyObject *text, PyObject *low, PyObject *detected, int has_dq, ScanOut *o) {
    if (scanner_enter(S)) return -1;
    int rc = scan_impl_unguarded(S, text, low, detected, has_dq, o);
    S->busy = 0;
    return rc;
}
