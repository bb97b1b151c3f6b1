/* output.h: what a scan returns to Python: scan() as tuples, score_doc() as the rows or columns and counts
 * of analysis.measure.scoring (roll-up categories counted leftmost-longest over their members' matches),
 * the matched texts as UTF-8, and take_strings (Arrow large_string buffers picked by codes).
 * Mirrors: analysis.measure.scoring (row layout, roll-ups) and analysis.measure.core.StringTable.
 * Caught by: tests/measure/test_core_parity.py, tests/measure/test_scoring*.py,
 * tests/measure/test_core_strings.py. */

static PyObject *int_list(const int32_t *v, int n) {
    PyObject *out = PyList_New(n);
    if (!out) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *x = PyLong_FromLong(v[i]);
        if (!x) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, x);
    }
    return out;
}

/* scan(text, low, detected, has_dq) -> (n_words, n_sentences, narration, quote, attributed,
 *                                      sentence hits per category, matches)
 * matches: list of (sentence, entry, start, end, word start, word end, voice) with voice 0 narration,
 * 1 quote, 2 attributed. */
static PyObject *Scanner_scan(Scanner *S, PyObject *args) {
    PyObject *text, *low, *detected;
    int has_dq;
    if (!PyArg_ParseTuple(args, "UUOp", &text, &low, &detected, &has_dq)) return NULL;
    ScanOut o = {0};
    PyObject *result = NULL, *hits = NULL, *matches = NULL;
    if (scan_impl(S, text, low, detected, has_dq, &o) < 0) goto done;
    matches = PyList_New((Py_ssize_t)o.n_hits);
    if (!matches) goto done;
    for (size_t k = 0; k < o.n_hits; k++) {
        Hit *h = &o.hits[k];
        PyObject *t = Py_BuildValue("(iiiiiii)", h->sent, h->entry, h->cstart, h->cend, h->ts, h->te, h->voice);
        if (!t) goto done;
        PyList_SET_ITEM(matches, (Py_ssize_t)k, t);
    }
    hits = int_list(o.sent_hits, S->n_cats);
    if (!hits) goto done;
    result = Py_BuildValue("(lllllOO)", o.n_words, o.n_sent, o.narr, o.quote, o.attr, hits, matches);
done:
    Py_XDECREF(hits);
    Py_XDECREF(matches);
    scanout_free(&o);
    return result;
}

static int hit_cmp_union(const void *x, const void *y) {
    const Hit *a = x, *b = y;
    if (a->cstart != b->cstart) return a->cstart < b->cstart ? -1 : 1;
    if (a->cend != b->cend) return a->cend > b->cend ? -1 : 1;
    return 0;
}
static MFA_INLINE int hit_cmp_union_i(const Hit *a, const Hit *b) { return hit_cmp_union(a, b); }
DEFINE_STABLE_SORT(sort_hits_union, Hit, hit_cmp_union_i)

/* set_output(entry_info, voices, out_index, top_of): how score_doc formats rows and counts.
 * entry_info[entry] = (category, entry text, lexicon, version); voices = 3 str; out_index[core category]
 * = its column in the count lists; top_of[column] = column of its roll-up category or -1. */
