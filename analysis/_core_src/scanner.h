/* scanner.h: the Scanner type's life cycle (init, dealloc) and its small methods: intern, set_entries,
 * set_scare, set_vocab, classify, prepare, split, tokens, quote_regions, norm, stats, set_raw_limit,
 * set_matched_utf8 (the method table is in _core.c). */

static int Scanner_init(Scanner *S, PyObject *args, PyObject *kw) {
    PyObject *expand, *classify, *abbrev, *starters;
    if (!PyArg_ParseTuple(args, "OOOO", &expand, &classify, &abbrev, &starters)) return -1;
    if (!PyAnySet_Check(abbrev) || !PyAnySet_Check(starters)) {
        PyErr_SetString(PyExc_TypeError, "abbreviations and starters must be sets");
        return -1;
    }
    Py_INCREF(expand);
    Py_INCREF(classify);
    Py_INCREF(abbrev);
    Py_INCREF(starters);
    S->expand = expand;
    S->classify = classify;
    S->abbrev = abbrev;
    S->starters = starters;
    S->abbrev_maxlen = 0;
    S->scare_entry = -1;
    PyObject *it = PyObject_GetIter(abbrev), *item;
    if (!it) return -1;
    while ((item = PyIter_Next(it))) {
        if (PyUnicode_Check(item) && PyUnicode_GET_LENGTH(item) > S->abbrev_maxlen)
            S->abbrev_maxlen = PyUnicode_GET_LENGTH(item);
        Py_DECREF(item);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) return -1;
    if (!(S->abbrev_ws = ws_build(abbrev)) || !(S->starters_ws = ws_build(starters))) return -1;
    S->norm_ids = PyDict_New();
    S->norm_strs = PyList_New(0);
    if (!S->norm_ids || !S->norm_strs) return -1;
    S->cap = 1 << 14;
    S->raw_limit = 2000000;
    S->slots = raw_alloc(S->cap);
    if (!S->slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < S->cap; i++) S->slots[i].exp = -1;
    return 0;
}

static void Scanner_dealloc(Scanner *S) {
    Py_XDECREF(S->expand);
    Py_XDECREF(S->classify);
    Py_XDECREF(S->abbrev);
    Py_XDECREF(S->starters);
    PyMem_Free(S->abbrev_ws);
    PyMem_Free(S->starters_ws);
    Py_XDECREF(S->norm_ids);
    Py_XDECREF(S->norm_strs);
    Py_XDECREF(S->scare_after);
    Py_XDECREF(S->entry_info);
    Py_XDECREF(S->voices);
    PyMem_Free(S->out_index);
    PyMem_Free(S->top_of);
    Py_XDECREF(S->quote_chars);
    Py_XDECREF(S->number_words);
    Py_XDECREF(S->cues);
    Py_XDECREF(S->lit_index);
    Py_XDECREF(S->glob_leads);
    Py_XDECREF(S->glob_tails);
    PyMem_Free(S->lead_lengths);
    PyMem_Free(S->tail_lengths);
    mfa_aligned_free(S->slots);
    PyMem_Free(S->pool);
    PyMem_Free(S->exp_n);
    PyMem_Free(S->exp_parts);
    PyMem_Free(S->nflags);
    PyMem_Free(S->anc_off);
    PyMem_Free(S->anc_n);
    PyMem_Free(S->glob_off);
    PyMem_Free(S->glob_n);
    PyMem_Free(S->anc_na);
    PyMem_Free(S->anc_nb);
    PyMem_Free(S->grouped);
    PyMem_Free(S->ipool);
    PyMem_Free(S->kpool);
    free_entries(S);
    PyMem_Free(S->toks);
    PyMem_Free(S->cands);
    PyMem_Free(S->wbefore);
    Py_TYPE(S)->tp_free((PyObject *)S);
}

static PyObject *Scanner_intern(Scanner *S, PyObject *norm) {
    if (!PyUnicode_Check(norm)) {
        PyErr_SetString(PyExc_TypeError, "intern expects a str");
        return NULL;
    }
    int32_t id = intern_norm(S, norm);
    if (id < 0) return NULL;
    return PyLong_FromLong(id);
}

/* set_entries(entries, n_categories): entries is a list of
 * (category id, rank, is_detector, before, after, (ctx0, ctx1, ctx2, ctx3)) */
