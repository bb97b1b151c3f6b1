/* sentences.h: paragraphs (PARA_RE) and sentences (the stop, closer, opener and abbreviation rules of
 * _is_boundary), with the abbreviation and sentence-starter sets looked up without Python for ASCII words.
 * Mirrors: analysis.text.tokenize.paragraph_spans, sentence_spans_in, _is_boundary, ABBREVIATIONS,
 * _SENTENCE_STARTERS. Caught by: tests/measure/test_core_parity.py (split). */

/* end of the paragraph separator starting at i, or -1 (PARA_RE with atomic line endings) */
static MFA_INLINE Py_ssize_t para_sep(const int kind, const void *data, Py_ssize_t i, Py_ssize_t n) {
    Py_UCS4 c = CH(i);
    if (!is_nl(c)) return -1;
    Py_ssize_t j = i + ((c == '\r' && i + 1 < n && CH(i + 1) == '\n') ? 2 : 1);
    while (j < n) {
        Py_UCS4 h = CH(j);
        if (h == ' ' || h == '\t' || h == '\f' || h == '\v') j++;
        else break;
    }
    if (j >= n || !is_nl(CH(j))) return -1;
    while (j < n && is_s(CH(j))) j++;
    return j;
}

static int add_span(Py_ssize_t **buf, size_t *cap, size_t *n, Py_ssize_t a, Py_ssize_t b) {
    if (grow((void **)buf, cap, *n + 2, sizeof(Py_ssize_t))) return -1;
    (*buf)[(*n)++] = a;
    (*buf)[(*n)++] = b;
    return 0;
}

static MFA_INLINE int push_para(const int kind, const void *data, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap, size_t *n) {
    while (a < b && is_s(CH(a))) a++;
    while (b > a && is_s(CH(b - 1))) b--;
    if (b > a) return add_span(buf, cap, n, a, b);
    return 0;
}

/* paragraph spans: flat array a0, b0, a1, b1, ... (caller frees) */
static MFA_INLINE int paragraphs_impl(PyObject *text, Py_ssize_t **out, size_t *n_out, const int kind, const void *data) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    size_t cap = 0;
    *out = NULL;
    *n_out = 0;
    Py_ssize_t pos = 0, i = 0;
    while ((i = skip_to_any(kind, data, i, n, NEWLINES, 2)) < n) {
        Py_ssize_t e = para_sep(kind, data, i, n);
        if (e < 0) {
            i++;
            continue;
        }
        if (push_para(kind, data, pos, i, out, &cap, n_out)) return -1;
        pos = i = e;
    }
    return push_para(kind, data, pos, n, out, &cap, n_out);
}

static int paragraphs(PyObject *text, Py_ssize_t **out, size_t *n_out) {
    DISPATCH_KIND(text, paragraphs_impl(text, out, n_out, K, D));
}