static PyObject *Scanner_set_output(Scanner *S, PyObject *args) {
    PyObject *info, *voices, *out_index, *top_of;
    if (!PyArg_ParseTuple(args, "OOOO", &info, &voices, &out_index, &top_of)) return NULL;
    if (!PyList_Check(info) || PyList_GET_SIZE(info) != S->n_entries || !PyTuple_Check(voices) ||
        PyTuple_GET_SIZE(voices) != 3) {
        PyErr_SetString(PyExc_ValueError, "set_output: one info tuple per entry and 3 voices");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(info); i++) {
        PyObject *t = PyList_GET_ITEM(info, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 4) {
            PyErr_SetString(PyExc_ValueError, "set_output: entry info must be 4-tuples");
            return NULL;
        }
    }
    int n_idx = 0, n_top = 0;
    int32_t *idx = int_array(out_index, &n_idx);
    if (!idx) return NULL;
    int32_t *top = int_array(top_of, &n_top);
    if (!top) {
        PyMem_Free(idx);
        return NULL;
    }
    int bad = n_idx != S->n_cats;
    for (int i = 0; i < n_idx && !bad; i++) bad = idx[i] < 0 || idx[i] >= n_top;
    for (int i = 0; i < n_top && !bad; i++) bad = top[i] >= n_top;
    if (bad) {
        PyMem_Free(idx);
        PyMem_Free(top);
        PyErr_SetString(PyExc_ValueError, "set_output: column index out of range");
        return NULL;
    }
    Py_INCREF(info);
    Py_XSETREF(S->entry_info, info);
    Py_INCREF(voices);
    Py_XSETREF(S->voices, voices);
    PyMem_Free(S->out_index);
    PyMem_Free(S->top_of);
    S->out_index = idx;
    S->top_of = top;
    S->n_out = n_top;
    Py_RETURN_NONE;
}

/* score_doc(text, low, detected, has_dq, head) -> (n_words, n_sentences, narration, quote, attributed,
 *   counts, sentence counts, rows): counts per output column, roll-ups counting overlapping matches of
 *   their members once (leftmost-longest over the union); rows = head + (sentence, category, entry,
 *   matched, start, end, token start, token end, voice, lexicon, version).
 * With head None (columnar): (..., counts, sentence counts, records, matched) where records is a bytes
 *   object of int32 (sentence, entry, start, end, token start, token end, voice) per match and matched
 *   the list of matched texts. */
/* the matched texts text[cstart:cend] of hits[0:n] as (bytes: their UTF-8 one after the other, bytes: each
 * one's length in bytes as int32); NULL without an exception when one holds a lone surrogate, which UTF-8
 * cannot encode (the caller then makes str objects) */
static PyObject *matched_utf8(PyObject *text, const Hit *hits, size_t n) {
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        for (Py_ssize_t i = hits[k].cstart; i < hits[k].cend; i++) {
            Py_UCS4 c = CH(i);
            if (c >= 0xD800 && c <= 0xDFFF) return NULL;
            total += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        }
    PyObject *blob = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    PyObject *lens = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(int32_t)));
    if (!blob || !lens) {
        Py_XDECREF(blob);
        Py_XDECREF(lens);
        return NULL;
    }
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(blob);
    int32_t *len = (int32_t *)PyBytes_AS_STRING(lens);
    for (size_t k = 0; k < n; k++) {
        unsigned char *first = out;
        for (Py_ssize_t i = hits[k].cstart; i < hits[k].cend; i++) {
            Py_UCS4 c = CH(i);
            if (c < 0x80) {
                *out++ = (unsigned char)c;
            } else if (c < 0x800) {
                *out++ = (unsigned char)(0xC0 | (c >> 6));
                *out++ = (unsigned char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                *out++ = (unsigned char)(0xE0 | (c >> 12));
                *out++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                *out++ = (unsigned char)(0x80 | (c & 0x3F));
            } else {
                *out++ = (unsigned char)(0xF0 | (c >> 18));
                *out++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
                *out++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                *out++ = (unsigned char)(0x80 | (c & 0x3F));
            }
        }
        len[k] = (int32_t)(out - first);
    }
    PyObject *pair = PyTuple_Pack(2, blob, lens);
    Py_DECREF(blob);
    Py_DECREF(lens);
    return pair;
}

/* columnar score_doc: the numbers of o's hits as int32 records in *packed, the matched texts into *rows
 * (UTF-8 with set_matched_utf8, else a list of str); counts per output column into cnt (0, or -1) */