static PyObject *Scanner_set_entries(Scanner *S, PyObject *args) {
    PyObject *list;
    int ncats;
    if (!PyArg_ParseTuple(args, "Oi", &list, &ncats)) return NULL;
    PyObject *seq = PySequence_Fast(list, "entries must be a sequence");
    if (!seq) return NULL;
    free_entries(S);
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    S->entries = PyMem_Calloc(m ? m : 1, sizeof(Entry));
    if (!S->entries) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        Entry *en = &S->entries[i];
        PyObject *before, *after, *ctx;
        S->n_entries = (int)i + 1;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "iiiOOO", &en->cat, &en->rank, &en->is_detector,
                              &before, &after, &ctx))
            goto fail;
        if (en->cat < 0 || en->cat >= ncats) {
            PyErr_SetString(PyExc_ValueError, "category id out of range");
            goto fail;
        }
        if (parse_seq(before, &en->before) || parse_seq(after, &en->after)) goto fail;
        en->key_after = en->key_before = -1;
        if (en->after.n) {
            const Elem *x = &en->after.els[0];
            if (x->kind == K_LIT && x->lo == 1 && x->hi == 1 && x->nv == 1 && x->ng == 0) en->key_after = x->vals[0];
        }
        if (en->before.n) {
            const Elem *x = &en->before.els[en->before.n - 1];
            if (x->kind == K_LIT && x->lo == 1 && x->hi == 1 && x->nv == 1 && x->ng == 0) en->key_before = x->vals[0];
        }
        PyObject *cseq = PySequence_Fast(ctx, "contexts must be a sequence of 4");
        if (!cseq) goto fail;
        if (PySequence_Fast_GET_SIZE(cseq) != 4) {
            Py_DECREF(cseq);
            PyErr_SetString(PyExc_ValueError, "contexts must be a sequence of 4");
            goto fail;
        }
        for (int c = 0; c < 4; c++) {
            PyObject *pats = PySequence_Fast(PySequence_Fast_GET_ITEM(cseq, c), "context patterns");
            if (!pats) {
                Py_DECREF(cseq);
                goto fail;
            }
            Py_ssize_t np = PySequence_Fast_GET_SIZE(pats);
            en->ctx[c] = PyMem_Calloc(np ? np : 1, sizeof(Seq));
            if (!en->ctx[c]) {
                Py_DECREF(pats);
                Py_DECREF(cseq);
                PyErr_NoMemory();
                goto fail;
            }
            for (Py_ssize_t k = 0; k < np; k++) {
                en->nctx[c] = (int)k + 1;
                if (parse_seq(PySequence_Fast_GET_ITEM(pats, k), &en->ctx[c][k])) {
                    Py_DECREF(pats);
                    Py_DECREF(cseq);
                    goto fail;
                }
            }
            Py_DECREF(pats);
        }
        Py_DECREF(cseq);
    }
    Py_DECREF(seq);
    S->n_cats = ncats;
    S->hot = PyMem_Calloc(m ? m : 1, sizeof(Hot));
    if (!S->hot) {
        free_entries(S);
        return PyErr_NoMemory();
    }
    for (int i = 0; i < S->n_entries; i++) {
        const Entry *en = &S->entries[i];
        Hot *h = &S->hot[i];
        h->cat = en->cat;
        h->rank = en->rank;
        h->key_after = en->key_after;
        h->key_before = en->key_before;
        h->has_after = en->after.n > 0;
        h->has_before = en->before.n > 0;
        h->has_ctx = (en->nctx[0] || en->nctx[1] || en->nctx[2] || en->nctx[3]) != 0;
        h->key_only = (unsigned char)((en->key_after >= 0 && en->after.n == 1 ? 1 : 0) |
                                      (en->key_before >= 0 && en->before.n == 1 ? 2 : 0));
    }
    for (size_t k = 0; k < S->n_norms; k++) S->grouped[k] = 0;
    Py_RETURN_NONE;
fail:
    Py_DECREF(seq);
    free_entries(S);
    return NULL;
}

/* set_scare(entry, max_words, after_reporting): run the built-in scare-quote detector for `entry` */
static PyObject *Scanner_set_scare(Scanner *S, PyObject *args) {
    int entry, max_words;
    PyObject *after;
    if (!PyArg_ParseTuple(args, "iiO", &entry, &max_words, &after)) return NULL;
    if (entry < 0 || entry >= S->n_entries || !S->entries[entry].is_detector || max_words < 1) {
        PyErr_SetString(PyExc_ValueError, "set_scare needs a detector entry and max_words >= 1");
        return NULL;
    }
    Py_INCREF(after);
    Py_XSETREF(S->scare_after, after);
    S->scare_entry = entry;
    S->scare_max_words = max_words;
    Py_RETURN_NONE;
}

static int sorted_lengths(PyObject *lens, int32_t **out, int *n, const char *what) {
    *out = int_array(lens, n);
    if (!*out) return -1;
    for (int i = 1; i < *n; i++)
        if ((*out)[i] < (*out)[i - 1]) {
            PyMem_Free(*out);
            *out = NULL;
            PyErr_Format(PyExc_ValueError, "set_vocab: %s must be sorted", what);
            return -1;
        }
    return 0;
}

