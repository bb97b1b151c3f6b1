/* token_cache.h: normalised tokens (norms) and the raw-token cache. A norm is classified once (flags,
 * anchored entries, globs), natively where a glob cannot match it, else by the Python callback; a raw token
 * is expanded once (clitics, negation, quote marks) and the expansion cached in an open-addressing table.
 * Mirrors: analysis.text.tokenize._EXPANSION / _expand and CoreScanner._classify (token_kind,
 * is_number_token, REPORTING_CUES, the literal index of analysis.measure.matching).
 * Caught by: tests/measure/test_core_parity.py (classify on every norm; cache limits). */

static int32_t ipool_add(Scanner *S, PyObject *seq, int32_t *count) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (grow((void **)&S->ipool, &S->ipool_cap, S->ipool_len + n + 1, sizeof(int32_t))) return -1;
    int32_t off = (int32_t)S->ipool_len;
    for (Py_ssize_t i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v == -1 && PyErr_Occurred()) return -1;
        S->ipool[S->ipool_len++] = (int32_t)v;
    }
    *count = (int32_t)n;
    return off;
}

/* (flags, anchors, globs) of a norm: the rules of CoreScanner._classify (token_kind, is_number_token,
 * REPORTING_CUES, the literal index), computed here; a norm that a glob could match goes to the Python
 * callback, which is the definition (tests/measure/test_core_parity.py compares both on every norm). */
/* native classification: 1 with *flags and *anchors (borrowed, may be NULL) set; 0 when the norm goes to
 * the Python callback (a glob could match it); -1 on error */
static int classify_c(Scanner *S, PyObject *norm, long *flags_out, PyObject **anchors_out) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(norm);
    if (len == 0) return 0;
    if (len <= S->max_glob_token) {
        int maybe_glob = S->has_nolead;
        for (int k = 0; k < S->n_lead_lengths && !maybe_glob; k++) {
            Py_ssize_t L = S->lead_lengths[k];
            if (L > len) break;
            PyObject *pre = PyUnicode_Substring(norm, 0, L);
            if (!pre) return -1;
            int r = PyDict_Contains(S->glob_leads, pre);
            Py_DECREF(pre);
            if (r < 0) return -1;
            maybe_glob = r;
        }
        for (int k = 0; k < S->n_tail_lengths && !maybe_glob; k++) {
            Py_ssize_t L = S->tail_lengths[k];
            if (L > len) break;
            PyObject *suf = PyUnicode_Substring(norm, len - L, len);
            if (!suf) return -1;
            int r = PyDict_Contains(S->glob_tails, suf);
            Py_DECREF(suf);
            if (r < 0) return -1;
            maybe_glob = r;
        }
        if (maybe_glob) return 0;
    }
    Py_UCS4 c0 = PyUnicode_READ_CHAR(norm, 0);
    int isdig = Py_UNICODE_ISDIGIT(c0) != 0, isaln = Py_UNICODE_ISALNUM(c0) != 0;
    long flags = 0;
    if (isdig) {
        flags |= F_WORD; /* kind num */
    } else if (isaln || c0 == '_') {
        flags |= F_WORD | F_WORDKIND;
    } else {
        int q = PySet_Contains(S->quote_chars, norm);
        if (q < 0) return -1;
        if (!q && c0 == '\'' && len > 1) flags |= F_WORD | F_WORDKIND;
    }
    if (isaln || (c0 == '\'' && len > 1)) flags |= F_ANY;
    int num = isdig;
    if (!num && (num = PySet_Contains(S->number_words, norm)) < 0) return -1;
    if (num) flags |= F_NUM;
    int cue = PySet_Contains(S->cues, norm);
    if (cue < 0) return -1;
    if (cue) flags |= F_CUE;
    PyObject *anchors = PyDict_GetItemWithError(S->lit_index, norm);
    if (!anchors && PyErr_Occurred()) return -1;
    *flags_out = flags;
    *anchors_out = anchors;
    return 1;
}