static inline uint32_t ws_hash(const char *w, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

/* the WordSet of a Python set of str (NULL with an exception set on failure) */
static WordSet *ws_build(PyObject *set) {
    WordSet *ws = PyMem_Calloc(1, sizeof(WordSet));
    if (!ws) {
        PyErr_NoMemory();
        return NULL;
    }
    ws->native = PySet_GET_SIZE(set) <= WS_CAP / 2;
    PyObject *it = PyObject_GetIter(set), *item;
    if (!it) {
        PyMem_Free(ws);
        return NULL;
    }
    while (ws->native && (item = PyIter_Next(it))) {
        Py_ssize_t n;
        const char *w = PyUnicode_Check(item) && PyUnicode_IS_ASCII(item) ? PyUnicode_AsUTF8AndSize(item, &n) : NULL;
        if (!w || n < 1 || n >= WS_LEN) {
            ws->native = 0;
        } else {
            for (Py_ssize_t i = 0; i < n; i++)
                if (w[i] >= 'A' && w[i] <= 'Z') ws->native = 0; /* never equal to a lower-cased word */
            size_t j = ws_hash(w, (size_t)n) & (WS_CAP - 1);
            while (ws->len[j]) j = (j + 1) & (WS_CAP - 1);
            ws->len[j] = (unsigned char)n;
            memcpy(ws->key[j], w, (size_t)n);
        }
        Py_DECREF(item);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        PyMem_Free(ws);
        return NULL;
    }
    return ws;
}

/* whether text[a:b] lower-cased (trailing full stops removed with strip_dots) is in ws: 1 or 0; -2 when
 * it cannot tell (a character outside ASCII, whose lower case only Python knows) */
static MFA_INLINE int ws_contains_lower(const WordSet *ws, const int kind, const void *data,
                                                                   Py_ssize_t a, Py_ssize_t b, int strip_dots) {
    if (!ws->native) return -2;
    for (Py_ssize_t i = a; i < b; i++)
        if (CH(i) >= 128) return -2;
    if (strip_dots)
        while (b > a && CH(b - 1) == '.') b--;
    size_t n = (size_t)(b - a);
    if (n == 0 || n >= WS_LEN) return 0; /* every word of the set has 1 to WS_LEN - 1 characters */
    char w[WS_LEN];
    for (size_t i = 0; i < n; i++) {
        Py_UCS4 c = CH(a + (Py_ssize_t)i);
        w[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    size_t j = ws_hash(w, n) & (WS_CAP - 1);
    while (ws->len[j]) {
        if (ws->len[j] == n && memcmp(ws->key[j], w, n) == 0) return 1;
        j = (j + 1) & (WS_CAP - 1);
    }
    return 0;
}

static int py_contains_lower(PyObject *set, PyObject *text, Py_ssize_t a, Py_ssize_t b, int strip_dots) {
    PyObject *w = PyUnicode_Substring(text, a, b);
    if (!w) return -1;
    PyObject *lw = PyObject_CallMethod(w, "lower", NULL);
    Py_DECREF(w);
    if (!lw) return -1;
    if (strip_dots) {
        PyObject *st = PyObject_CallMethod(lw, "rstrip", "s", ".");
        Py_DECREF(lw);
        if (!st) return -1;
        lw = st;
    }
    int r = PySet_Contains(set, lw);
    Py_DECREF(lw);
    return r;
}

/* _is_boundary of analysis.text.tokenize: 1, 0 or -1 on error */
static MFA_INLINE int is_boundary(Scanner *S, PyObject *text, const int kind, const void *data, Py_ssize_t n, Py_ssize_t p,
                       Py_ssize_t g_end, Py_ssize_t para_start) {
    if (g_end - p > 1 || CH(p) != '.') return 1;
    Py_ssize_t lo = p - 40 > para_start ? p - 40 : para_start;
    if (p <= lo || is_s(CH(p - 1))) return 1;
    Py_ssize_t w0 = p;
    while (w0 > lo && !is_s(CH(w0 - 1))) w0--;
    while (w0 < p) {
        Py_UCS4 c = CH(w0);
        if (is_opener(c)) w0++;
        else break;
    }
    Py_ssize_t wl = p - w0;
    if (wl == 1) {
        Py_UCS4 c = CH(w0);
        if (Py_UNICODE_ISALPHA(c) && Py_UNICODE_ISUPPER(c)) return 0;
    }
    Py_ssize_t core = wl;
    while (core > 0 && CH(w0 + core - 1) == '.') core--;
    if (core <= S->abbrev_maxlen) {
        int r = ws_contains_lower(S->abbrev_ws, kind, data, w0, p, 1);
        if (r == -2) r = py_contains_lower(S->abbrev, text, w0, p, 1);
        if (r != 0) return r < 0 ? -1 : 0;
    }
    int initialism = wl >= 3 && is_ascii_alpha(CH(p - 1)) && CH(p - 2) == '.' && is_ascii_alpha(CH(p - 3));
    if (initialism || (wl >= 1 && CH(p - 1) == '.')) {
        Py_ssize_t j = g_end;
        if (!(j < n && is_s(CH(j)))) return 0;
        while (j < n && is_s(CH(j))) j++;
        while (j < n && is_opener(CH(j))) j++;
        Py_ssize_t k = j;
        while (k < n && is_w(CH(k))) k++;
        if (k == j) return 0;
        int r = ws_contains_lower(S->starters_ws, kind, data, j, k, 0);
        if (r == -2) r = py_contains_lower(S->starters, text, j, k, 0);
        return r;
    }
    return 1;
}

/* sentence spans of the paragraph text[a:b], appended as flat pairs */
static MFA_INLINE int sentences_in_impl(Scanner *S, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap,
                        size_t *nb, const int kind, const void *data) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t start = a, i = a;
    while ((i = skip_to_any(kind, data, i, b, STOPS, 4)) < b) {
        Py_UCS4 c = CH(i);
        Py_ssize_t j;
        int run = 0;
        if (c == '.' || c == '!' || c == '?') {
            j = i;
            while (j < b && (CH(j) == '.' || CH(j) == '!' || CH(j) == '?')) j++;
            run = 1;
        } else if (c == 0x2026) {
            j = i + 1;
        } else {
            i++;
            continue;
        }
        Py_ssize_t run_end = j;
        for (;;) { /* closers, and French-spaced ones (" »"), taken greedily */
            if (j < b && is_closer(CH(j))) j++;
            else if (j + 1 < b && is_space_fr(CH(j)) && (CH(j + 1) == 0xBB || CH(j + 1) == 0x203A) &&
                     (j + 2 >= b || is_s(CH(j + 2))))
                j += 2; /* a spaced » closes only before a space (else it opens the next sentence) */
            else break;
        }
        Py_ssize_t g_end = j;
        int ok = j < b && is_s(CH(j));
        if (ok) {
            while (j < b && is_s(CH(j))) j++;
            Py_ssize_t k = j;
            for (;;) { /* openers, and French-spaced ones ("« ") */
                if (k + 1 < b && (CH(k) == 0xAB || CH(k) == 0x2039) && is_space_fr(CH(k + 1))) k += 2;
                else if (k < b && is_opener(CH(k))) k++;
                else break;
            }
            ok = k < b && starts_sentence(CH(k));
        }
        if (!ok) {
            /* a match starting later inside the same run of stops fails the same way */
            i = run ? run_end : i + 1;
            continue;
        }
        int r = is_boundary(S, text, kind, data, n, i, g_end, a);
        if (r < 0) return -1;
        if (r) {
            if (add_span(buf, cap, nb, start, g_end)) return -1;
            start = j;
        }
        i = j;
    }
    if (start < b && add_span(buf, cap, nb, start, b)) return -1;
    return 0;
}

static int sentences_in(Scanner *S, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap,
                        size_t *nb) {
    DISPATCH_KIND(text, sentences_in_impl(S, text, a, b, buf, cap, nb, K, D));
}
