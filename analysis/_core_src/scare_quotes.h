/* scare_quotes.h: the built-in scare-quote detector: a short quoted phrase that is not an utterance and
 * not introduced as speech (the last test, after_reporting, is asked of the Python definition).
 * Mirrors: analysis.measure.scare_quotes.scare_quotes and MAX_SCARE_WORDS.
 * Caught by: tests/measure/test_core_parity.py and tests/measure/test_scare_quotes.py. */

/* scare quotes of the paragraph text[pa:pb] (scare_quotes of analysis.measure.scare_quotes): spans
 * (quote start, quote end + 1) appended to *ds / *de. Uses S->toks from index `tok_base` as scratch. */
typedef struct {
    int32_t *s, *e, *en;
    size_t n, cap_s, cap_e, cap_en;
} Dets;

static int dets_add(Dets *d, int32_t s, int32_t e, int32_t en) {
    if (grow((void **)&d->s, &d->cap_s, d->n + 1, sizeof(int32_t)) ||
        grow((void **)&d->e, &d->cap_e, d->n + 1, sizeof(int32_t)) ||
        grow((void **)&d->en, &d->cap_en, d->n + 1, sizeof(int32_t)))
        return -1;
    d->s[d->n] = s;
    d->e[d->n] = e;
    d->en[d->n] = en;
    d->n++;
    return 0;
}

static MFA_INLINE int scare_quotes_para_impl(Scanner *S, PyObject *text, PyObject *low, Py_ssize_t pa, Py_ssize_t pb, size_t tok_base,
                             Dets *out, const int kind, const void *data) {
    Py_ssize_t open_at = -1;
    for (Py_ssize_t i = pa; i < pb; i++) {
        Py_UCS4 c = CH(i);
        if (!(c == 0x201C || c == 0x201D || c == 0x201E || c == '"')) continue;
        if (open_at < 0) {
            if (c != 0x201D) open_at = i;
            continue;
        }
        if (c == 0x201C || c == 0x201E) { /* a second opener: the first one was never closed */
            open_at = i;
            continue;
        }
        Py_ssize_t qa = open_at, qb = i;
        open_at = -1;
        /* utterance: ends with clause punctuation, or holds a sentence end */
        Py_ssize_t t = qb;
        while (t > qa + 1 && is_s(CH(t - 1))) t--;
        if (t <= qa + 1) continue; /* nothing but spaces inside: no word either */
        Py_UCS4 last = CH(t - 1);
        if (last == ',' || last == '.' || last == '!' || last == '?' || last == ';' || last == ':' || last == 0x2026)
            continue;
        int inside = 0;
        for (Py_ssize_t k = qa + 1; k < qb && !inside; k++) {
            Py_UCS4 x = CH(k);
            if ((x == '.' || x == '!' || x == '?') && (k + 1 == qb || is_s(CH(k + 1)))) inside = 1;
        }
        if (inside) continue;
        /* 1 to max_words word tokens */
        size_t nt = tok_base;
        if (tokenize_range(S, low, qa + 1, qb, &nt)) return -1;
        int words = count_words_range(S, tok_base, nt);
        if (words < 1 || words > S->scare_max_words) continue;
        /* after a colon, or a reporting verb and a comma or colon: only then ask the Python definition */
        Py_ssize_t lo = qa - 60 > pa ? qa - 60 : pa, b = qa;
        while (b > lo && is_s(CH(b - 1))) b--;
        if (b > lo && (CH(b - 1) == ':' || CH(b - 1) == ',')) {
            PyObject *r = PyObject_CallFunction(S->scare_after, "Onn", text, pa, qa);
            if (!r) return -1;
            int excluded = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (excluded < 0) return -1;
            if (excluded) continue;
        }
        if (dets_add(out, (int32_t)qa, (int32_t)(qb + 1), S->scare_entry)) return -1;
    }
    return 0;
}

static int scare_quotes_para(Scanner *S, PyObject *text, PyObject *low, Py_ssize_t pa, Py_ssize_t pb, size_t tok_base,
                             Dets *out) {
    DISPATCH_KIND(text, scare_quotes_para_impl(S, text, low, pa, pb, tok_base, out, K, D));
}