/* (flags, anchors, globs) of a norm: the rules of CoreScanner._classify (token_kind, is_number_token,
 * REPORTING_CUES, the literal index), computed here; a norm that a glob could match goes to the Python
 * callback, which is the definition (tests/measure/test_core_parity.py compares both on every norm). */
static PyObject *classify_native(Scanner *S, PyObject *norm) {
    long flags = 0;
    PyObject *anchors = NULL;
    int r = classify_c(S, norm, &flags, &anchors);
    if (r < 0) return NULL;
    if (r == 0) return PyObject_CallOneArg(S->classify, norm);
    PyObject *empty = PyTuple_New(0);
    if (!empty) return NULL;
    PyObject *res = Py_BuildValue("(lOO)", flags, anchors ? anchors : empty, empty);
    Py_DECREF(empty);
    return res;
}

/* id of a normalised token, classifying it (flags, anchored entries, matching globs) on first sight */
static int32_t intern_norm(Scanner *S, PyObject *norm) {
    PyObject *id = PyDict_GetItemWithError(S->norm_ids, norm);
    if (id) return (int32_t)PyLong_AsLong(id);
    if (PyErr_Occurred()) return -1;
    size_t k = S->n_norms;
    if (k >= S->norms_cap) {
        size_t cap = S->norms_cap;
        size_t need = k + 1;
        if (grow((void **)&S->nflags, &cap, need, sizeof(uint32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->anc_off, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->anc_n, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->glob_off, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->glob_n, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->anc_na, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->anc_nb, &cap, need, sizeof(int32_t))) return -1;
        cap = S->norms_cap;
        if (grow((void **)&S->grouped, &cap, need, 1)) return -1;
        S->norms_cap = cap;
    }
    long flags = 0;
    int32_t an = 0, gn = 0, ao, go;
    int native = 0;
    if (S->vocab_ready) {
        PyObject *anchors = NULL;
        native = classify_c(S, norm, &flags, &anchors);
        if (native < 0) return -1;
        if (native) {
            if (anchors) {
                PyObject *anc = PySequence_Fast(anchors, "anchors must be a sequence");
                if (!anc) return -1;
                ao = ipool_add(S, anc, &an);
                Py_DECREF(anc);
                if (ao < 0) return -1;
            } else {
                ao = (int32_t)S->ipool_len;
            }
            go = (int32_t)S->ipool_len;
            goto store;
        }
    }
    PyObject *res = PyObject_CallOneArg(S->classify, norm);
    if (!res) return -1;
    if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 3) {
        Py_DECREF(res);
        PyErr_SetString(PyExc_TypeError, "classify must return (flags, anchors, globs)");
        return -1;
    }
    flags = PyLong_AsLong(PyTuple_GET_ITEM(res, 0));
    PyObject *anc = PySequence_Fast(PyTuple_GET_ITEM(res, 1), "anchors must be a sequence");
    PyObject *gl = anc ? PySequence_Fast(PyTuple_GET_ITEM(res, 2), "globs must be a sequence") : NULL;
    Py_DECREF(res);
    if (!gl) {
        Py_XDECREF(anc);
        return -1;
    }
    ao = ipool_add(S, anc, &an);
    go = ao < 0 ? -1 : ipool_add(S, gl, &gn);
    Py_DECREF(anc);
    Py_DECREF(gl);
    if (go < 0 || PyErr_Occurred()) return -1;
store:
    S->nflags[k] = (uint32_t)flags;
    S->anc_off[k] = ao;
    S->anc_n[k] = an;
    S->glob_off[k] = go;
    S->glob_n[k] = gn;
    S->grouped[k] = 0;
    PyObject *key = PyLong_FromSsize_t((Py_ssize_t)k);
    if (!key) return -1;
    if (PyDict_SetItem(S->norm_ids, norm, key) < 0 || PyList_Append(S->norm_strs, norm) < 0) {
        Py_DECREF(key);
        return -1;
    }
    Py_DECREF(key);
    S->n_norms++;
    return (int32_t)k;
}

/* ---------------------------------------------------------------- raw token -> expansion cache */

