/* analysis._core: the compiled scanning core of the matcher.
 *
 * One pass over a document: paragraphs -> sentences -> tokens (with the clitic/negation expansion and
 * quote dropping of analysis.text.tokenize) -> lexicon matches (the element automaton of
 * analysis.measure.matching) -> voice. It implements exactly the rules of the Python reference path
 * (analysis.text.tokenize, analysis.measure.matching, analysis.measure.voice), which stays the
 * definition: tests/measure/test_core_parity.py checks both give identical results.
 *
 * Everything that depends on a token's text alone (its expansion into normalised tokens, its kind,
 * which lexicon entries it can anchor, which globs it matches) is computed once per distinct token by
 * Python callbacks and cached here, so the Python definitions are used for those decisions too.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* token flags, computed by the classify callback */
#define F_WORD 1      /* word or number: counts as a token */
#define F_ANY 2       /* matched by the pattern element "*" */
#define F_NUM 4       /* <NUM> */
#define F_WORDKIND 8  /* <WORD> */
#define F_CUE 16      /* reporting cue (voice "attributed") */

#define K_LIT 0 /* literal values and/or globs */
#define K_ANY 1
#define K_NUM 2
#define K_WORD 3
#define K_CAP 4

#define MAX_SPAN 512 /* > MAX_ELEMENTS * MAX_REPEAT of the pattern language */

typedef struct {
    int kind, lo, hi;
    int nv;
    int32_t *vals; /* sorted norm ids */
    int ng;
    int32_t *globs; /* glob ids */
} Elem;

typedef struct {
    int n;
    int fixed; /* every element consumes exactly one token: checked position by position */
    Elem *els;
} Seq;

typedef struct {
    int cat, rank, is_detector;
    int32_t key_after, key_before; /* the one norm required right after / before the anchor, or -1 */
    Seq before, after;
    int nctx[4]; /* unless_followed_by, unless_preceded_by, only_followed_by, only_preceded_by */
    Seq *ctx[4];
} Entry;

/* one raw token of the cache: 32 bytes, two to a cache line; a token of up to RAW_INLINE characters
 * below 256 (most words) is stored in the slot itself, so a lookup reads one line, not two */
#define RAW_INLINE 16
typedef struct {
    uint32_t h;
    int32_t len, exp; /* exp < 0: empty slot */
    int32_t single;   /* the norm id when the token expands into itself alone, else -1 */
    union {
        unsigned char k[RAW_INLINE]; /* the characters, when the token fits */
        int32_t off;                 /* else its offset in pool */
    } key;
} Slot;

typedef struct {
    int32_t start, end, norm;
} Tok;

/* a small set of short ASCII words (the abbreviations, the sentence starters), looked up without Python;
 * native is 0 when the set holds anything else, and then the Python set is asked */
#define WS_CAP 512
#define WS_LEN 16
typedef struct {
    int native;
    unsigned char len[WS_CAP]; /* 0: empty */
    char key[WS_CAP][WS_LEN];
} WordSet;

/* what the candidate loop reads of every entry, packed (the full Entry is touched only to run automata) */
typedef struct {
    int32_t cat, rank, key_after, key_before;
    unsigned char has_after, has_before, has_ctx;
    unsigned char key_only; /* 1: the after part is key_after alone; 2: the before part is key_before alone */
} Hot;

typedef struct {
    int32_t cat, s, e, rank, entry;
    int32_t cstart, cend, order;
} Cand;

typedef struct {
    PyObject_HEAD
    PyObject *expand, *classify, *abbrev, *starters;
    Py_ssize_t abbrev_maxlen;
    WordSet *abbrev_ws, *starters_ws;
    /* raw token -> expansion */
    Slot *slots;
    size_t cap, used, raw_limit; /* the cache is emptied when it holds raw_limit tokens */
    Py_UCS4 *pool;
    size_t pool_len, pool_cap;
    int32_t *exp_n;           /* per expansion: number of parts (0..4) */
    int32_t (*exp_parts)[8];  /* norm id, length pairs */
    size_t n_exp, exp_cap;
    /* norms */
    PyObject *norm_ids;  /* dict str -> int */
    PyObject *norm_strs; /* list */
    uint32_t *nflags;
    int32_t *anc_off, *anc_n, *glob_off, *glob_n;
    int32_t *anc_na, *anc_nb; /* anchors grouped: na always checked, nb keyed on the next token, rest on the previous */
    unsigned char *grouped;
    int32_t *ipool;
    size_t ipool_len, ipool_cap;
    int32_t *kpool; /* kpool[i]: the key (norm required next to the anchor) of the grouped anchor ipool[i] */
    size_t kpool_cap;
    size_t n_norms, norms_cap;
    /* patterns */
    Hot *hot;
    Entry *entries;
    int n_entries;
    int n_cats;
    /* built-in scare-quote detector (analysis.measure.scare_quotes), or scare_entry < 0 */
    int scare_entry, scare_max_words;
    PyObject *scare_after; /* after_reporting(text, para_start, quote_start) -> bool */
    /* output formatting of score_doc */
    PyObject *entry_info, *voices;
    int32_t *out_index, *top_of;
    int n_out;
    /* native classification (set_vocab); without it every new token goes to the Python callbacks */
    int vocab_ready;
    int matched_utf8; /* score_doc without head gives the matched texts as UTF-8 (set_matched_utf8) */
    PyObject *quote_chars, *number_words, *cues, *lit_index, *glob_leads;
    int32_t *lead_lengths;
    int n_lead_lengths, has_nolead, max_glob_token;
    /* set while a call uses the work buffers: a Python callback can let another thread in */
    int busy;
    /* work buffers */
    Tok *toks;
    size_t toks_cap;
    Cand *cands;
    size_t cands_cap;
    int32_t *wbefore;
    size_t wbefore_cap;
} Scanner;