/* set_vocab(quote_chars, number_words, cues, lit_index, glob_leads, lead_lengths, has_nolead, max_glob_token
 *           [, glob_tails, tail_lengths]):
 * classify and expand new tokens natively (see classify_c). A norm goes to the Python callback when it
 * starts with a key of glob_leads or ends with a key of glob_tails (the globs without a lead, by the
 * literal characters after their last wildcard), or always when has_nolead (a glob with neither). */
static PyObject *Scanner_set_vocab(Scanner *S, PyObject *args) {
    PyObject *qc, *nw, *cues, *lit, *leads, *lens, *tails = NULL, *tlens = NULL;
    int has_nolead, max_glob;
    if (!PyArg_ParseTuple(args, "OOOO!O!Opi|O!O", &qc, &nw, &cues, &PyDict_Type, &lit, &PyDict_Type, &leads, &lens,
                          &has_nolead, &max_glob, &PyDict_Type, &tails, &tlens))
        return NULL;
    if (tails && !tlens) {
        PyErr_SetString(PyExc_TypeError, "set_vocab: glob_tails needs tail_lengths");
        return NULL;
    }
    if (!PyAnySet_Check(qc) || !PyAnySet_Check(nw) || !PyAnySet_Check(cues)) {
        PyErr_SetString(PyExc_TypeError, "set_vocab: quote_chars, number_words and cues must be sets");
        return NULL;
    }
    int n = 0, nt = 0;
    int32_t *ll = NULL, *tl = NULL;
    if (sorted_lengths(lens, &ll, &n, "lead_lengths")) return NULL;
    if (tails && sorted_lengths(tlens, &tl, &nt, "tail_lengths")) {
        PyMem_Free(ll);
        return NULL;
    }
    Py_INCREF(qc);
    Py_XSETREF(S->quote_chars, qc);
    Py_INCREF(nw);
    Py_XSETREF(S->number_words, nw);
    Py_INCREF(cues);
    Py_XSETREF(S->cues, cues);
    Py_INCREF(lit);
    Py_XSETREF(S->lit_index, lit);
    Py_INCREF(leads);
    Py_XSETREF(S->glob_leads, leads);
    PyMem_Free(S->lead_lengths);
    S->lead_lengths = ll;
    S->n_lead_lengths = n;
    Py_XINCREF(tails);
    Py_XSETREF(S->glob_tails, tails);
    PyMem_Free(S->tail_lengths);
    S->tail_lengths = tl;
    S->n_tail_lengths = tails ? nt : 0;
    S->has_nolead = has_nolead;
    S->max_glob_token = max_glob;
    S->vocab_ready = 1;
    Py_RETURN_NONE;
}

/* classify(norm) -> (flags, anchors, globs) as the core classifies a new token (for tests) */
static PyObject *Scanner_classify(Scanner *S, PyObject *norm) {
    if (!PyUnicode_Check(norm)) {
        PyErr_SetString(PyExc_TypeError, "classify expects a str");
        return NULL;
    }
    return S->vocab_ready ? classify_native(S, norm) : PyObject_CallOneArg(S->classify, norm);
}

/* prepare(text) -> (low, has_dq) or None: ``text.lower()`` with ’ read as ', and whether the text holds a
 * double quotation mark ("“”„, `` or ''). None when the text holds a character whose lower case the
 * simple mapping does not give (İ, Σ: the caller then uses str.lower()). */
static PyObject *Scanner_prepare(Scanner *S, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "prepare expects a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    Py_UCS4 maxc = kind == PyUnicode_1BYTE_KIND ? 0xFF : kind == PyUnicode_2BYTE_KIND ? 0xFFFF : 0x10FFFF;
    PyObject *low = PyUnicode_New(n, maxc);
    if (!low) return NULL;
    int has_dq = 0;
    if (!lower_into(text, low, &has_dq)) {
        Py_DECREF(low);
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(Ni)", low, has_dq);
}

static PyObject *spans_to_list(const Py_ssize_t *buf, size_t n) {
    PyObject *out = PyList_New((Py_ssize_t)(n / 2));
    if (!out) return NULL;
    for (size_t i = 0; i < n; i += 2) {
        PyObject *t = Py_BuildValue("(nn)", buf[i], buf[i + 1]);
        if (!t) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)(i / 2), t);
    }
    return out;
}

