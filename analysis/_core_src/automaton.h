/* automaton.h: the element automaton of a lexicon entry (repeats, <NUM>, <WORD>, <CAP>, *, globs), run
 * forward and backward from an anchor token, the context conditions (unless/only followed/preceded by),
 * the pattern tables read from Python (set_entries) and the grouping of the anchors of a token by the
 * one neighbour they require.
 * Mirrors: analysis.measure.matching (_forward, _backward, contexts) and analysis.lexicons.patterns (the
 * element language, MAX_ELEMENTS, MAX_REPEAT). Caught by: tests/measure/test_core_parity.py. */

static inline int has_id(const int32_t *arr, int n, int32_t v) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) >> 1;
        if (arr[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && arr[lo] == v;
}

typedef struct {
    Scanner *S;
    const Tok *toks; /* tokens of the sentence */
    int n;
    int ckind;
    const void *cdata; /* original text, for <CAP> */
} Sent;

static inline int elem_ok(const Sent *st, const Elem *el, int j) {
    Scanner *S = st->S;
    int32_t id = st->toks[j].norm;
    uint32_t f = S->nflags[id];
    switch (el->kind) {
    case K_ANY: return (f & F_ANY) != 0;
    case K_NUM: return (f & F_NUM) != 0;
    case K_WORD: return (f & F_WORDKIND) != 0;
    case K_CAP: return Py_UNICODE_ISUPPER(PyUnicode_READ(st->ckind, st->cdata, st->toks[j].start)) != 0;
    default: break;
    }
    if (el->nv && has_id(el->vals, el->nv, id)) return 1;
    if (el->ng) {
        int gn = S->glob_n[id];
        if (gn) {
            const int32_t *g = S->ipool + S->glob_off[id];
            for (int k = 0; k < el->ng; k++)
                if (has_id(g, gn, el->globs[k])) return 1;
        }
    }
    return 0;
}

/* The elements of seq matched from token pos: forward (dir 1) over tokens pos, pos+1, ...; backward
 * (dir -1) over pos-1, pos-2, ... with the elements taken last to first. Returns the farthest end
 * (forward) or the earliest start (backward) reachable, or -1 when none (_forward / _backward of the
 * Python path). States are offsets from pos, kept in a bitmap bounded by MAX_SPAN. */
static int run_seq(const Sent *st, const Seq *seq, int pos, int dir) {
    int n = seq->n;
    if (seq->fixed) {
        int first = dir > 0 ? pos : pos - n;
        if (first < 0 || first + n > st->n) return -1;
        for (int k = 0; k < n; k++)
            if (!elem_ok(st, &seq->els[k], first + k)) return -1;
        return dir > 0 ? pos + n : pos - n;
    }
    unsigned char cur[MAX_SPAN + 1], nxt[MAX_SPAN + 1];
    int lo = 0, hi = 0; /* offsets present in cur: within [lo, hi] */
    cur[0] = 1;
    for (int i = 0; i < n; i++) {
        const Elem *el = &seq->els[dir > 0 ? i : n - 1 - i];
        int nlo = MAX_SPAN + 1, nhi = -1;
        int top = hi + el->hi < MAX_SPAN ? hi + el->hi : MAX_SPAN;
        memset(nxt + lo, 0, (size_t)(top - lo + 1));
        for (int o = lo; o <= hi; o++) {
            if (!cur[o]) continue;
            if (el->lo == 0) {
                nxt[o] = 1;
                if (o < nlo) nlo = o;
                if (o > nhi) nhi = o;
            }
            int q = o;
            for (int c = 1; c <= el->hi; c++) {
                int idx = dir > 0 ? pos + q : pos - 1 - q;
                if (idx < 0 || idx >= st->n || !elem_ok(st, el, idx)) break;
                q++;
                if (c >= el->lo) {
                    if (q > MAX_SPAN) break;
                    nxt[q] = 1;
                    if (q < nlo) nlo = q;
                    if (q > nhi) nhi = q;
                }
            }
        }
        if (nhi < 0) return -1;
        memcpy(cur + nlo, nxt + nlo, (size_t)(nhi - nlo + 1));
        if (nlo > lo) memset(cur + lo, 0, (size_t)(nlo - lo));
        lo = nlo;
        hi = nhi;
    }
    return dir > 0 ? pos + hi : pos - hi;
}

static inline int run_forward(const Sent *st, const Seq *seq, int pos) { return run_seq(st, seq, pos, 1); }
static inline int run_backward(const Sent *st, const Seq *seq, int pos) { return run_seq(st, seq, pos, -1); }

static int context_ok(const Sent *st, const Entry *en, int s, int e) {
    for (int k = 0; k < en->nctx[0]; k++)
        if (run_forward(st, &en->ctx[0][k], e) >= 0) return 0;
    for (int k = 0; k < en->nctx[1]; k++)
        if (run_backward(st, &en->ctx[1][k], s) >= 0) return 0;
    if (en->nctx[2]) {
        int any = 0;
        for (int k = 0; k < en->nctx[2] && !any; k++) any = run_forward(st, &en->ctx[2][k], e) >= 0;
        if (!any) return 0;
    }
    if (en->nctx[3]) {
        int any = 0;
        for (int k = 0; k < en->nctx[3] && !any; k++) any = run_backward(st, &en->ctx[3][k], s) >= 0;
        if (!any) return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- pattern tables from Python */

static void free_seq(Seq *q) {
    for (int i = 0; i < q->n; i++) {
        PyMem_Free(q->els[i].vals);
        PyMem_Free(q->els[i].globs);
    }
    PyMem_Free(q->els);
    q->els = NULL;
    q->n = 0;
}

static void free_entries(Scanner *S) {
    for (int i = 0; i < S->n_entries; i++) {
        Entry *en = &S->entries[i];
        free_seq(&en->before);
        free_seq(&en->after);
        for (int c = 0; c < 4; c++) {
            for (int k = 0; k < en->nctx[c]; k++) free_seq(&en->ctx[c][k]);
            PyMem_Free(en->ctx[c]);
        }
    }
    PyMem_Free(S->entries);
    PyMem_Free(S->hot);
    S->entries = NULL;
    S->hot = NULL;
    S->n_entries = 0;
}

static int32_t *int_array(PyObject *obj, int *n) {
    PyObject *seq = PySequence_Fast(obj, "expected a sequence of ints");
    if (!seq) return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    int32_t *arr = PyMem_Malloc((m ? m : 1) * sizeof(int32_t));
    if (!arr) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        arr[i] = (int32_t)PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
    }
    Py_DECREF(seq);
    if (PyErr_Occurred()) {
        PyMem_Free(arr);
        return NULL;
    }
    *n = (int)m;
    return arr;
}

/* a sequence of (kind, lo, hi, values, globs) tuples */
static int parse_seq(PyObject *obj, Seq *out) {
    PyObject *seq = PySequence_Fast(obj, "elements must be a sequence");
    if (!seq) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    out->n = 0;
    out->els = PyMem_Calloc(m ? m : 1, sizeof(Elem));
    if (!out->els) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        Elem *el = &out->els[i];
        PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
        PyObject *vals, *globs;
        if (!PyArg_ParseTuple(t, "iiiOO", &el->kind, &el->lo, &el->hi, &vals, &globs)) goto fail;
        out->n = (int)i + 1;
        if (el->hi > 64 || el->lo < 0 || el->lo > el->hi) {
            PyErr_SetString(PyExc_ValueError, "element repeat out of range");
            goto fail;
        }
        if (!(el->vals = int_array(vals, &el->nv))) goto fail;
        if (!(el->globs = int_array(globs, &el->ng))) goto fail;
    }
    out->fixed = 1;
    for (int i = 0; i < out->n; i++)
        if (out->els[i].lo != 1 || out->els[i].hi != 1) out->fixed = 0;
    Py_DECREF(seq);
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

/* anchors of norm `id` reordered once: [always checked][by key_after][by key_before], each keyed group
 * sorted by (key, entry). The sort takes its keys from the array it sorts (no comparator context, so no
 * static shared by callers); (key, entry) pairs are distinct, so the order is the one total order. */
typedef struct {
    int32_t key, entry;
} KeyedAnchor;

static MFA_INLINE int keyed_cmp(const KeyedAnchor *x, const KeyedAnchor *y) {
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}
DEFINE_STABLE_SORT(sort_keyed_anchors, KeyedAnchor, keyed_cmp)

/* out of memory: leave the anchors of `id` ungrouped, every one in the always-checked group */
static void anchors_ungrouped(Scanner *S, int32_t id) {
    PyErr_Clear();
    S->anc_na[id] = S->anc_n[id];
    S->anc_nb[id] = 0;
    S->grouped[id] = 1;
}

static void group_anchors(Scanner *S, int32_t id) {
    int32_t n = S->anc_n[id];
    int32_t *a = S->ipool + S->anc_off[id];
    if (grow((void **)&S->kpool, &S->kpool_cap, S->ipool_len, sizeof(int32_t))) {
        anchors_ungrouped(S, id);
        return;
    }
    /* stable three-way partition through a small scratch copy */
    KeyedAnchor stackbuf[64];
    KeyedAnchor *tmp = n <= 64 ? stackbuf : PyMem_Malloc((size_t)n * sizeof(KeyedAnchor));
    if (!tmp) {
        anchors_ungrouped(S, id);
        return;
    }
    int32_t na = 0, nb = 0, m = 0;
    for (int32_t k = 0; k < n; k++) {
        const Hot *en = &S->hot[a[k]];
        if (en->key_after < 0 && en->key_before < 0) tmp[m++] = (KeyedAnchor){-1, a[k]};
    }
    na = m;
    for (int32_t k = 0; k < n; k++)
        if (S->hot[a[k]].key_after >= 0) tmp[m++] = (KeyedAnchor){S->hot[a[k]].key_after, a[k]};
    nb = m - na;
    for (int32_t k = 0; k < n; k++) {
        const Hot *en = &S->hot[a[k]];
        if (en->key_after < 0 && en->key_before >= 0) tmp[m++] = (KeyedAnchor){en->key_before, a[k]};
    }
    if (sort_keyed_anchors(tmp + na, (size_t)nb) || sort_keyed_anchors(tmp + na + nb, (size_t)(n - na - nb))) {
        if (tmp != stackbuf) PyMem_Free(tmp);
        anchors_ungrouped(S, id);
        return;
    }
    /* the keys beside the anchors, so that key_range reads one contiguous array */
    int32_t *keys = S->kpool + S->anc_off[id];
    for (int32_t k = 0; k < n; k++) {
        a[k] = tmp[k].entry;
        if (k >= na) keys[k] = tmp[k].key;
    }
    if (tmp != stackbuf) PyMem_Free(tmp);
    S->anc_na[id] = na;
    S->anc_nb[id] = nb;
    S->grouped[id] = 1;
}

/* [lo, hi) of the sorted keys[0:n] equal to v */
static MFA_INLINE void key_range(const int32_t *keys, int32_t n, int32_t v, int32_t *lo_out,
                                                            int32_t *hi_out) {
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = (lo + hi) >> 1;
        if (keys[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    int32_t end = lo;
    while (end < n && keys[end] == v) end++;
    *lo_out = lo;
    *hi_out = end;
}