static int columnar_rows(Scanner *S, PyObject *text, const ScanOut *o, int32_t *cnt, PyObject **packed,
                         PyObject **rows) {
    *packed = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(o->n_hits * 7 * sizeof(int32_t)));
    if (!*packed) return -1;
    int32_t *rec = (int32_t *)PyBytes_AS_STRING(*packed);
    for (size_t k = 0; k < o->n_hits; k++) {
        const Hit *h = &o->hits[k];
        cnt[S->out_index[h->cat]]++;
        int32_t *r = rec + 7 * k;
        r[0] = h->sent;
        r[1] = h->entry;
        r[2] = h->cstart;
        r[3] = h->cend;
        r[4] = h->ts;
        r[5] = h->te;
        r[6] = h->voice;
    }
    PyObject *utf8 = NULL;
    if (S->matched_utf8 && (utf8 = matched_utf8(text, o->hits, o->n_hits)) == NULL && PyErr_Occurred()) return -1;
    if (utf8) { /* (UTF-8 of the matched texts one after the other, their lengths in bytes as int32) */
        Py_SETREF(*rows, utf8);
        return 0;
    }
    for (size_t k = 0; k < o->n_hits; k++) {
        PyObject *matched = PyUnicode_Substring(text, o->hits[k].cstart, o->hits[k].cend);
        if (!matched) return -1;
        PyList_SET_ITEM(*rows, (Py_ssize_t)k, matched);
    }
    return 0;
}

/* score_doc with a head: one tuple per hit of o in rows (head + the match columns); counts per output
 * column into cnt (0, or -1) */
static int tuple_rows(Scanner *S, PyObject *text, const ScanOut *o, PyObject *head, int32_t *cnt, PyObject *rows) {
    Py_ssize_t nh = PyTuple_GET_SIZE(head);
    for (size_t k = 0; k < o->n_hits; k++) {
        const Hit *h = &o->hits[k];
        cnt[S->out_index[h->cat]]++;
        PyObject *info = PyList_GET_ITEM(S->entry_info, h->entry);
        PyObject *row = PyTuple_New(nh + 11);
        if (!row) return -1;
        PyList_SET_ITEM(rows, (Py_ssize_t)k, row);
        for (Py_ssize_t i = 0; i < nh; i++) {
            PyObject *x = PyTuple_GET_ITEM(head, i);
            Py_INCREF(x);
            PyTuple_SET_ITEM(row, i, x);
        }
        PyObject *matched = PyUnicode_Substring(text, h->cstart, h->cend);
        if (!matched) return -1;
        PyObject *vals[11] = {PyLong_FromLong(h->sent), PyTuple_GET_ITEM(info, 0), PyTuple_GET_ITEM(info, 1), matched,
                              PyLong_FromLong(h->cstart), PyLong_FromLong(h->cend), PyLong_FromLong(h->ts),
                              PyLong_FromLong(h->te), PyTuple_GET_ITEM(S->voices, h->voice),
                              PyTuple_GET_ITEM(info, 2), PyTuple_GET_ITEM(info, 3)};
        int borrowed[11] = {0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1};
        for (int i = 0; i < 11; i++) {
            if (!vals[i]) {
                for (int j = i + 1; j < 11; j++)
                    if (!borrowed[j]) Py_XDECREF(vals[j]);
                return -1;
            }
            if (borrowed[i]) Py_INCREF(vals[i]);
            PyTuple_SET_ITEM(row, nh + i, vals[i]);
        }
    }
    return 0;
}

/* roll-ups: per top column, the members' matches sorted by (start, -end), counted leftmost-longest, and
 * the sentences holding one, into cnt and scnt; tmp has room for every hit (0, or -1) */
static int rollup_counts(Scanner *S, const ScanOut *o, Hit *tmp, int32_t *cnt, int32_t *scnt) {
    int n_out = S->n_out;
    for (int t = 0; t < n_out; t++) {
        size_t m = 0;
        int is_top = 0;
        for (int c = 0; c < n_out && !is_top; c++) is_top = S->top_of[c] == t;
        if (!is_top) continue;
        for (size_t k = 0; k < o->n_hits; k++)
            if (S->top_of[S->out_index[o->hits[k].cat]] == t) tmp[m++] = o->hits[k];
        int count = 0, sentences = 0;
        if (m) {
            /* distinct sentences: hits are in sentence order */
            int32_t last_sent = -1;
            for (size_t k = 0; k < m; k++)
                if (tmp[k].sent != last_sent) {
                    sentences++;
                    last_sent = tmp[k].sent;
                }
            if (sort_hits_union(tmp, m)) return -1;
            int32_t last_end = -1;
            for (size_t k = 0; k < m; k++)
                if (tmp[k].cstart >= last_end) {
                    count++;
                    last_end = tmp[k].cend;
                }
        }
        cnt[t] = count;
        scnt[t] = sentences;
    }
    return 0;
}