static void raw_clear(Scanner *S) {
    for (size_t i = 0; i < S->cap; i++) S->slots[i].exp = -1;
    S->used = 0;
    S->pool_len = 0;
    S->n_exp = 0;
}

static Slot *raw_alloc(size_t cap) {
    /* aligned to cache lines, so that no slot straddles two */
    return (Slot *)mfa_aligned_alloc(64, cap * sizeof(Slot));
}

static int raw_resize(Scanner *S, size_t cap) {
    Slot *old = S->slots;
    size_t oldcap = S->cap;
    Slot *slots = raw_alloc(cap);
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < cap; i++) slots[i].exp = -1;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].exp < 0) continue;
        size_t j = (size_t)old[i].h & (cap - 1);
        while (slots[j].exp >= 0) j = (j + 1) & (cap - 1);
        slots[j] = old[i];
    }
    mfa_aligned_free(old);
    S->slots = slots;
    S->cap = cap;
    return 0;
}

/* remember low[x:x+len] (hash h; every character below 256 when inl) -> expansion e */
static MFA_INLINE int32_t raw_store(Scanner *S, const int kind, const void *data, Py_ssize_t x,
                                                               int32_t len, uint32_t h, int inl, int32_t e,
                                                               int32_t *single) {
    Slot sl;
    sl.h = h;
    sl.len = len;
    sl.exp = e;
    sl.single = *single = S->exp_n[e] == 1 && S->exp_parts[e][1] == len ? S->exp_parts[e][0] : -1;
    if (inl) {
        for (Py_ssize_t i = 0; i < len; i++) sl.key.k[i] = (unsigned char)CH(x + i);
    } else {
        if (grow((void **)&S->pool, &S->pool_cap, S->pool_len + len, sizeof(Py_UCS4))) return -1;
        for (Py_ssize_t i = 0; i < len; i++) S->pool[S->pool_len + i] = CH(x + i);
        sl.key.off = (int32_t)S->pool_len;
        S->pool_len += len;
    }
    size_t mask = S->cap - 1, j = (size_t)h & mask;
    while (S->slots[j].exp >= 0) j = (j + 1) & mask;
    S->slots[j] = sl;
    S->used++;
    if (S->used * 2 > S->cap && raw_resize(S, S->cap * 2) < 0) return -1;
    return e;
}

/* expansion index of low[x:y], computed by the expand callback on first sight */
/* hash of low[x:y] (FNV-1a folded to 32 bits: the slot keeps 32 bits, the key is compared anyway) and
 * whether the token is kept in its slot (a property of the token alone, so a stored token and the same
 * token looked up agree) */