/* split(text) -> list of (start, end, paragraph) sentence spans */
static PyObject *Scanner_split(Scanner *S, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "split expects a str");
        return NULL;
    }
    Py_ssize_t *paras = NULL, *sents = NULL;
    size_t np = 0, ns = 0, scap = 0;
    PyObject *out = NULL;
    if (paragraphs(text, &paras, &np)) goto done;
    out = PyList_New(0);
    if (!out) goto done;
    for (size_t p = 0; p < np; p += 2) {
        ns = 0;
        if (sentences_in(S, text, paras[p], paras[p + 1], &sents, &scap, &ns)) {
            Py_CLEAR(out);
            goto done;
        }
        for (size_t k = 0; k < ns; k += 2) {
            PyObject *t = Py_BuildValue("(nnn)", sents[k], sents[k + 1], (Py_ssize_t)(p / 2));
            if (!t || PyList_Append(out, t) < 0) {
                Py_XDECREF(t);
                Py_CLEAR(out);
                goto done;
            }
            Py_DECREF(t);
        }
    }
done:
    PyMem_Free(paras);
    PyMem_Free(sents);
    return out;
}

/* The arguments (low, a, b) of tokens and token_ids: low[a:b] (clamped to low) tokenized into S->toks.
 * 0 with *nt tokens and the scanner still entered (the caller clears S->busy), or -1 with an exception
 * set and the scanner left. */
static int tokenize_args(Scanner *S, PyObject *args, size_t *nt) {
    PyObject *low;
    Py_ssize_t a, b;
    if (!PyArg_ParseTuple(args, "Unn", &low, &a, &b)) return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(low);
    if (a < 0) a = 0;
    if (b > n) b = n;
    *nt = 0;
    if (scanner_enter(S)) return -1;
    if (a < b && tokenize_range(S, low, a, b, nt)) {
        S->busy = 0;
        return -1;
    }
    return 0;
}

/* tokens(low, a, b) -> list of (start, end, norm) */
static PyObject *Scanner_tokens(Scanner *S, PyObject *args) {
    size_t nt;
    if (tokenize_args(S, args, &nt)) return NULL;
    S->busy = 0;
    PyObject *out = PyList_New((Py_ssize_t)nt);
    if (!out) return NULL;
    for (size_t i = 0; i < nt; i++) {
        PyObject *t = Py_BuildValue("(iiO)", S->toks[i].start, S->toks[i].end,
                                    PyList_GET_ITEM(S->norm_strs, S->toks[i].norm));
        if (!t) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, t);
    }
    return out;
}

/* token_ids(low, a, b) -> bytes: the norm ids (int32, native byte order) of the tokens of low[a:b], the
 * tokens of tokens(low, a, b) without a Python object per token; norm(id) gives each id's norm. For
 * counting words with numpy (analysis.compare.coretokens.ids_function). */
static PyObject *Scanner_token_ids(Scanner *S, PyObject *args) {
    size_t nt;
    if (tokenize_args(S, args, &nt)) return NULL;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(nt * sizeof(int32_t)));
    if (out) {
        int32_t *ids = (int32_t *)PyBytes_AS_STRING(out);
        for (size_t i = 0; i < nt; i++) ids[i] = S->toks[i].norm;
    }
    S->busy = 0;
    return out;
}

/* quote_regions(text) -> list of (start, end) over all paragraphs */
static PyObject *Scanner_quote_regions(Scanner *S, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "quote_regions expects a str");
        return NULL;
    }
    Py_ssize_t *paras = NULL, *regs = NULL;
    size_t np = 0, nr = 0, rcap = 0;
    PyObject *out = NULL;
    if (paragraphs(text, &paras, &np)) goto done;
    for (size_t p = 0; p < np; p += 2)
        if (quote_regions(text, paras[p], paras[p + 1], &regs, &rcap, &nr)) goto done;
    out = spans_to_list(regs, nr);
done:
    PyMem_Free(paras);
    PyMem_Free(regs);
    return out;
}

static PyObject *Scanner_norm(Scanner *S, PyObject *arg) {
    long i = PyLong_AsLong(arg);
    if (i == -1 && PyErr_Occurred()) return NULL;
    if (i < 0 || (size_t)i >= S->n_norms) {
        PyErr_SetString(PyExc_IndexError, "norm id out of range");
        return NULL;
    }
    PyObject *s = PyList_GET_ITEM(S->norm_strs, i);
    Py_INCREF(s);
    return s;
}

static PyObject *Scanner_stats(Scanner *S, PyObject *Py_UNUSED(ignored)) {
    return Py_BuildValue("{s:n,s:n}", "norms", (Py_ssize_t)S->n_norms, "raw_tokens", (Py_ssize_t)S->used);
}

static PyObject *Scanner_set_raw_limit(Scanner *S, PyObject *arg) {
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "the raw-token cache limit must be at least 1");
        return NULL;
    }
    S->raw_limit = (size_t)n;
    Py_RETURN_NONE;
}

static PyObject *Scanner_set_matched_utf8(Scanner *S, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    S->matched_utf8 = on;
    Py_RETURN_NONE;
}