static PyObject *Scanner_score_doc(Scanner *S, PyObject *args) {
    PyObject *text, *low, *detected, *head;
    int has_dq;
    if (!PyArg_ParseTuple(args, "UUOpO", &text, &low, &detected, &has_dq, &head)) return NULL;
    int columnar = head == Py_None;
    if (!columnar && !PyTuple_Check(head)) {
        PyErr_SetString(PyExc_TypeError, "score_doc: head must be a tuple or None");
        return NULL;
    }
    if (!S->entry_info) {
        PyErr_SetString(PyExc_RuntimeError, "score_doc needs set_output first");
        return NULL;
    }
    ScanOut o = {0};
    PyObject *result = NULL, *rows = NULL, *counts = NULL, *scounts = NULL, *packed = NULL;
    int32_t *cnt = NULL, *scnt = NULL;
    Hit *tmp = NULL;
    if (scan_impl(S, text, low, detected, has_dq, &o) < 0) goto done;
    int n_out = S->n_out;
    cnt = PyMem_Calloc(n_out ? n_out : 1, sizeof(int32_t));
    scnt = PyMem_Calloc(n_out ? n_out : 1, sizeof(int32_t));
    tmp = PyMem_Malloc((o.n_hits ? o.n_hits : 1) * sizeof(Hit));
    rows = PyList_New((Py_ssize_t)o.n_hits);
    if (!cnt || !scnt || !tmp || !rows) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (int c = 0; c < S->n_cats; c++) scnt[S->out_index[c]] += o.sent_hits[c];
    if (columnar ? columnar_rows(S, text, &o, cnt, &packed, &rows) : tuple_rows(S, text, &o, head, cnt, rows)) goto done;
    if (rollup_counts(S, &o, tmp, cnt, scnt)) goto done;
    counts = int_list(cnt, n_out);
    scounts = counts ? int_list(scnt, n_out) : NULL;
    if (!scounts) goto done;
    if (columnar)
        result = Py_BuildValue("(lllllOOOO)", o.n_words, o.n_sent, o.narr, o.quote, o.attr, counts, scounts, packed,
                               rows);
    else
        result = Py_BuildValue("(lllllOOO)", o.n_words, o.n_sent, o.narr, o.quote, o.attr, counts, scounts, rows);
done:
    Py_XDECREF(packed);
    Py_XDECREF(rows);
    Py_XDECREF(counts);
    Py_XDECREF(scounts);
    PyMem_Free(cnt);
    PyMem_Free(scnt);
    PyMem_Free(tmp);
    scanout_free(&o);
    return result;
}

/* take_strings(data, offsets, codes) -> (data, offsets): the strings codes[i] of a table of strings
 * (string j is data[offsets[j]:offsets[j + 1]], offsets int64), one after the other, with their int64
 * offsets: the buffers of an Arrow large_string array, without a Python object per string. When data
 * holds at least 16 bytes after the last string, strings are copied 16 bytes at a time (the result then
 * also has 16 spare bytes at its end, which the offsets do not cover). */