#define RAW_HASH_SEED 1469598103934665603ULL
static MFA_INLINE uint64_t raw_hash_step(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}
static MFA_INLINE uint32_t raw_hash_final(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

static MFA_INLINE uint32_t raw_hash(const int kind, const void *data, Py_ssize_t x,
                                                               Py_ssize_t y, int *inl) {
    uint64_t h = RAW_HASH_SEED;
    Py_UCS4 all = 0;
    for (Py_ssize_t i = x; i < y; i++) {
        Py_UCS4 c = CH(i);
        all |= c;
        h = raw_hash_step(h, c);
    }
    *inl = y - x <= RAW_INLINE && (kind == PyUnicode_1BYTE_KIND || all < 256);
    return raw_hash_final(h);
}

/* expansion index of low[x:y] (hash h, inl from raw_hash), computed by the expand callback on first
 * sight; *single as in Slot */
static MFA_INLINE int32_t raw_lookup(Scanner *S, PyObject *low, const int kind, const void *data,
                                                                 Py_ssize_t x, Py_ssize_t y, uint32_t h, const int inl,
                                                                 int32_t *single) {
    int32_t len = (int32_t)(y - x);
    size_t mask = S->cap - 1;
    size_t j = (size_t)h & mask;
    while (S->slots[j].exp >= 0) {
        const Slot *sl = &S->slots[j];
        if (sl->h == h && sl->len == len) {
            Py_ssize_t i = 0;
            if (inl) {
                if (kind == PyUnicode_1BYTE_KIND) {
                    if (memcmp(sl->key.k, (const Py_UCS1 *)data + x, (size_t)len) == 0) {
                        *single = sl->single;
                        return sl->exp;
                    }
                } else {
                    while (i < len && sl->key.k[i] == CH(x + i)) i++;
                    if (i == len) {
                        *single = sl->single;
                        return sl->exp;
                    }
                }
            } else {
                const Py_UCS4 *p = S->pool + sl->key.off;
                while (i < len && p[i] == CH(x + i)) i++;
                if (i == len) {
                    *single = sl->single;
                    return sl->exp;
                }
            }
        }
        j = (j + 1) & mask;
    }
    /* new raw token */
    if (S->used >= S->raw_limit) { /* bound the cache, like the Python path */
        raw_clear(S);
        j = (size_t)h & mask;
    }
    PyObject *raw = PyUnicode_Substring(low, x, y);
    if (!raw) return -1;
    PyObject *res = NULL;
    if (S->vocab_ready) {
        /* _expand of analysis.text.tokenize without an apostrophe: a quote mark drops, anything else is
         * its own norm */
        int apostrophe = 0;
        for (Py_ssize_t i = x; i < y && !apostrophe; i++) apostrophe = CH(i) == '\'';
        if (!apostrophe || len < 2) {
            int q = len == 1 ? PySet_Contains(S->quote_chars, raw) : 0;
            if (q < 0) {
                Py_DECREF(raw);
                return -1;
            }
            int32_t nid = q ? 0 : intern_norm(S, raw);
            Py_DECREF(raw);
            if (nid < 0) return -1;
            /* store the expansion directly: none for a quote mark, else the token itself */
            if (S->n_exp >= S->exp_cap) {
                size_t cap = S->exp_cap;
                if (grow((void **)&S->exp_n, &cap, S->n_exp + 1, sizeof(int32_t))) return -1;
                cap = S->exp_cap;
                if (grow((void **)&S->exp_parts, &cap, S->n_exp + 1, sizeof(int32_t[8]))) return -1;
                S->exp_cap = cap;
            }
            int32_t e = (int32_t)S->n_exp;
            S->exp_n[e] = q ? 0 : 1;
            S->exp_parts[e][0] = nid;
            S->exp_parts[e][1] = len;
            S->n_exp++;
            return raw_store(S, kind, data, x, len, h, inl, e, single);
        }
    }
    if (!res) {
        res = PyObject_CallOneArg(S->expand, raw);
        Py_DECREF(raw);
        if (!res) return -1;
    }
    PyObject *seq = PySequence_Fast(res, "expand must return a sequence");
    Py_DECREF(res);
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > 4) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "a raw token expands into more than 4 tokens");
        return -1;
    }
    if (S->n_exp >= S->exp_cap) {
        size_t cap = S->exp_cap;
        if (grow((void **)&S->exp_n, &cap, S->n_exp + 1, sizeof(int32_t))) goto fail;
        cap = S->exp_cap;
        if (grow((void **)&S->exp_parts, &cap, S->n_exp + 1, sizeof(int32_t[8]))) goto fail;
        S->exp_cap = cap;
    }
    int32_t e = (int32_t)S->n_exp;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *part = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(part) || PyTuple_GET_SIZE(part) != 2) {
            PyErr_SetString(PyExc_TypeError, "expand must return (norm, length) pairs");
            goto fail;
        }
        int32_t id = intern_norm(S, PyTuple_GET_ITEM(part, 0));
        if (id < 0) goto fail;
        S->exp_parts[e][2 * i] = id;
        S->exp_parts[e][2 * i + 1] = (int32_t)PyLong_AsLong(PyTuple_GET_ITEM(part, 1));
    }
    Py_DECREF(seq);
    S->exp_n[e] = (int32_t)n;
    S->n_exp++;
    return raw_store(S, kind, data, x, len, h, inl, e, single);
fail:
    Py_DECREF(seq);
    return -1;
}