/* a call that uses the work buffers: refused while another one is under way */
static int scanner_enter(Scanner *S) {
    if (S->busy) {
        PyErr_SetString(PyExc_RuntimeError, "a Scanner is used by one thread at a time (CoreScanner holds a lock)");
        return -1;
    }
    S->busy = 1;
    return 0;
}

/* ---------------------------------------------------------------- character classes (as in re) */

/* classes of the first 256 code points, filled at import from the definitions below (one load instead of a
 * chain of tests or a call into the Unicode database) */
#define C_W 1 /* \w */
#define C_D 2 /* \d */
#define C_L 4 /* [^\W\d_] */
#define C_S 8 /* \s */
static unsigned char CLS[256];

static inline int is_w_def(Py_UCS4 c) {
    if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}
static inline int is_d_def(Py_UCS4 c) {
    if (c < 128) return c >= '0' && c <= '9';
    return Py_UNICODE_ISDECIMAL(c);
}

static void init_classes(void) {
    for (Py_UCS4 c = 0; c < 256; c++) {
        int w = is_w_def(c), d = is_d_def(c);
        CLS[c] = (unsigned char)((w ? C_W : 0) | (d ? C_D : 0) | (w && !d && c != '_' ? C_L : 0) |
                                 (Py_UNICODE_ISSPACE(c) ? C_S : 0));
    }
}

static inline int is_w(Py_UCS4 c) { return c < 256 ? CLS[c] & C_W : is_w_def(c); }
static inline int is_d(Py_UCS4 c) { return c < 256 ? CLS[c] & C_D : is_d_def(c); }
static inline int is_letter(Py_UCS4 c) { return c < 256 ? CLS[c] & C_L : is_w_def(c) && !is_d_def(c); }
static inline int is_s(Py_UCS4 c) { return c < 256 ? CLS[c] & C_S : Py_UNICODE_ISSPACE(c); }
static inline int is_ascii_alpha(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int is_nl(Py_UCS4 c) { return c == '\r' || c == '\n'; }
/* closing marks after a sentence end: " ' ” ’ » ) ] */
static inline int is_closer(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == 0xBB || c == ')' || c == ']';
}
/* opening marks before a sentence start: " ' “ ‘ « ( [ */
static inline int is_opener(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == 0x201C || c == 0x2018 || c == 0xAB || c == '(' || c == '[';
}
static inline int is_dq(Py_UCS4 c) { return c == '"' || c == 0x201C || c == 0x201D || c == 0x201E; }

#define CH(i) PyUnicode_READ(kind, data, (i))

/* the first position in [i, b) holding one of the nt characters t (a constant list, so that the loop is
 * unrolled), else b; sixteen bytes at a time where SSE2 is there (the characters searched for are rare) */
static inline __attribute__((always_inline)) Py_ssize_t skip_to_any(const int kind, const void *data, Py_ssize_t i,
                                                                    Py_ssize_t b, const Py_UCS4 *t, const int nt) {
#if defined(__SSE2__)
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = (const Py_UCS1 *)data;
        for (; i + 16 <= b; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i)), m = _mm_setzero_si128();
            for (int k = 0; k < nt; k++)
                if (t[k] <= 0xFF) m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)t[k])));
            int mask = _mm_movemask_epi8(m);
            if (mask) return i + __builtin_ctz((unsigned)mask);
        }
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *p = (const Py_UCS2 *)data;
        for (; i + 8 <= b; i += 8) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i)), m = _mm_setzero_si128();
            for (int k = 0; k < nt; k++)
                if (t[k] <= 0xFFFF) m = _mm_or_si128(m, _mm_cmpeq_epi16(v, _mm_set1_epi16((short)t[k])));
            int mask = _mm_movemask_epi8(m);
            if (mask) return i + __builtin_ctz((unsigned)mask) / 2;
        }
    }
#endif
    for (; i < b; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        for (int k = 0; k < nt; k++)
            if (c == t[k]) return i;
    }
    return b;
}

static const Py_UCS4 STOPS[] = {'.', '!', '?', 0x2026};       /* what can end a sentence */
static const Py_UCS4 NEWLINES[] = {'\r', '\n'};               /* what can start a paragraph break */
static const Py_UCS4 QUOTES[] = {'"', 0x201C, 0x201D, 0x201E, '`', '\''}; /* what can open or close a quote */

/* call `call` with K (a constant string kind) and D (the data) of `obj`: one copy of the inlined loop per
 * kind, so that every character read is a plain array access */
#define DISPATCH_KIND(obj, call)                                                                                  \
    do {                                                                                                        \
        const void *D = PyUnicode_DATA(obj);                                                                    \
        switch (PyUnicode_KIND(obj)) {                                                                          \
        case PyUnicode_1BYTE_KIND: {                                                                            \
            const int K = PyUnicode_1BYTE_KIND;                                                                 \
            return call;                                                                                        \
        }                                                                                                       \
        case PyUnicode_2BYTE_KIND: {                                                                            \
            const int K = PyUnicode_2BYTE_KIND;                                                                 \
            return call;                                                                                        \
        }                                                                                                       \
        default: {                                                                                              \
            const int K = PyUnicode_4BYTE_KIND;                                                                 \
            return call;                                                                                        \
        }                                                                                                       \
        }                                                                                                       \
    } while (0)