static PyObject *core_take_strings(PyObject *mod, PyObject *args) {
    Py_buffer data, offsets, codes;
    if (!PyArg_ParseTuple(args, "y*y*y*", &data, &offsets, &codes)) return NULL;
    PyObject *out_data = NULL, *out_offsets = NULL, *result = NULL;
    const int64_t *off = (const int64_t *)offsets.buf;
    Py_ssize_t n_strings = offsets.len / (Py_ssize_t)sizeof(int64_t) - 1;
    Py_ssize_t n = codes.len / (Py_ssize_t)sizeof(int32_t);
    const int32_t *code = (const int32_t *)codes.buf;
    if (offsets.len % (Py_ssize_t)sizeof(int64_t) || codes.len % (Py_ssize_t)sizeof(int32_t) || n_strings < 0 ||
        off[0] != 0 || off[n_strings] > data.len) {
        PyErr_SetString(PyExc_ValueError, "take_strings: offsets must be int64 from 0 to at most len(data), codes int32");
        goto done;
    }
    for (Py_ssize_t j = 0; j < n_strings; j++)
        if (off[j] > off[j + 1]) {
            PyErr_SetString(PyExc_ValueError, "take_strings: offsets must not decrease");
            goto done;
        }
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((uint32_t)code[i] >= (uint64_t)n_strings) {
            PyErr_Format(PyExc_IndexError, "take_strings: code %d out of range (%zd strings)", (int)code[i], n_strings);
            goto done;
        }
        total += off[code[i] + 1] - off[code[i]];
    }
    const int wide = data.len - off[n_strings] >= 16; /* reading 16 bytes from any string start is safe */
    out_data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total + (wide ? 16 : 0));
    out_offsets = PyBytes_FromStringAndSize(NULL, (n + 1) * (Py_ssize_t)sizeof(int64_t));
    if (!out_data || !out_offsets) goto done;
    char *dst = PyBytes_AS_STRING(out_data);
    const char *src = (const char *)data.buf;
    int64_t *o = (int64_t *)PyBytes_AS_STRING(out_offsets), pos = 0;
    o[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t a = off[code[i]], len = off[code[i] + 1] - a;
        if (wide) {
#if MFA_SSE2
            for (int64_t x = 0; x < len; x += 16)
                _mm_storeu_si128((__m128i *)(dst + pos + x), _mm_loadu_si128((const __m128i *)(src + a + x)));
#else
            memcpy(dst + pos, src + a, (size_t)len);
#endif
        } else {
            memcpy(dst + pos, src + a, (size_t)len);
        }
        pos += len;
        o[i + 1] = pos;
    }
    result = PyTuple_Pack(2, out_data, out_offsets);
done:
    Py_XDECREF(out_data);
    Py_XDECREF(out_offsets);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&codes);
    return result;
}

/* row_counts(draws, n_bins, out): the multiplicities of a batch of bootstrap resamples. draws holds
 * int64 indices, n_rows rows of n_draws (the buffer's length / 8 / n_draws rows, n_draws = n_bins);
 * out, a writable float64 buffer of n_rows x n_bins, gets in row r the number of times each index
 * appears in row r of draws (what np.bincount of the offset draws gives, as doubles: exact). An index
 * outside [0, n_bins) is refused (out is then left part-written). */
static PyObject *core_row_counts(PyObject *mod, PyObject *args) {
    Py_buffer draws, out;
    Py_ssize_t n_bins;
    (void)mod;
    if (!PyArg_ParseTuple(args, "y*nw*", &draws, &n_bins, &out)) return NULL;
    PyObject *result = NULL;
    if (n_bins <= 0 || draws.len % ((Py_ssize_t)sizeof(int64_t) * n_bins) ||
        out.len != draws.len / (Py_ssize_t)sizeof(int64_t) * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError,
                        "row_counts: draws must be int64 rows of n_bins indices and out float64 of the same shape");
        goto done;
    }
    {
        const int64_t *d = (const int64_t *)draws.buf;
        double *o = (double *)out.buf;
        Py_ssize_t n_rows = draws.len / (Py_ssize_t)sizeof(int64_t) / n_bins;
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t r = 0; r < n_rows && !bad; r++) {
            double *row = o + r * n_bins;
            const int64_t *src = d + r * n_bins;
            memset(row, 0, (size_t)n_bins * sizeof(double));
            for (Py_ssize_t j = 0; j < n_bins; j++) {
                uint64_t k = (uint64_t)src[j];
                if (k >= (uint64_t)n_bins) {
                    bad = 1;
                    break;
                }
                row[k] += 1.0;
            }
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "row_counts: an index outside [0, n_bins)");
            goto done;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&draws);
    PyBuffer_Release(&out);
    return result;
}
