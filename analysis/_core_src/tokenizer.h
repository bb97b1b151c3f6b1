/* tokenizer.h: TOKEN_PATTERN of analysis.text.tokenize run on the lower-cased text, raw tokens looked up
 * in blocks (their cache slots prefetched) and expanded into tokens.
 * Mirrors: analysis.text.tokenize.TOKEN_PATTERN and token_spans(); a change to either needs one here.
 * Caught by: tests/measure/test_core_parity.py (tokens of generated and real-shaped texts). */

static MFA_INLINE Py_ssize_t token_end(const int kind, const void *data, Py_ssize_t i,
                                                                  Py_ssize_t b) {
    Py_UCS4 c = CH(i);
    Py_ssize_t j;
    /* (?:[^\W\d_]\.){2,}(?!\w) */
    if (is_letter(c)) {
        int reps = 0;
        j = i;
        while (j + 1 < b && is_letter(CH(j)) && CH(j + 1) == '.') {
            j += 2;
            reps++;
        }
        if (reps >= 2 && !(j < b && is_w(CH(j)))) return j;
    }
    /* \d+(?:[.,:]\d+)+%? */
    if (is_d(c)) {
        int groups = 0;
        j = i;
        while (j < b && is_d(CH(j))) j++;
        while (j + 1 < b) {
            Py_UCS4 s = CH(j);
            if (!((s == '.' || s == ',' || s == ':') && is_d(CH(j + 1)))) break;
            j++;
            while (j < b && is_d(CH(j))) j++;
            groups++;
        }
        if (groups) {
            if (j < b && CH(j) == '%') j++;
            return j;
        }
    }
    /* \w+(?:[-'’]\w+)* */
    if (is_w(c)) {
        j = i + 1;
        while (j < b && is_w(CH(j))) j++;
        while (j + 1 < b) {
            Py_UCS4 s = CH(j);
            if (!((s == '-' || s == '\'' || s == 0x2019) && is_w(CH(j + 1)))) break;
            j += 2;
            while (j < b && is_w(CH(j))) j++;
        }
        return j;
    }
    return i + 1; /* [^\w\s] */
}

/* raw tokens found ahead of their lookup, so that the cache reads of a block overlap */
#define RAW_BLOCK 32

static MFA_INLINE int tokenize_impl(Scanner *S, PyObject *low, const int kind,
                                                               const void *data, Py_ssize_t a, Py_ssize_t b, size_t *n) {
    Py_ssize_t i = a;
    int32_t xs[RAW_BLOCK], ys[RAW_BLOCK];
    uint32_t hs[RAW_BLOCK];
    unsigned char inls[RAW_BLOCK];
    while (i < b) {
        /* find a block of raw tokens and hash them, prefetching their slots */
        int k = 0;
        size_t mask = S->cap - 1;
        while (i < b && k < RAW_BLOCK) {
            if (is_s(CH(i))) {
                i++;
                continue;
            }
            Py_ssize_t j;
            int inl;
            uint32_t h;
            Py_UCS4 c = CH(i);
            if (c < 256 && (CLS[c] & C_L) && !(i + 1 < b && CH(i + 1) == '.')) {
                /* most tokens: a word starting with a letter (not an initialism), hashed while it is read;
                 * raw_hash and token_end decide the rest, and a word joined by - or ' */
                uint64_t hh = RAW_HASH_SEED;
                Py_UCS4 all = 0;
                j = i;
                do {
                    all |= c;
                    hh = raw_hash_step(hh, c);
                    if (++j >= b) break;
                    c = CH(j);
                } while (is_w(c));
                if (j + 1 < b && (c == '-' || c == '\'' || c == 0x2019) && is_w(CH(j + 1))) {
                    j = token_end(kind, data, i, b);
                    h = raw_hash(kind, data, i, j, &inl);
                } else {
                    h = raw_hash_final(hh);
                    inl = j - i <= RAW_INLINE && (kind == PyUnicode_1BYTE_KIND || all < 256);
                }
            } else {
                j = token_end(kind, data, i, b);
                h = raw_hash(kind, data, i, j, &inl);
            }
            MFA_PREFETCH(&S->slots[h & mask]);
            xs[k] = (int32_t)i;
            ys[k] = (int32_t)j;
            hs[k] = h;
            inls[k] = (unsigned char)inl;
            k++;
            i = j;
        }
        if (grow((void **)&S->toks, &S->toks_cap, *n + (size_t)k + 1, sizeof(Tok))) return -1;
        for (int r = 0; r < k; r++) {
            int32_t single;
            int32_t e = raw_lookup(S, low, kind, data, xs[r], ys[r], hs[r], inls[r], &single);
            if (e < 0) return -1;
            if (single >= 0) { /* most tokens: one part, the token itself (no read of the expansion tables) */
                S->toks[*n].start = xs[r];
                S->toks[*n].end = ys[r];
                S->toks[*n].norm = single;
                (*n)++;
                continue;
            }
            int32_t parts = S->exp_n[e];
            /* room for the parts of this token and one for each token left in the block */
            if (grow((void **)&S->toks, &S->toks_cap, *n + (size_t)parts + (size_t)(k - r) + 1, sizeof(Tok)))
                return -1;
            int32_t x = xs[r];
            for (int32_t p = 0; p < parts; p++) {
                int32_t len = S->exp_parts[e][2 * p + 1];
                S->toks[*n].start = x;
                S->toks[*n].end = x + len;
                S->toks[*n].norm = S->exp_parts[e][2 * p];
                (*n)++;
                x += len;
            }
        }
    }
    return 0;
}

/* tokens of low[a:b], expanded, quotes dropped; appended to S->toks from index *n (one copy of the loop
 * per string kind, so that every character read is a plain array access) */
static int tokenize_range(Scanner *S, PyObject *low, Py_ssize_t a, Py_ssize_t b, size_t *n) {
    const void *data = PyUnicode_DATA(low);
    switch (PyUnicode_KIND(low)) {
    case PyUnicode_1BYTE_KIND: return tokenize_impl(S, low, PyUnicode_1BYTE_KIND, data, a, b, n);
    case PyUnicode_2BYTE_KIND: return tokenize_impl(S, low, PyUnicode_2BYTE_KIND, data, a, b, n);
    default: return tokenize_impl(S, low, PyUnicode_4BYTE_KIND, data, a, b, n);
    }
}

static int count_words_range(Scanner *S, size_t from, size_t to) {
    int w = 0;
    for (size_t i = from; i < to; i++) w += (S->nflags[S->toks[i].norm] & F_WORD) != 0;
    return w;
}