/* ---------------------------------------------------------------- growable buffers */

static int grow(void **buf, size_t *cap, size_t need, size_t item) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *p = PyMem_Realloc(*buf, n * item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = p;
    *cap = n;
    return 0;
}

/* ---------------------------------------------------------------- norms */

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
    return aligned_alloc(64, cap * sizeof(Slot));
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
    free(old);
    S->slots = slots;
    S->cap = cap;
    return 0;
}

/* remember low[x:x+len] (hash h; every character below 256 when inl) -> expansion e */
static inline __attribute__((always_inline)) int32_t raw_store(Scanner *S, const int kind, const void *data, Py_ssize_t x,
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
static inline __attribute__((always_inline)) uint64_t raw_hash_step(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}
static inline __attribute__((always_inline)) uint32_t raw_hash_final(uint64_t h) { return (uint32_t)(h ^ (h >> 32)); }

static inline __attribute__((always_inline)) uint32_t raw_hash(const int kind, const void *data, Py_ssize_t x,
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
static inline __attribute__((always_inline)) int32_t raw_lookup(Scanner *S, PyObject *low, const int kind, const void *data,
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

/* ---------------------------------------------------------------- tokenizer (TOKEN_PATTERN on low) */

static inline __attribute__((always_inline)) Py_ssize_t token_end(const int kind, const void *data, Py_ssize_t i,
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

static inline __attribute__((always_inline)) int tokenize_impl(Scanner *S, PyObject *low, const int kind,
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
            __builtin_prefetch(&S->slots[h & mask]);
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

/* ---------------------------------------------------------------- paragraphs and sentences */

/* end of the paragraph separator starting at i, or -1 (PARA_RE with atomic line endings) */
static inline __attribute__((always_inline)) Py_ssize_t para_sep(const int kind, const void *data, Py_ssize_t i, Py_ssize_t n) {
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

static inline __attribute__((always_inline)) int push_para(const int kind, const void *data, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap, size_t *n) {
    while (a < b && is_s(CH(a))) a++;
    while (b > a && is_s(CH(b - 1))) b--;
    if (b > a) return add_span(buf, cap, n, a, b);
    return 0;
}

/* paragraph spans: flat array a0, b0, a1, b1, ... (caller frees) */
static inline __attribute__((always_inline)) int paragraphs_impl(PyObject *text, Py_ssize_t **out, size_t *n_out, const int kind, const void *data) {
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
static inline __attribute__((always_inline)) int ws_contains_lower(const WordSet *ws, const int kind, const void *data,
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
static inline __attribute__((always_inline)) int is_boundary(Scanner *S, PyObject *text, const int kind, const void *data, Py_ssize_t n, Py_ssize_t p,
                       Py_ssize_t g_end, Py_ssize_t para_start) {
    if (g_end - p > 1 || CH(p) != '.') return 1;
    Py_ssize_t lo = p - 40 > para_start ? p - 40 : para_start;
    if (p <= lo || is_s(CH(p - 1))) return 1;
    Py_ssize_t w0 = p;
    while (w0 > lo && !is_s(CH(w0 - 1))) w0--;
    while (w0 < p) {
        Py_UCS4 c = CH(w0);
        if (c == '"' || c == '\'' || c == 0x201C || c == 0x2018 || c == 0xAB || c == '(' || c == '[') w0++;
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
static inline __attribute__((always_inline)) int sentences_in_impl(Scanner *S, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap,
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
        while (j < b && is_closer(CH(j))) j++;
        Py_ssize_t g_end = j;
        int ok = j < b && is_s(CH(j));
        if (ok) {
            while (j < b && is_s(CH(j))) j++;
            Py_ssize_t k = j;
            while (k < b && is_opener(CH(k))) k++;
            ok = k < b && ((CH(k) >= 'A' && CH(k) <= 'Z') || (CH(k) >= '0' && CH(k) <= '9'));
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

/* quote_regions of analysis.measure.voice for text[a:b]: flat pairs appended */
static inline __attribute__((always_inline)) int quote_regions_impl(PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t **buf, size_t *cap, size_t *nb, const int kind, const void *data) {
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

static inline __attribute__((always_inline)) int scare_quotes_para_impl(Scanner *S, PyObject *text, PyObject *low, Py_ssize_t pa, Py_ssize_t pb, size_t tok_base,
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

/* ---------------------------------------------------------------- the element automaton */

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

/* ---------------------------------------------------------------- the Scanner type */

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
    PyMem_Free(S->lead_lengths);
    free(S->slots);
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

/* set_vocab(quote_chars, number_words, cues, lit_index, glob_leads, lead_lengths, has_nolead, max_glob_token):
 * classify and expand new tokens natively (see classify_native) */
static PyObject *Scanner_set_vocab(Scanner *S, PyObject *args) {
    PyObject *qc, *nw, *cues, *lit, *leads, *lens;
    int has_nolead, max_glob;
    if (!PyArg_ParseTuple(args, "OOOO!O!Opi", &qc, &nw, &cues, &PyDict_Type, &lit, &PyDict_Type, &leads, &lens,
                          &has_nolead, &max_glob))
        return NULL;
    if (!PyAnySet_Check(qc) || !PyAnySet_Check(nw) || !PyAnySet_Check(cues)) {
        PyErr_SetString(PyExc_TypeError, "set_vocab: quote_chars, number_words and cues must be sets");
        return NULL;
    }
    int n = 0;
    int32_t *ll = int_array(lens, &n);
    if (!ll) return NULL;
    for (int i = 1; i < n; i++)
        if (ll[i] < ll[i - 1]) {
            PyMem_Free(ll);
            PyErr_SetString(PyExc_ValueError, "set_vocab: lead_lengths must be sorted");
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
/* lower-case text into low (same kind); 1 with *has_dq set, 0 when a character needs str.lower() */
/* one character of lower_impl: low[i] = lower(text[i]) (’ read as '); sets *dq on a double quotation mark;
 * 0 when the simple mapping cannot give Python's lower case */
static inline __attribute__((always_inline)) int lower_one(const int kind, const void *data, void *odata, Py_ssize_t i,
                                                           Py_UCS4 maxc, Py_UCS4 *prev, int *dq) {
    Py_UCS4 c = CH(i), l;
    if (c < 128) {
        l = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        if (c == '"' || ((c == '`' || c == '\'') && *prev == c)) *dq = 1;
    } else if (c == 0x2019) {
        l = '\'';
    } else if (c == 0x130 || c == 0x3A3) {
        return 0;
    } else {
        if (c == 0x201C || c == 0x201D || c == 0x201E) *dq = 1;
        l = Py_UNICODE_TOLOWER(c);
        if (l > maxc) return 0;
    }
    PyUnicode_WRITE(kind, odata, i, l);
    *prev = c;
    return 1;
}

static inline __attribute__((always_inline)) int lower_impl(PyObject *low, Py_ssize_t n, int *has_dq, const int kind,
                                                            const void *data) {
    void *odata = PyUnicode_DATA(low);
    Py_UCS4 maxc = kind == PyUnicode_1BYTE_KIND ? 0xFF : kind == PyUnicode_2BYTE_KIND ? 0xFFFF : 0x10FFFF;
    int dq = 0;
    Py_UCS4 prev = 0;
    Py_ssize_t i = 0;
#if defined(__SSE2__)
    /* blocks of ASCII characters: 'A'-'Z' + 32; a " (or a doubled ` or ') sets dq; any other block goes
     * through the loop below, character by character */
    if (kind == PyUnicode_1BYTE_KIND || kind == PyUnicode_2BYTE_KIND) {
        const int step = kind == PyUnicode_1BYTE_KIND ? 16 : 8;
        const __m128i dquote = kind == 1 ? _mm_set1_epi8('"') : _mm_set1_epi16('"');
        const __m128i grave = kind == 1 ? _mm_set1_epi8('`') : _mm_set1_epi16('`');
        const __m128i apos = kind == 1 ? _mm_set1_epi8('\'') : _mm_set1_epi16('\'');
        const __m128i below_a = kind == 1 ? _mm_set1_epi8('A' - 1) : _mm_set1_epi16('A' - 1);
        const __m128i above_z = kind == 1 ? _mm_set1_epi8('Z' + 1) : _mm_set1_epi16('Z' + 1);
        const __m128i gap = kind == 1 ? _mm_set1_epi8(32) : _mm_set1_epi16(32);
        const __m128i high = _mm_set1_epi16((short)0xFF80);
        const Py_ssize_t width = kind; /* bytes per character */
        const char *src = (const char *)data;
        char *dst = (char *)odata;
        while (i + step <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(src + i * width));
            int ascii = kind == 1 ? _mm_movemask_epi8(v) == 0
                                  : _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, high), _mm_setzero_si128())) == 0xFFFF;
            if (!ascii || i == 0) {
                /* the first block too, so that every vector block has a previous character */
                Py_ssize_t end = i + step;
                for (; i < end; i++)
                    if (!lower_one(kind, data, odata, i, maxc, &prev, &dq)) return 0;
                continue;
            }
            __m128i upper = kind == 1 ? _mm_and_si128(_mm_cmpgt_epi8(v, below_a), _mm_cmpgt_epi8(above_z, v))
                                      : _mm_and_si128(_mm_cmpgt_epi16(v, below_a), _mm_cmpgt_epi16(above_z, v));
            _mm_storeu_si128((__m128i *)(dst + i * width),
                             kind == 1 ? _mm_add_epi8(v, _mm_and_si128(upper, gap)) : _mm_add_epi16(v, _mm_and_si128(upper, gap)));
            if (!dq) {
                __m128i pv = _mm_loadu_si128((const __m128i *)(src + (i - 1) * width)); /* characters i-1 .. */
                __m128i hit = kind == 1
                    ? _mm_or_si128(_mm_cmpeq_epi8(v, dquote),
                                   _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(v, grave), _mm_cmpeq_epi8(pv, grave)),
                                                _mm_and_si128(_mm_cmpeq_epi8(v, apos), _mm_cmpeq_epi8(pv, apos))))
                    : _mm_or_si128(_mm_cmpeq_epi16(v, dquote),
                                   _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi16(v, grave), _mm_cmpeq_epi16(pv, grave)),
                                                _mm_and_si128(_mm_cmpeq_epi16(v, apos), _mm_cmpeq_epi16(pv, apos))));
                if (_mm_movemask_epi8(hit)) dq = 1;
            }
            i += step;
            prev = CH(i - 1);
        }
    }
#endif
    for (; i < n; i++)
        if (!lower_one(kind, data, odata, i, maxc, &prev, &dq)) return 0;
    *has_dq = dq;
    return 1;
}

static int lower_into(PyObject *text, PyObject *low, int *has_dq) {
    DISPATCH_KIND(text, lower_impl(low, PyUnicode_GET_LENGTH(text), has_dq, K, D));
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

/* tokens(low, a, b) -> list of (start, end, norm) */
static PyObject *Scanner_tokens(Scanner *S, PyObject *args) {
    PyObject *low;
    Py_ssize_t a, b;
    if (!PyArg_ParseTuple(args, "Unn", &low, &a, &b)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(low);
    if (a < 0) a = 0;
    if (b > n) b = n;
    size_t nt = 0;
    if (scanner_enter(S)) return NULL;
    int failed = a < b && tokenize_range(S, low, a, b, &nt);
    S->busy = 0;
    if (failed) return NULL;
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

static int cand_cmp_output(const void *x, const void *y) {
    const Cand *a = x, *b = y;
    if (a->cstart != b->cstart) return a->cstart < b->cstart ? -1 : 1;
    if (a->cend != b->cend) return a->cend < b->cend ? -1 : 1;
    if (a->cat != b->cat) return a->cat < b->cat ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* stable sorts of candidates and hits with the comparator inlined: insertion sort for the few of one
 * sentence, merge sort (through a scratch buffer) for more; ties keep their order, as Python's sorted()
 * keeps them in the reference path, whatever the C library's qsort does */
#define DEFINE_STABLE_SORT(NAME, T, CMP)                                                                        \
    static int NAME(T *v, size_t n) {                                                                          \
        if (n <= 32) {                                                                                         \
            for (size_t i = 1; i < n; i++) {                                                                   \
                T x = v[i];                                                                                    \
                size_t j = i;                                                                                  \
                while (j > 0 && CMP(&x, &v[j - 1]) < 0) {                                                      \
                    v[j] = v[j - 1];                                                                           \
                    j--;                                                                                       \
                }                                                                                              \
                v[j] = x;                                                                                      \
            }                                                                                                  \
            return 0;                                                                                          \
        }                                                                                                      \
        T *tmp = PyMem_Malloc(n * sizeof(T));                                                                  \
        if (!tmp) {                                                                                            \
            PyErr_NoMemory();                                                                                  \
            return -1;                                                                                         \
        }                                                                                                      \
        size_t half = n / 2;                                                                                   \
        if (NAME(v, half) || NAME(v + half, n - half)) {                                                       \
            PyMem_Free(tmp);                                                                                   \
            return -1;                                                                                         \
        }                                                                                                      \
        size_t i = 0, j = half, k = 0;                                                                         \
        while (i < half && j < n) tmp[k++] = CMP(&v[j], &v[i]) < 0 ? v[j++] : v[i++];                          \
        while (i < half) tmp[k++] = v[i++];                                                                    \
        while (j < n) tmp[k++] = v[j++];                                                                       \
        memcpy(v, tmp, n * sizeof(T));                                                                         \
        PyMem_Free(tmp);                                                                                       \
        return 0;                                                                                              \
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

static inline __attribute__((always_inline)) int cand_cmp_output_i(const Cand *a, const Cand *b) { return cand_cmp_output(a, b); }
static inline __attribute__((always_inline)) int cand_cmp_resolve_i(const Cand *a, const Cand *b) { return cand_cmp_resolve(a, b); }
DEFINE_STABLE_SORT(sort_cands_resolve, Cand, cand_cmp_resolve_i)
DEFINE_STABLE_SORT(sort_cands_output, Cand, cand_cmp_output_i)


/* anchors of norm `id` reordered once: [always checked][by key_after][by key_before] */
static Scanner *sort_scanner; /* qsort has no context argument; the GIL serialises callers */
static int cmp_key_after(const void *x, const void *y) {
    int32_t a = sort_scanner->hot[*(const int32_t *)x].key_after, b = sort_scanner->hot[*(const int32_t *)y].key_after;
    if (a != b) return a < b ? -1 : 1;
    return *(const int32_t *)x < *(const int32_t *)y ? -1 : *(const int32_t *)x > *(const int32_t *)y;
}
static int cmp_key_before(const void *x, const void *y) {
    int32_t a = sort_scanner->hot[*(const int32_t *)x].key_before, b = sort_scanner->hot[*(const int32_t *)y].key_before;
    if (a != b) return a < b ? -1 : 1;
    return *(const int32_t *)x < *(const int32_t *)y ? -1 : *(const int32_t *)x > *(const int32_t *)y;
}

static void group_anchors(Scanner *S, int32_t id) {
    int32_t n = S->anc_n[id];
    int32_t *a = S->ipool + S->anc_off[id];
    if (grow((void **)&S->kpool, &S->kpool_cap, S->ipool_len, sizeof(int32_t))) {
        PyErr_Clear(); /* out of memory: leave ungrouped, every anchor in the always-checked group */
        S->anc_na[id] = n;
        S->anc_nb[id] = 0;
        S->grouped[id] = 1;
        return;
    }
    /* stable three-way partition through a small scratch copy */
    int32_t stackbuf[64];
    int32_t *tmp = n <= 64 ? stackbuf : PyMem_Malloc((size_t)n * sizeof(int32_t));
    if (!tmp) { /* out of memory: leave ungrouped, every anchor in the always-checked group */
        S->anc_na[id] = n;
        S->anc_nb[id] = 0;
        S->grouped[id] = 1;
        return;
    }
    int32_t na = 0, nb = 0, m = 0;
    for (int32_t k = 0; k < n; k++) {
        const Hot *en = &S->hot[a[k]];
        if (en->key_after < 0 && en->key_before < 0) tmp[m++] = a[k];
    }
    na = m;
    for (int32_t k = 0; k < n; k++)
        if (S->hot[a[k]].key_after >= 0) tmp[m++] = a[k];
    nb = m - na;
    for (int32_t k = 0; k < n; k++) {
        const Hot *en = &S->hot[a[k]];
        if (en->key_after < 0 && en->key_before >= 0) tmp[m++] = a[k];
    }
    memcpy(a, tmp, (size_t)n * sizeof(int32_t));
    if (tmp != stackbuf) PyMem_Free(tmp);
    sort_scanner = S;
    if (nb > 1) qsort(a + na, (size_t)nb, sizeof(int32_t), cmp_key_after);
    if (n - na - nb > 1) qsort(a + na + nb, (size_t)(n - na - nb), sizeof(int32_t), cmp_key_before);
    /* the keys beside the anchors, so that key_range reads one contiguous array */
    int32_t *keys = S->kpool + S->anc_off[id];
    for (int32_t k = na; k < na + nb; k++) keys[k] = S->hot[a[k]].key_after;
    for (int32_t k = na + nb; k < n; k++) keys[k] = S->hot[a[k]].key_before;
    S->anc_na[id] = na;
    S->anc_nb[id] = nb;
    S->grouped[id] = 1;
}

/* [lo, hi) of the sorted keys[0:n] equal to v */
static inline __attribute__((always_inline)) void key_range(const int32_t *keys, int32_t n, int32_t v, int32_t *lo_out,
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

/* One document: sentences, tokens, matches and voice into `o` (0, or -1 with an exception set).
 * detected: sorted sequence of (start, end, entry) from Python detectors (empty when the core runs the
 * scare-quote detector itself). Hits come in text order: by (start, end, category) within a sentence. */
static int scan_impl_unguarded(Scanner *S, PyObject *text, PyObject *low, PyObject *detected, int has_dq, ScanOut *o);

static int scan_impl(Scanner *S, PyObject *text, PyObject *low, PyObject *detected, int has_dq, ScanOut *o) {
    if (scanner_enter(S)) return -1;
    int rc = scan_impl_unguarded(S, text, low, detected, has_dq, o);
    S->busy = 0;
    return rc;
}

static int scan_impl_unguarded(Scanner *S, PyObject *text, PyObject *low, PyObject *detected, int has_dq, ScanOut *o) {
    int rc = -1;
    Py_ssize_t tn = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_GET_LENGTH(low) != tn) {
        PyErr_SetString(PyExc_ValueError, "low must have the length of text");
        return -1;
    }
    PyObject *det = PySequence_Fast(detected, "detected must be a sequence");
    if (!det) return -1;
    Py_ssize_t ndet = PySequence_Fast_GET_SIZE(det);
    Dets D = {0};
    Py_ssize_t *paras = NULL, *sents = NULL, *regs = NULL;
    size_t np = 0, ns = 0, scap = 0, nr = 0, rcap = 0;
    int32_t *sent_hits = NULL;
    long *last_hit_sent = NULL; /* per category: the last sentence counted in sent_hits */
    if (ndet && S->scare_entry >= 0) {
        PyErr_SetString(PyExc_ValueError, "detected spans are computed by the core when the scare-quote detector is set");
        goto done;
    }
    for (Py_ssize_t i = 0; i < ndet; i++) {
        int ds, de, den;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(det, i), "iii", &ds, &de, &den)) goto done;
        if (den < 0 || den >= S->n_entries) {
            PyErr_SetString(PyExc_ValueError, "detector entry out of range");
            goto done;
        }
        if (dets_add(&D, ds, de, den)) goto done;
    }
    sent_hits = PyMem_Calloc(S->n_cats ? S->n_cats : 1, sizeof(int32_t));
    if (!sent_hits) {
        PyErr_NoMemory();
        goto done;
    }
    o->sent_hits = sent_hits;
    o->n_hits = 0;
    last_hit_sent = PyMem_Malloc((S->n_cats ? S->n_cats : 1) * sizeof(long));
    if (!last_hit_sent) {
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
            /* quotation regions overlapping [a, b) */
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
            /* candidates */
            size_t nc = 0;
            Sent st = {S, S->toks, (int)nt, ckind, cdata};
            if (any_anchor) {
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
                                else if ((e = run_forward(&st, &en->after, (int)t + 1)) < 0) continue;
                            }
                            if (h->has_before) {
                                if (g == 2 && (h->key_only & 2)) s = (int)t - 1;
                                else if ((s = run_backward(&st, &en->before, (int)t)) < 0) continue;
                            }
                            if (h->has_ctx && !context_ok(&st, en, s, e)) continue;
                        }
                        if (grow((void **)&S->cands, &S->cands_cap, nc + 1, sizeof(Cand))) goto done;
                        Cand *c = &S->cands[nc++];
                        c->cat = h->cat;
                        c->s = s;
                        c->e = e;
                        c->rank = h->rank;
                        c->entry = anc[k];
                    }
                }
            }
            /* resolve: leftmost-longest, non-overlapping within each category */
            size_t nkeep = 0;
            if (nc) {
                if (sort_cands_resolve(S->cands, nc)) goto done;
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
            /* detector spans starting in [a, b) */
            while (di < D.n && D.s[di] < a) di++;
            size_t dj = di;
            while (dj < D.n && D.s[dj] < b) dj++;
            for (size_t d = di; d < dj; d++) {
                if (D.e[d] > b) continue;
                int s = first_token_at(S->toks, (int)nt, D.s[d]);
                int e = first_token_at(S->toks, (int)nt, D.e[d]);
                if (e <= s) continue;
                if (grow((void **)&S->cands, &S->cands_cap, nkeep + 1, sizeof(Cand))) goto done;
                Cand *c = &S->cands[nkeep++];
                c->cat = S->entries[D.en[d]].cat;
                c->s = s;
                c->e = e;
                c->rank = 0;
                c->entry = D.en[d];
                c->cstart = D.s[d];
                c->cend = D.e[d];
            }
            if (nkeep) {
                /* by (start, end, category); ties keep the order above (resolved before detected) */
                for (size_t k = 0; k < nkeep; k++) S->cands[k].order = (int32_t)k;
                if (sort_cands_output(S->cands, nkeep)) goto done;
                if (grow((void **)&S->wbefore, &S->wbefore_cap, nt + 1, sizeof(int32_t))) goto done;
                S->wbefore[0] = 0;
                for (size_t t = 0; t < nt; t++)
                    S->wbefore[t + 1] = S->wbefore[t] + ((S->nflags[S->toks[t].norm] & F_WORD) != 0);
                for (size_t k = 0; k < nkeep; k++) {
                    Cand *c = &S->cands[k];
                    int voice = attributed ? 2 : 0;
                    if (r1 > r0) {
                        /* the last region starting at or before the match (regions are sorted, disjoint) */
                        size_t lo = 0, hi = nr / 2;
                        while (lo < hi) {
                            size_t mid = (lo + hi) / 2;
                            if (regs[2 * mid] <= c->cstart) lo = mid + 1;
                            else hi = mid;
                        }
                        if (lo > 0 && c->cstart < regs[2 * (lo - 1) + 1]) voice = 1;
                    }
                    if (grow((void **)&o->hits, &o->hits_cap, o->n_hits + 1, sizeof(Hit))) goto done;
                    Hit *h = &o->hits[o->n_hits++];
                    h->sent = (int32_t)(n_sent - 1);
                    h->entry = c->entry;
                    h->cat = c->cat;
                    h->cstart = c->cstart;
                    h->cend = c->cend;
                    h->ts = (int32_t)(n_words + S->wbefore[c->s]);
                    h->te = (int32_t)(n_words + S->wbefore[c->e]);
                    h->voice = voice;
                    if (last_hit_sent[c->cat] != n_sent) {
                        last_hit_sent[c->cat] = n_sent;
                        sent_hits[c->cat]++;
                    }
                }
            }
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
        PyMem_Free(sent_hits);
        o->sent_hits = NULL;
    }
    return rc;
}

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
static inline __attribute__((always_inline)) int hit_cmp_union_i(const Hit *a, const Hit *b) { return hit_cmp_union(a, b); }
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
    Py_ssize_t nh = columnar ? 0 : PyTuple_GET_SIZE(head);
    cnt = PyMem_Calloc(n_out ? n_out : 1, sizeof(int32_t));
    scnt = PyMem_Calloc(n_out ? n_out : 1, sizeof(int32_t));
    tmp = PyMem_Malloc((o.n_hits ? o.n_hits : 1) * sizeof(Hit));
    rows = PyList_New((Py_ssize_t)o.n_hits);
    if (!cnt || !scnt || !tmp || !rows) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (int c = 0; c < S->n_cats; c++) scnt[S->out_index[c]] += o.sent_hits[c];
    if (columnar) {
        /* rows = matched texts; the numbers go into one bytes object of int32 records */
        packed = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(o.n_hits * 7 * sizeof(int32_t)));
        if (!packed) goto done;
        int32_t *rec = (int32_t *)PyBytes_AS_STRING(packed);
        for (size_t k = 0; k < o.n_hits; k++) {
            Hit *h = &o.hits[k];
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
        if (S->matched_utf8 && (utf8 = matched_utf8(text, o.hits, o.n_hits)) == NULL && PyErr_Occurred()) goto done;
        if (utf8) { /* (UTF-8 of the matched texts one after the other, their lengths in bytes as int32) */
            Py_SETREF(rows, utf8);
        } else {
            for (size_t k = 0; k < o.n_hits; k++) {
                PyObject *matched = PyUnicode_Substring(text, o.hits[k].cstart, o.hits[k].cend);
                if (!matched) goto done;
                PyList_SET_ITEM(rows, (Py_ssize_t)k, matched);
            }
        }
    }
    for (size_t k = 0; k < o.n_hits && !columnar; k++) {
        Hit *h = &o.hits[k];
        cnt[S->out_index[h->cat]]++;
        PyObject *info = PyList_GET_ITEM(S->entry_info, h->entry);
        PyObject *row = PyTuple_New(nh + 11);
        if (!row) goto done;
        PyList_SET_ITEM(rows, (Py_ssize_t)k, row);
        for (Py_ssize_t i = 0; i < nh; i++) {
            PyObject *x = PyTuple_GET_ITEM(head, i);
            Py_INCREF(x);
            PyTuple_SET_ITEM(row, i, x);
        }
        PyObject *matched = PyUnicode_Substring(text, h->cstart, h->cend);
        if (!matched) goto done;
        PyObject *vals[11] = {PyLong_FromLong(h->sent), PyTuple_GET_ITEM(info, 0), PyTuple_GET_ITEM(info, 1), matched,
                              PyLong_FromLong(h->cstart), PyLong_FromLong(h->cend), PyLong_FromLong(h->ts),
                              PyLong_FromLong(h->te), PyTuple_GET_ITEM(S->voices, h->voice),
                              PyTuple_GET_ITEM(info, 2), PyTuple_GET_ITEM(info, 3)};
        int borrowed[11] = {0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1};
        for (int i = 0; i < 11; i++) {
            if (!vals[i]) {
                for (int j = i + 1; j < 11; j++)
                    if (!borrowed[j]) Py_XDECREF(vals[j]);
                goto done;
            }
            if (borrowed[i]) Py_INCREF(vals[i]);
            PyTuple_SET_ITEM(row, nh + i, vals[i]);
        }
    }
    /* roll-ups: per top column, the members' matches sorted by (start, -end), counted leftmost-longest */
    for (int t = 0; t < n_out; t++) {
        size_t m = 0;
        int is_top = 0;
        for (int c = 0; c < n_out && !is_top; c++) is_top = S->top_of[c] == t;
        if (!is_top) continue;
        for (size_t k = 0; k < o.n_hits; k++)
            if (S->top_of[S->out_index[o.hits[k].cat]] == t) tmp[m++] = o.hits[k];
        int count = 0, sentences = 0;
        if (m) {
            /* distinct sentences: hits are in sentence order */
            int32_t last_sent = -1;
            for (size_t k = 0; k < m; k++)
                if (tmp[k].sent != last_sent) {
                    sentences++;
                    last_sent = tmp[k].sent;
                }
            if (sort_hits_union(tmp, m)) goto done;
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

static PyMethodDef Scanner_methods[] = {
    {"set_matched_utf8", (PyCFunction)Scanner_set_matched_utf8, METH_O,
     "set_matched_utf8(flag): score_doc(..., None) returns the matched texts as (UTF-8 bytes, int32 byte lengths)"
     " instead of a list of str (a list still when a matched text holds a lone surrogate)"},
    {"set_raw_limit", (PyCFunction)Scanner_set_raw_limit, METH_O,
     "set_raw_limit(n): empty the raw-token cache whenever it holds n tokens (default 2,000,000)"},
    {"intern", (PyCFunction)Scanner_intern, METH_O, "intern(norm) -> id (classified on first sight)"},
    {"norm", (PyCFunction)Scanner_norm, METH_O, "norm(id) -> str"},
    {"set_entries", (PyCFunction)Scanner_set_entries, METH_VARARGS, "set_entries(entries, n_categories)"},
    {"set_scare", (PyCFunction)Scanner_set_scare, METH_VARARGS, "set_scare(entry, max_words, after_reporting)"},
    {"split", (PyCFunction)Scanner_split, METH_O, "split(text) -> [(start, end, paragraph)]"},
    {"tokens", (PyCFunction)Scanner_tokens, METH_VARARGS, "tokens(low, a, b) -> [(start, end, norm)]"},
    {"quote_regions", (PyCFunction)Scanner_quote_regions, METH_O, "quote_regions(text) -> [(start, end)]"},
    {"prepare", (PyCFunction)Scanner_prepare, METH_O, "prepare(text) -> (low, has_dq) or None"},
    {"set_vocab", (PyCFunction)Scanner_set_vocab, METH_VARARGS, "set_vocab(...): native classification"},
    {"classify", (PyCFunction)Scanner_classify, METH_O, "classify(norm) -> (flags, anchors, globs)"},
    {"set_output", (PyCFunction)Scanner_set_output, METH_VARARGS, "set_output(entry_info, voices, out_index, top_of)"},
    {"score_doc", (PyCFunction)Scanner_score_doc, METH_VARARGS, "score_doc(text, low, detected, has_dq, head)"},
    {"scan", (PyCFunction)Scanner_scan, METH_VARARGS, "scan(text, low, detected, has_dq) -> counts and matches"},
    {"stats", (PyCFunction)Scanner_stats, METH_NOARGS, "cache sizes"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analysis._core.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
    .tp_doc = "Compiled scanner: sentences, tokens and lexicon matches of a document.",
};

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
#if defined(__SSE2__)
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

static PyMethodDef core_functions[] = {
    {"take_strings", core_take_strings, METH_VARARGS,
     "take_strings(data, offsets, codes) -> (data, offsets): strings of a table picked by int32 codes, as the "
     "buffers of an Arrow large_string array"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef coremodule = {
    PyModuleDef_HEAD_INIT, "_core", "Compiled scanning core of analysis.measure.matching.", -1, core_functions,
};

PyMODINIT_FUNC PyInit__core(void) {
    init_classes();
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&coremodule);
    if (!m) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "F_WORD", F_WORD) || PyModule_AddIntConstant(m, "F_ANY", F_ANY) ||
        PyModule_AddIntConstant(m, "F_NUM", F_NUM) || PyModule_AddIntConstant(m, "F_WORDKIND", F_WORDKIND) ||
        PyModule_AddIntConstant(m, "F_CUE", F_CUE) || PyModule_AddIntConstant(m, "K_LIT", K_LIT) ||
        PyModule_AddIntConstant(m, "K_ANY", K_ANY) || PyModule_AddIntConstant(m, "K_NUM", K_NUM) ||
        PyModule_AddIntConstant(m, "K_WORD", K_WORD) || PyModule_AddIntConstant(m, "K_CAP", K_CAP) ||
        PyModule_AddIntConstant(m, "MAX_SPAN", MAX_SPAN)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
