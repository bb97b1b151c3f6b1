/* voice.h: quotation regions of a paragraph (paired double quotes, `` '' pairs, regions of at least four
 * words), which decide a match's voice with the reporting cues.
 * Mirrors: analysis.measure.voice.quote_regions and MIN_QUOTE_WORDS.
 * Caught by: tests/measure/test_core_parity.py (quote_regions, voices of every match). */

/* quote_regions of analysis.measure.voice for text[a:b]: flat pairs appended */
static MFA_INLINE int quote_regions_impl(PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap, size_t *nb, const int kind, const void *data) {
    Py_ssize_t open_at = -1;
    size_t first = *nb;
    Py_ssize_t i = a;
    while ((i = skip_to_any(kind, data, i, b, QUOTES, 6)) < b) {
        Py_UCS4 c = CH(i);
        int len = 0, opener_only = 0, closer_only = 0;
        if (is_dq(c)) {
            len = 1;
            opener_only = c == 0x201C;
            closer_only = c == 0x201D;
        } else if ((c == '`' || c == '\'') && i + 1 < b && CH(i + 1) == c) {
            len = 2;
            opener_only = c == '`';
        }
        if (!len) {
            i++;
            continue;
        }
        if (open_at < 0) {
            if (!closer_only) open_at = i;
        } else if (!opener_only) {
            if (add_span(buf, cap, nb, open_at, i + len)) return -1;
            open_at = -1;
        } else {
            open_at = i;
        }
        i += len;
    }
    if (open_at >= 0 && add_span(buf, cap, nb, open_at, b)) return -1;
    /* keep regions of at least MIN_QUOTE_WORDS (4) \w+ runs */
    size_t w = first;
    for (size_t r = first; r < *nb; r += 2) {
        Py_ssize_t x = (*buf)[r], y = (*buf)[r + 1];
        int words = 0, inw = 0;
        for (Py_ssize_t k = x; k < y && words < 4; k++) {
            int wc = is_w(CH(k));
            if (wc && !inw) words++;
            inw = wc;
        }
        if (words >= 4) {
            (*buf)[w++] = x;
            (*buf)[w++] = y;
        }
    }
    *nb = w;
    return 0;
}

static int quote_regions(PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap, size_t *nb) {
    DISPATCH_KIND(text, quote_regions_impl(text, a, b, buf, cap, nb, K, D));
}
