/* common.h: the constants shared with Python (token flags, element kinds: exported by the module and read
 * by analysis/measure/core.py), the tables of a Scanner, growable buffers and the stable sort.
 * Mirrors: the flag and kind numbers of analysis.measure.core (CoreScanner._classify, _element). */

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
    PyObject *quote_chars, *number_words, *cues, *lit_index, *glob_leads, *glob_tails;
    int32_t *lead_lengths, *tail_lengths;
    int n_lead_lengths, n_tail_lengths, has_nolead, max_glob_token;
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
