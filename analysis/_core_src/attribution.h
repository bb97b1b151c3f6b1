/* attribution.h: attribution records of documents (cue candidates, the linear cue model, cue grouping,
 * the source and content rules, pronoun resolution), and the CueModel type holding a model's weights.
 * Mirrors: analysis.measure.attribution: extract, TOKEN_RE, _shape, cue_features, quote_mask,
 * AttributionModel.score (the order of the feature sum, with the summation of the running Python's
 * built-in sum), _rules, _source_left, _source_right, _after_addressee, _trim, _abbrev_dot, _resolve and
 * the rows of attributions_frame. The word sets (_SKIP_LEFT, _NP_STOP ...) come from Python when a
 * CueModel is made; the few inline tuples of the Python rules are spelled out below where they are used.
 * source_type (st_ascii) for sources written in ASCII, with the word sets of source_type given to CueModel;
 * any other source is typed by the Python function (once per distinct source of a call).
 * Caught by: tests/measure/test_attribution_core.py (every record and every frame cell against the
 * Python path). */

/* ---------------------------------------------------------------- a hash table of UTF-8 keys */

typedef struct {
    uint64_t h;
    size_t off, len; /* key bytes in the pool; len == SIZE_MAX: empty slot */
    double w;
} ASlot;

typedef struct {
    ASlot *slots;
    size_t mask, used;
    unsigned char *pool;
    size_t pool_len, pool_cap;
} ATab;

static MFA_INLINE uint64_t at_load64(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static MFA_INLINE uint64_t at_load32(const unsigned char *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* the hash of a key, read in words (the last one overlapping the one before it; a key of 4 to 7 bytes
 * as two overlapping 4-byte words, a shorter one as its first, middle and last byte), mixed by
 * multiply-xorshift steps with the length; every table of this unit is made and searched with it */
static MFA_INLINE uint64_t at_hash(const unsigned char *p, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n, w;
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 < n; i += 8) {
            h = (h ^ at_load64(p + i)) * 0xBF58476D1CE4E5B9ull;
            h ^= h >> 31;
        }
        w = at_load64(p + n - 8);
    } else if (n >= 4) {
        w = (at_load32(p) << 32) | at_load32(p + n - 4);
    } else {
        w = n ? ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1] : 0;
    }
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* p[0:n] == q[0:n], in words as at_hash reads them */
static MFA_INLINE int at_key_eq(const unsigned char *p, const unsigned char *q, size_t n) {
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (at_load64(p + i) != at_load64(q + i)) return 0;
        return at_load64(p + n - 8) == at_load64(q + n - 8);
    }
    if (n >= 4) return at_load32(p) == at_load32(q) && at_load32(p + n - 4) == at_load32(q + n - 4);
    for (size_t i = 0; i < n; i++)
        if (p[i] != q[i]) return 0;
    return 1;
}

/* a signature of a token (its first, second and last character and its length), 16 bits: see the
 * tokenizer */
static MFA_INLINE uint32_t tok_sig(Py_UCS4 f, Py_UCS4 s, Py_UCS4 l, size_t n) {
    uint32_t h = (uint32_t)f * 0x9E3779B1u;
    h ^= (uint32_t)s * 0x85EBCA77u;
    h = (h ^ (h >> 13)) + (uint32_t)l * 0xC2B2AE3Du;
    h ^= (uint32_t)n * 0x27D4EB2Fu;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    return (h ^ (h >> 12)) & 0xFFFF;
}

static int at_init(ATab *t, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2 + 2) cap *= 2;
    t->slots = PyMem_Malloc(cap * sizeof(ASlot));
    if (!t->slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < cap; i++) t->slots[i].len = SIZE_MAX;
    t->mask = cap - 1;
    t->used = 0;
    t->pool = NULL;
    t->pool_len = t->pool_cap = 0;
    return 0;
}

static void at_free(ATab *t) {
    PyMem_Free(t->slots);
    PyMem_Free(t->pool);
    t->slots = NULL;
    t->pool = NULL;
}

/* the slot of key p[0:n] (found, or the empty slot where it would go) */
static MFA_INLINE ASlot *at_slot(const ATab *t, const unsigned char *p, size_t n, uint64_t h) {
    size_t j = (size_t)h & t->mask;
    for (;;) {
        ASlot *s = &t->slots[j];
        if (s->len == SIZE_MAX) return s;
        if (s->h == h && s->len == n && at_key_eq(t->pool + s->off, p, n)) return s; /* short keys: no memcmp call */
        j = (j + 1) & t->mask;
    }
}

/* insert (or overwrite) key -> w; the table was sized for every key by at_init */
static int at_put(ATab *t, const unsigned char *p, size_t n, double w) {
    uint64_t h = at_hash(p, n);
    ASlot *s = at_slot(t, p, n, h);
    if (s->len == SIZE_MAX) {
        if (t->used + 1 > (t->mask + 1) / 2) {
            PyErr_SetString(PyExc_RuntimeError, "CueModel: table full");
            return -1;
        }
        if (grow((void **)&t->pool, &t->pool_cap, t->pool_len + n + 1, 1)) return -1;
        memcpy(t->pool + t->pool_len, p, n);
        s->h = h;
        s->off = t->pool_len;
        s->len = n;
        t->pool_len += n;
        t->used++;
    }
    s->w = w;
    return 0;
}

/* 1 (with *w) when the key is there, else 0 */
static MFA_INLINE int at_get(const ATab *t, const unsigned char *p, size_t n, uint64_t h, double *w) {
    ASlot *s = at_slot(t, p, n, h);
    if (s->len == SIZE_MAX) return 0;
    if (w) *w = s->w;
    return 1;
}

/* insert key -> w, doubling the table when it is half full */
static int at_put_grow(ATab *t, const unsigned char *p, size_t n, double w) {
    if (t->used + 1 > (t->mask + 1) / 2) {
        size_t cap = (t->mask + 1) * 2;
        ASlot *slots = PyMem_Malloc(cap * sizeof(ASlot));
        if (!slots) {
            PyErr_NoMemory();
            return -1;
        }
        for (size_t i = 0; i < cap; i++) slots[i].len = SIZE_MAX;
        for (size_t i = 0; i <= t->mask; i++) {
            ASlot *s = &t->slots[i];
            if (s->len == SIZE_MAX) continue;
            size_t j = (size_t)s->h & (cap - 1);
            while (slots[j].len != SIZE_MAX) j = (j + 1) & (cap - 1);
            slots[j] = *s;
        }
        PyMem_Free(t->slots);
        t->slots = slots;
        t->mask = cap - 1;
    }
    return at_put(t, p, n, w);
}

/* UTF-8 of a str, lone surrogates as three bytes ("surrogatepass": one byte string per str) */
static PyObject *utf8_bytes(PyObject *s) {
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "CueModel: words and feature names must be str");
        return NULL;
    }
    return PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
}

static int at_put_str(ATab *t, PyObject *s, double w) {
    PyObject *b = utf8_bytes(s);
    if (!b) return -1;
    int r = at_put(t, (const unsigned char *)PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b), w);
    Py_DECREF(b);
    return r;
}

/* a set of words from any iterable of str */
static int at_from_iterable(ATab *t, PyObject *words) {
    PyObject *seq = PySequence_Fast(words, "CueModel: word sets must be iterables of str");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int r = at_init(t, (size_t)n);
    for (Py_ssize_t i = 0; r == 0 && i < n; i++) r = at_put_str(t, PySequence_Fast_GET_ITEM(seq, i), 1.0);
    Py_DECREF(seq);
    return r;
}

/* ---------------------------------------------------------------- the CueModel type */

/* the word sets of the rules, in the order CueModel() takes them */
enum {
    AS_SKIP_LEFT, AS_NP_STOP, AS_AUX, AS_ADDRESSEE, AS_OBJECT_PRONOUNS, AS_DETERMINERS, AS_VERB_GROUP,
    AS_PARTICLES, /* the pairs of _PARTICLE_CUES as "word particle" */
    AS_FORWARD,
    AS_ADJUNCT, /* _ADJUNCT_START: the first words of a phrase of time, place or manner after a cue */
    AS_NOT_SOURCE, /* _NOT_SOURCE_HEADS: the words a source cannot end with */
    N_ASETS
};

/* the word sets of source_type, in the order CueModel() takes them (after the type names) */
enum {
    ST_PRONOUNS, ST_OUTLETS, ST_DOCUMENT_HEADS, ST_ANON_HEADS, ST_CORE_ANON, ST_VAGUE_FIRST, ST_VAGUE_HEADS,
    ST_ORG_WORDS, ST_NOT_NAMES,
    ST_ANON_PHRASES, /* the phrases of _ANON_MARKERS, searched for in the lower-cased source */
    ST_COUNTRIES,    /* _COUNTRIES: the whole source after an optional "the " */
    ST_ROLE_LINKS,   /* _ROLE_LINKS: "for", "with", ... after a role word ("a spokesman for the ministry") */
    N_STSETS
};
/* the types in the order of SOURCE_TYPES */
enum { T_NAMED_PERSON, T_NAMED_ORGANISATION, T_ANONYMOUS, T_VAGUE, T_DOCUMENT, T_PRONOUN, T_OUTLET, N_TYPES };

typedef struct {
    uint64_t key;
    double w;
} APair;

typedef struct {
    PyObject_HEAD
    ATab vocab, weights; /* vocab: word -> its index in the vocabulary list */
    ATab sets[N_ASETS];
    double bias;
    int ready;
    /* the weights of cue_features read from `weights` once, so that scoring a candidate looks up its
     * four neighbouring words and three (word, neighbour) pairs instead of 19 feature names:
     * per vocabulary word (VW_* offsets into vw, VW_N doubles a word), per shape / position / flag
     * (gw), per neighbouring word (ctx: word -> id; cw: 4 doubles an id: p1, n1, p2, n2), per (word,
     * neighbour, p1 / n1 / n2) (pairs) */
    double *vw, gw[64], *cw;
    size_t n_vocab, n_ctx, ctx_cap;
    ATab ctx;
    int32_t ctx_s, ctx_es; /* ids of "<s>" and "</s>" (-1: no weight names them) */
    APair *pairs; /* key: (vocabulary index << 34 | ctx id << 2 | kind) + 1; 0: empty */
    size_t pair_mask, pair_used;
    /* bit (pair_hash(key) >> 40) & 0x1FFFF set for every pair: most (word, neighbour) look-ups miss, and
     * are told so by these 16 KB instead of a probe of the 1 MB table (a cache miss each) */
    uint64_t pair_bits[2048];
    /* the lower case of each code point below 0x10000 as _lower makes it (c.lower() when that is one
     * character, else c), learnt from str.lower() the first time a call meets the code point:
     * low_known[c] 0 not yet, 1 low_of[c] holds it, 2 it is not below 0x10000 (the text is then
     * lower-cased by _lower) */
    Py_UCS2 *low_of;
    unsigned char *low_known;
    /* bit tok_sig(first, second, last character, length) set for every vocabulary word: most tokens are
     * told they are not a cue word from these 8 KB, before their UTF-8 and hash are made */
    uint64_t vocab_sig[1024];
    /* bit (at_hash(word) >> 40) & 0xFFFF set for every vocabulary word: the test of a token whose hash
     * the tokenizer made (an ASCII word) */
    uint64_t vocab_bits[1024];
    size_t vocab_min, vocab_span; /* a token of n characters can be a vocabulary word only when
                                   * n - vocab_min <= vocab_span (unsigned) */
    /* source_type's word sets and marker phrases (ST_* order), and its type names (SOURCE_TYPES):
     * ASCII sources are typed here (st_ascii), others by the Python function; st_ready 0: all by Python */
    ATab st_sets[N_STSETS];
    unsigned char st_first[256]; /* the first bytes of the marker phrases */
    /* the slots of the marker phrases (in st_sets[ST_ANON_PHRASES]) by first byte: those starting with
     * byte c are st_ph[st_ph_at[c] .. st_ph_at[c + 1]) */
    size_t *st_ph, st_ph_at[257];
    PyObject *st_names;
    int st_ready;
} CueModel;

/* the shapes of _shape and the sentence marks, in the order of their index (shape_index) */
static const char *const A_SHAPES[] = {"<s>", "</s>", "Q", "P", "9", "AA", "Aa", "a", ",", ".", ":", ";", "?", "!",
                                       "\xe2\x80\x94", "-", "(", ")"};
#define N_SHAPES 18
static const char *const A_POS[] = {"first", "last", "mid"};
static const char *const A_BOOL[] = {"False", "True"};
/* per vocabulary word: w=, w_sp1= (18), w_sn1= (18), w_pos= (3), w_inq= (2), w_hasq= (2) */
enum { VW_W = 0, VW_SP1 = 1, VW_SN1 = 1 + N_SHAPES, VW_POS = 1 + 2 * N_SHAPES, VW_INQ = VW_POS + 3, VW_HASQ = VW_INQ + 2,
       VW_N = VW_HASQ + 2 };
/* global: sp1= (18), sn1= (18), pos= (3), inq= (2), hasq= (2), cap= (2) */
enum { GW_SP1 = 0, GW_SN1 = N_SHAPES, GW_POS = 2 * N_SHAPES, GW_INQ = GW_POS + 3, GW_HASQ = GW_INQ + 2, GW_CAP = GW_HASQ + 2 };

/* splitmix64's finaliser: every bit of the key moves the low bits the table uses. (The earlier
 * (k * 0x9E37...) >> 17 left bits 17.. of the product, which do not depend on the word's bits of the
 * key (bit 34 up) for a table of fewer than 2^17 slots: every word's pairs with one neighbour met in
 * one run of slots, tens of probes a look-up.) */
static MFA_INLINE uint64_t pair_hash(uint64_t k) {
    k ^= k >> 30;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 27;
    k *= 0x94D049BB133111EBull;
    return k ^ (k >> 31);
}

static MFA_INLINE double pair_get(const CueModel *M, size_t vid, int32_t cid, int kind) {
    if (cid < 0 || !M->pairs) return 0.0;
    uint64_t key = (((uint64_t)vid << 34) | ((uint64_t)cid << 2) | (uint64_t)kind) + 1, h = pair_hash(key),
             bit = (h >> 40) & 0x1FFFF;
    if (!((M->pair_bits[bit >> 6] >> (bit & 63)) & 1)) return 0.0;
    size_t j = (size_t)h & M->pair_mask;
    for (;;) {
        const APair *e = &M->pairs[j];
        if (e->key == key) return e->w;
        if (e->key == 0) return 0.0;
        j = (j + 1) & M->pair_mask;
    }
}

static int pair_put(CueModel *M, size_t vid, int32_t cid, int kind, double w) {
    uint64_t key = (((uint64_t)vid << 34) | ((uint64_t)cid << 2) | (uint64_t)kind) + 1, h = pair_hash(key),
             bit = (h >> 40) & 0x1FFFF;
    size_t j = (size_t)h & M->pair_mask;
    M->pair_bits[bit >> 6] |= (uint64_t)1 << (bit & 63);
    while (M->pairs[j].key != 0 && M->pairs[j].key != key) j = (j + 1) & M->pair_mask;
    if (M->pairs[j].key == 0) {
        if (M->pair_used + 1 > (M->pair_mask + 1) / 2) {
            PyErr_SetString(PyExc_RuntimeError, "CueModel: pair table full");
            return -1;
        }
        M->pairs[j].key = key;
        M->pair_used++;
    }
    M->pairs[j].w = w;
    return 0;
}

/* the weight of the feature named p[0:n] (0.0 when the model has none) */
static double weight_of(const CueModel *M, const unsigned char *p, size_t n) {
    double w = 0.0;
    at_get(&M->weights, p, n, at_hash(p, n), &w);
    return w;
}

/* the weight of prefix + a [+ "|" + b], building the name in buf (large enough) */
static double weight_named(const CueModel *M, unsigned char *buf, const char *prefix, const unsigned char *a, size_t na,
                           const char *b) {
    size_t len = strlen(prefix);
    memcpy(buf, prefix, len);
    memcpy(buf + len, a, na);
    len += na;
    if (b) {
        buf[len++] = '|';
        memcpy(buf + len, b, strlen(b));
        len += strlen(b);
    }
    return weight_of(M, buf, len);
}

/* the id of neighbouring word p[0:n] in M->ctx, made when `make`; -1 when absent (or on error, with
 * an exception set, -2) */
static int32_t ctx_id_h(CueModel *M, const unsigned char *p, size_t n, uint64_t h, int make) {
    double id;
    if (at_get(&M->ctx, p, n, h, &id)) return (int32_t)id;
    if (!make) return -1;
    if (M->n_ctx >= ((size_t)1 << 30)) {
        PyErr_SetString(PyExc_OverflowError, "CueModel: too many words");
        return -2;
    }
    if (grow((void **)&M->cw, &M->ctx_cap, 4 * (M->n_ctx + 1), sizeof(double))) return -2;
    for (int k = 0; k < 4; k++) M->cw[4 * M->n_ctx + k] = 0.0;
    if (at_put_grow(&M->ctx, p, n, (double)M->n_ctx)) return -2;
    return (int32_t)M->n_ctx++;
}

static int32_t ctx_id(CueModel *M, const unsigned char *p, size_t n, int make) {
    return ctx_id_h(M, p, n, at_hash(p, n), make);
}

/* the tables of CueModel from its weights and vocabulary (vocab holds each word's index) */
static int cue_tables(CueModel *M, PyObject *vocab_seq) {
    Py_ssize_t nv = PySequence_Fast_GET_SIZE(vocab_seq);
    M->n_vocab = (size_t)nv;
    M->vw = PyMem_Calloc((size_t)nv * VW_N + 1, sizeof(double));
    if (!M->vw || at_init(&M->ctx, 1024)) {
        if (!M->vw) PyErr_NoMemory();
        return -1;
    }
    size_t longest = 64;
    for (size_t i = 0; i <= M->weights.mask; i++)
        if (M->weights.slots[i].len != SIZE_MAX && M->weights.slots[i].len + 64 > longest)
            longest = M->weights.slots[i].len + 64;
    unsigned char *buf = NULL;
    int rc = -1;
    /* global */
    buf = PyMem_Malloc(longest);
    if (!buf) {
        PyErr_NoMemory();
        goto done;
    }
    for (int s = 0; s < N_SHAPES; s++) {
        const unsigned char *sh = (const unsigned char *)A_SHAPES[s];
        M->gw[GW_SP1 + s] = weight_named(M, buf, "sp1=", sh, strlen(A_SHAPES[s]), NULL);
        M->gw[GW_SN1 + s] = weight_named(M, buf, "sn1=", sh, strlen(A_SHAPES[s]), NULL);
    }
    for (int k = 0; k < 3; k++)
        M->gw[GW_POS + k] = weight_named(M, buf, "pos=", (const unsigned char *)A_POS[k], strlen(A_POS[k]), NULL);
    for (int k = 0; k < 2; k++) {
        const unsigned char *b = (const unsigned char *)A_BOOL[k];
        M->gw[GW_INQ + k] = weight_named(M, buf, "inq=", b, strlen(A_BOOL[k]), NULL);
        M->gw[GW_HASQ + k] = weight_named(M, buf, "hasq=", b, strlen(A_BOOL[k]), NULL);
        M->gw[GW_CAP + k] = weight_named(M, buf, "cap=", b, strlen(A_BOOL[k]), NULL);
    }
    /* per vocabulary word */
    for (Py_ssize_t i = 0; i < nv; i++) {
        PyObject *b = utf8_bytes(PySequence_Fast_GET_ITEM(vocab_seq, i));
        if (!b) goto done;
        const unsigned char *w = (const unsigned char *)PyBytes_AS_STRING(b);
        size_t lw = (size_t)PyBytes_GET_SIZE(b);
        unsigned char *big = lw + 64 > longest ? PyMem_Malloc(lw + 64) : buf;
        if (!big) {
            Py_DECREF(b);
            PyErr_NoMemory();
            goto done;
        }
        double *v = M->vw + (size_t)i * VW_N;
        v[VW_W] = weight_named(M, big, "w=", w, lw, NULL);
        for (int s = 0; s < N_SHAPES; s++) {
            v[VW_SP1 + s] = weight_named(M, big, "w_sp1=", w, lw, A_SHAPES[s]);
            v[VW_SN1 + s] = weight_named(M, big, "w_sn1=", w, lw, A_SHAPES[s]);
        }
        for (int k = 0; k < 3; k++) v[VW_POS + k] = weight_named(M, big, "w_pos=", w, lw, A_POS[k]);
        for (int k = 0; k < 2; k++) {
            v[VW_INQ + k] = weight_named(M, big, "w_inq=", w, lw, A_BOOL[k]);
            v[VW_HASQ + k] = weight_named(M, big, "w_hasq=", w, lw, A_BOOL[k]);
        }
        if (big != buf) PyMem_Free(big);
        Py_DECREF(b);
    }
    /* neighbouring words and (word, neighbour) pairs, from the names of the weights */
    size_t n_pairs = 0;
    for (size_t i = 0; i <= M->weights.mask; i++) {
        const ASlot *sl = &M->weights.slots[i];
        if (sl->len == SIZE_MAX || sl->len < 2 || M->weights.pool[sl->off] != 'w' || M->weights.pool[sl->off + 1] != '_')
            continue;
        for (size_t m = 0; m < sl->len; m++) n_pairs += M->weights.pool[sl->off + m] == '|'; /* a pair per '|' at most */
    }
    size_t cap = 16;
    while (cap < 2 * n_pairs + 2) cap *= 2;
    M->pairs = PyMem_Calloc(cap, sizeof(APair));
    if (!M->pairs) {
        PyErr_NoMemory();
        goto done;
    }
    M->pair_mask = cap - 1;
    static const char *const single[4] = {"p1=", "n1=", "p2=", "n2="};
    static const char *const paired[3] = {"w_p1=", "w_n1=", "w_n2="};
    for (size_t i = 0; i <= M->weights.mask; i++) {
        const ASlot *sl = &M->weights.slots[i];
        if (sl->len == SIZE_MAX) continue;
        const unsigned char *key = M->weights.pool + sl->off;
        size_t len = sl->len;
        for (int k = 0; k < 4; k++) {
            size_t lp = strlen(single[k]);
            if (len >= lp && memcmp(key, single[k], lp) == 0) {
                int32_t id = ctx_id(M, key + lp, len - lp, 1);
                if (id < 0) goto done;
                M->cw[4 * (size_t)id + k] = sl->w;
            }
        }
        for (int k = 0; k < 3; k++) {
            size_t lp = strlen(paired[k]);
            if (len < lp || memcmp(key, paired[k], lp) != 0) continue;
            /* every split of the rest at a '|' into a vocabulary word and a neighbour names this weight */
            for (size_t bar = lp; bar < len; bar++) {
                if (key[bar] != '|') continue;
                double vid;
                if (!at_get(&M->vocab, key + lp, bar - lp, at_hash(key + lp, bar - lp), &vid)) continue;
                int32_t id = ctx_id(M, key + bar + 1, len - bar - 1, 1);
                if (id < 0 || pair_put(M, (size_t)vid, id, k, sl->w)) goto done;
            }
        }
    }
    M->ctx_s = ctx_id(M, (const unsigned char *)"<s>", 3, 0);
    M->ctx_es = ctx_id(M, (const unsigned char *)"</s>", 4, 0);
    rc = 0;
done:
    PyMem_Free(buf);
    return rc;
}

/* -- source_type (attribution.py) for a source written in ASCII; the Python function is the definition
 * and types every other source (test_attribution_core.py compares both on many sources) */

/* source_sets = (type names, then N_STSETS iterables of str) */
static int st_init(CueModel *M, PyObject *st) {
    PyObject *seq = PySequence_Fast(st, "CueModel: source_sets must be a sequence");
    if (!seq) return -1;
    int r = -1;
    if (PySequence_Fast_GET_SIZE(seq) != N_STSETS + 1) {
        PyErr_Format(PyExc_ValueError, "CueModel: source_sets: the type names and %d word sets expected", N_STSETS);
        goto done;
    }
    PyObject *names = PySequence_Tuple(PySequence_Fast_GET_ITEM(seq, 0));
    if (!names) goto done;
    M->st_names = names;
    if (PyTuple_GET_SIZE(names) != N_TYPES) {
        PyErr_Format(PyExc_ValueError, "CueModel: %d source type names expected", N_TYPES);
        goto done;
    }
    for (Py_ssize_t k = 0; k < N_TYPES; k++)
        if (!PyUnicode_Check(PyTuple_GET_ITEM(names, k))) {
            PyErr_SetString(PyExc_TypeError, "CueModel: source type names must be str");
            goto done;
        }
    for (int k = 0; k < N_STSETS; k++)
        if (at_from_iterable(&M->st_sets[k], PySequence_Fast_GET_ITEM(seq, k + 1))) goto done;
    const ATab *ph = &M->st_sets[ST_ANON_PHRASES];
    M->st_ph = PyMem_Malloc((ph->mask + 1) * sizeof(size_t));
    if (!M->st_ph) {
        PyErr_NoMemory();
        goto done;
    }
    size_t n_ph = 0;
    for (int c = 0; c < 256; c++) {
        M->st_ph_at[c] = n_ph;
        for (size_t s = 0; s <= ph->mask; s++)
            if (ph->slots[s].len != SIZE_MAX && ph->slots[s].len && ph->pool[ph->slots[s].off] == c) {
                M->st_ph[n_ph++] = s;
                M->st_first[c] = 1;
            }
    }
    M->st_ph_at[256] = n_ph;
    M->st_ready = 1;
    r = 0;
done:
    Py_DECREF(seq);
    return r;
}

static MFA_INLINE int st_in(const CueModel *M, int set, const unsigned char *p, size_t n) {
    return at_get(&M->st_sets[set], p, n, at_hash(p, n), NULL);
}

static MFA_INLINE int st_is(const unsigned char *p, size_t n, const char *w) {
    return strlen(w) == n && memcmp(p, w, n) == 0;
}

/* str.isspace() (and \s) on ASCII */
static MFA_INLINE int st_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }
static MFA_INLINE int st_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static MFA_INLINE int st_word(unsigned char c) { return st_letter(c) || (c >= '0' && c <= '9') || c == '_'; }
static MFA_INLINE int st_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

/* str.isupper() of ASCII p[0:n]: a cased character and no lower-case one */
static int st_isupper(const unsigned char *p, size_t n) {
    int cased = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 'a' && p[i] <= 'z') return 0;
        cased |= st_upper(p[i]);
    }
    return cased;
}

#define ST_MAX_TOKENS 64

/* the UTF-8 of U+2019 (right single quotation mark, the apostrophe of "Clinton’s") and of U+00A0 (no-break
 * space): the two characters beyond ASCII that st_ascii takes */
static MFA_INLINE int st_apostrophe(const unsigned char *p, size_t i, size_t n) {
    return i + 2 < n && p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] == 0x99;
}

/* the width in bytes of the whitespace character at p[i] (str.isspace(): ASCII ones and U+00A0, whose
 * UTF-8 C2 A0 is the only one st_ascii lets through), 0 for another character */
static MFA_INLINE size_t st_space_width(const unsigned char *p, size_t i, size_t n) {
    if (st_space(p[i])) return 1;
    return p[i] == 0xC2 && i + 1 < n && p[i + 1] == 0xA0 ? 2 : 0;
}

/* source_type(p[0:n]) for a source written in ASCII, U+2019 (’) and U+00A0: the index in SOURCE_TYPES;
 * -2 for any other source (the Python function types it), -1 on error. The steps and their order are
 * source_type's. The two other characters change none of them: U+00A0 is whitespace (split() drops
 * it), U+2019 is not \w, not whitespace, uncased and its own lower case, joins words in TOKEN_RE
 * ("\w+(?:[-'’]\w+)*"), is not among the characters strip() removes, and no ASCII letter of a marker
 * phrase matches it ignoring case (source_type searches a non-ASCII text with IGNORECASE). */
static int st_ascii(const CueModel *M, const unsigned char *p, size_t n) {
    unsigned char sbuf[512], *buf = sbuf;
    size_t *tok = NULL, stok[2 * ST_MAX_TOKENS];
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80) {
            if (st_apostrophe(p, i, n)) i += 2;
            else if (p[i] == 0xC2 && i + 1 < n && p[i + 1] == 0xA0) i += 1;
            else return -2;
        }
    if (2 * n + 2 > sizeof(sbuf)) {
        buf = PyMem_Malloc(2 * n + 2);
        if (!buf) {
            PyErr_NoMemory();
            return -1;
        }
    }
    /* text = " ".join(source.split()) in buf[0:m], its lower case in low[0:m] */
    unsigned char *text = buf, *low = buf + n + 1;
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t w = st_space_width(p, i, n);
        if (w) {
            i += w;
            continue;
        }
        if (m) text[m++] = ' ';
        while (i < n && !st_space_width(p, i, n)) text[m++] = p[i++];
    }
    for (size_t i = 0; i < m; i++) low[i] = st_upper(text[i]) ? (unsigned char)(text[i] + 32) : text[i];
    /* low.strip(" ,.;:\"“”'") (the curly quotes are not ASCII) */
    size_t la = 0, lb = m;
    while (la < lb && strchr(" ,.;:\"'", low[la]) && low[la]) la++;
    while (lb > la && strchr(" ,.;:\"'", low[lb - 1]) && low[lb - 1]) lb--;
    /* toks: the matches of TOKEN_RE that start with a word character, as [tok[2k], tok[2k + 1]) */
    size_t nt = 0, cap = ST_MAX_TOKENS;
    tok = stok;
    int type = -1;
    for (size_t i = 0; i < m;) {
        unsigned char c = text[i];
        if (st_space(c)) {
            i++;
            continue;
        }
        if (!st_word(c)) { /* [^\w\s]: a punctuation token, left out */
            i++;
            continue;
        }
        size_t k = i + 1;
        int done = 0;
        if (st_letter(c) && k < m && text[k] == '.') { /* (?:[^\W\d_]\.){2,} */
            size_t q = i, cnt = 0;
            while (q + 1 < m && st_letter(text[q]) && text[q + 1] == '.') {
                q += 2;
                cnt++;
            }
            if (cnt >= 2) {
                k = q;
                done = 1;
            }
        }
        if (!done) { /* \w+(?:[-'’]\w+)* */
            while (k < m && st_word(text[k])) k++;
            for (;;) {
                size_t j = k < m && (text[k] == '-' || text[k] == '\'') ? k + 1 : (st_apostrophe(text, k, m) ? k + 3 : 0);
                if (!j || j >= m || !st_word(text[j])) break;
                k = j + 1;
                while (k < m && st_word(text[k])) k++;
            }
        }
        if (nt == cap) {
            size_t *bigger = PyMem_Malloc(4 * cap * sizeof(size_t));
            if (!bigger) {
                PyErr_NoMemory();
                goto done;
            }
            memcpy(bigger, tok, 2 * nt * sizeof(size_t));
            if (tok != stok) PyMem_Free(tok);
            tok = bigger;
            cap *= 2;
        }
        tok[2 * nt] = i;
        tok[2 * nt + 1] = k;
        nt++;
        i = k;
    }
#define TS(k) (text + tok[2 * (k)])
#define LW(k) (low + tok[2 * (k)])
#define TL(k) (tok[2 * (k) + 1] - tok[2 * (k)])
#define IN(set, k) st_in(M, set, LW(k), TL(k))
#define NAME_LIKE(k) (st_upper(TS(k)[0]) && !IN(ST_ORG_WORDS, k) && !IN(ST_NOT_NAMES, k)) /* _name_like */
    if (!nt) {
        type = T_VAGUE;
        goto done;
    }
    if (nt == 1 && IN(ST_PRONOUNS, 0)) {
        type = T_PRONOUN;
        goto done;
    }
    if (st_in(M, ST_OUTLETS, low + la, lb - la) ||
        (lb - la >= 4 && memcmp(low + la, "the ", 4) == 0 && st_in(M, ST_OUTLETS, low + la + 4, lb - la - 4))) {
        type = T_OUTLET;
        goto done;
    }
    if (st_in(M, ST_COUNTRIES, low + la, lb - la) ||
        (lb - la >= 4 && memcmp(low + la, "the ", 4) == 0 && st_in(M, ST_COUNTRIES, low + la + 4, lb - la - 4))) {
        type = T_NAMED_ORGANISATION;
        goto done;
    }
    /* an apposition ("Smith, the commander of the base"): a determiner after the first comma and a
     * named person before it make a named person */
    {
        size_t comma = 0;
        while (comma < m && text[comma] != ',') comma++;
        if (comma > 0 && comma < m) {
            size_t k = 0;
            while (k < nt && tok[2 * k] < comma) k++;
            if (k < nt && at_get(&M->sets[AS_DETERMINERS], LW(k), TL(k), at_hash(LW(k), TL(k)), NULL)) {
                int t0 = st_ascii(M, text, comma);
                if (t0 == -1 || t0 == T_NAMED_PERSON) {
                    type = t0;
                    goto done;
                }
            }
        }
    }
    size_t h = nt - 1;
    /* _role_before_of: the role or group word right before the first of "for with at of from in by on" is the
     * head ("a spokesman for the ministry", "critics of the plan"), unless the source ends with a name */
    size_t hr = h;
    int role = 0;
    for (size_t k = 1; k + 1 < nt; k++) {
        if (!IN(ST_ROLE_LINKS, k)) continue;
        if ((IN(ST_ANON_HEADS, k - 1) || IN(ST_VAGUE_HEADS, k - 1) || IN(ST_DOCUMENT_HEADS, k - 1)) &&
            !(nt >= 2 && NAME_LIKE(nt - 1) && NAME_LIKE(nt - 2))) {
            hr = k - 1;
            role = 1;
        }
        break;
    }
    if (role ? IN(ST_DOCUMENT_HEADS, hr) : (IN(ST_DOCUMENT_HEADS, h) ||
        (nt > 2 && IN(ST_DOCUMENT_HEADS, h - 1) && (st_is(LW(h), TL(h), "says") || st_is(LW(h), TL(h), "shows"))))) {
        type = T_DOCUMENT;
        goto done;
    }
    /* _ANON_MARKERS.search(text.lower()) */
    const ATab *ph = &M->st_sets[ST_ANON_PHRASES];
    for (size_t i = 0; i < m; i++) {
        if (!M->st_first[low[i]]) continue;
        for (size_t x = M->st_ph_at[low[i]]; x < M->st_ph_at[low[i] + 1]; x++) {
            const ASlot *sl = &ph->slots[M->st_ph[x]];
            if (sl->len > m - i) continue;
            const unsigned char *q = ph->pool + sl->off;
            if (memcmp(low + i, q, sl->len) == 0) {
                type = T_ANONYMOUS;
                goto done;
            }
        }
    }
    if (IN(ST_ANON_HEADS, hr)) {
        if (IN(ST_VAGUE_FIRST, 0) && !st_is(LW(0), TL(0), "several") && !IN(ST_CORE_ANON, hr)) type = T_VAGUE;
        else type = T_ANONYMOUS;
        goto done;
    }
    if (IN(ST_VAGUE_FIRST, 0) || IN(ST_VAGUE_HEADS, hr)) {
        type = T_VAGUE;
        goto done;
    }
    int caps = 0, all_caps = 0, org = 0;
    for (size_t k = 0; k < nt; k++) {
        if (st_upper(TS(k)[0]) && !IN(ST_NOT_NAMES, k) && !st_is(LW(k), TL(k), "the") && !st_is(LW(k), TL(k), "a") &&
            !st_is(LW(k), TL(k), "an"))
            caps = 1;
        if (TL(k) > 1 && st_isupper(TS(k), TL(k))) all_caps = 1;
        if (IN(ST_ORG_WORDS, k)) org = 1;
    }
    if (caps || all_caps) {
        if (nt >= 2 && NAME_LIKE(h) && NAME_LIKE(h - 1) && !st_isupper(TS(h), TL(h))) type = T_NAMED_PERSON;
        else if (org || (nt == 1 && st_isupper(TS(0), TL(0)))) type = T_NAMED_ORGANISATION;
        else type = T_NAMED_PERSON;
        goto done;
    }
    type = org ? (caps ? T_NAMED_ORGANISATION : T_VAGUE) : T_VAGUE;
#undef NAME_LIKE
#undef TS
#undef LW
#undef TL
#undef IN
done:
    if (buf != sbuf) PyMem_Free(buf);
    if (tok != stok) PyMem_Free(tok);
    return type;
}

/* CueModel.source_type(source) -> the type of an ASCII source, None for any other (typed by Python);
 * for the parity test */
static PyObject *CueModel_source_type(CueModel *M, PyObject *src) {
    if (!M->st_ready) {
        PyErr_SetString(PyExc_ValueError, "CueModel: made without source_sets");
        return NULL;
    }
    PyObject *b = utf8_bytes(src);
    if (!b) return NULL;
    int t = st_ascii(M, (const unsigned char *)PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    if (t == -1) return NULL;
    if (t == -2) Py_RETURN_NONE;
    PyObject *name = PyTuple_GET_ITEM(M->st_names, t);
    Py_INCREF(name);
    return name;
}

static PyMethodDef CueModel_methods[] = {
    {"source_type", (PyCFunction)CueModel_source_type, METH_O,
     "source_type(source) -> the type of an ASCII source (attribution.source_type's rules), None for another"},
    {NULL, NULL, 0, NULL},
};

/* CueModel(vocabulary, weights, bias, sets[, source_sets]): weights a dict str -> float (exact floats only: the sum of
 * the Python path adds floats), sets a sequence of N_ASETS iterables of str */
static int CueModel_init(CueModel *M, PyObject *args, PyObject *kw) {
    PyObject *vocab, *weights, *sets, *st = Py_None;
    double bias;
    if (M->ready) {
        PyErr_SetString(PyExc_RuntimeError, "CueModel is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "OO!dO|O", &vocab, &PyDict_Type, &weights, &bias, &sets, &st)) return -1;
    if (st != Py_None && st_init(M, st)) return -1;
    PyObject *seq = PySequence_Fast(sets, "CueModel: sets must be a sequence");
    if (!seq) return -1;
    if (PySequence_Fast_GET_SIZE(seq) != N_ASETS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "CueModel: %d word sets expected", N_ASETS);
        return -1;
    }
    PyObject *vseq = PySequence_Fast(vocab, "CueModel: the vocabulary must be a sequence of str");
    if (!vseq) {
        Py_DECREF(seq);
        return -1;
    }
    Py_ssize_t nv = PySequence_Fast_GET_SIZE(vseq);
    int r = at_init(&M->vocab, (size_t)nv);
    for (Py_ssize_t i = 0; r == 0 && i < nv; i++) r = at_put_str(&M->vocab, PySequence_Fast_GET_ITEM(vseq, i), (double)i);
    size_t lo = SIZE_MAX, hi = 0;
    for (Py_ssize_t i = 0; r == 0 && i < nv; i++) { /* at_put_str checked that every word is a str */
        PyObject *w = PySequence_Fast_GET_ITEM(vseq, i);
        Py_ssize_t len = PyUnicode_GET_LENGTH(w);
        if (!len) continue; /* no token is empty */
        if ((size_t)len < lo) lo = (size_t)len;
        if ((size_t)len > hi) hi = (size_t)len;
        uint32_t sig = tok_sig(PyUnicode_READ_CHAR(w, 0), len > 1 ? PyUnicode_READ_CHAR(w, 1) : 0,
                               PyUnicode_READ_CHAR(w, len - 1), (size_t)len);
        M->vocab_sig[sig >> 6] |= (uint64_t)1 << (sig & 63);
    }
    for (size_t i = 0; r == 0 && i <= M->vocab.mask; i++)
        if (M->vocab.slots[i].len != SIZE_MAX) {
            uint64_t bit = (M->vocab.slots[i].h >> 40) & 0xFFFF;
            M->vocab_bits[bit >> 6] |= (uint64_t)1 << (bit & 63);
        }
    M->vocab_min = lo == SIZE_MAX ? 1 : lo;
    M->vocab_span = lo == SIZE_MAX ? 0 : hi - lo; /* no word: 0 - 0 <= 0 lets tokens of 1 character through */
    for (int k = 0; r == 0 && k < N_ASETS; k++) r = at_from_iterable(&M->sets[k], PySequence_Fast_GET_ITEM(seq, k));
    Py_DECREF(seq);
    if (r == 0) r = at_init(&M->weights, (size_t)PyDict_Size(weights));
    Py_ssize_t pos = 0;
    PyObject *key, *val;
    while (r == 0 && PyDict_Next(weights, &pos, &key, &val)) {
        if (!PyFloat_CheckExact(val)) {
            PyErr_SetString(PyExc_TypeError, "CueModel: every weight must be a float");
            r = -1;
            break;
        }
        r = at_put_str(&M->weights, key, PyFloat_AS_DOUBLE(val));
    }
    if (r == 0) r = cue_tables(M, vseq);
    Py_DECREF(vseq);
    if (r) return -1;
    M->bias = bias;
    M->ready = 1;
    return 0;
}

static void CueModel_dealloc(CueModel *M) {
    at_free(&M->vocab);
    at_free(&M->weights);
    for (int k = 0; k < N_ASETS; k++) at_free(&M->sets[k]);
    for (int k = 0; k < N_STSETS; k++) at_free(&M->st_sets[k]);
    PyMem_Free(M->st_ph);
    Py_XDECREF(M->st_names);
    at_free(&M->ctx);
    PyMem_Free(M->vw);
    PyMem_Free(M->cw);
    PyMem_Free(M->pairs);
    PyMem_Free(M->low_of);
    PyMem_Free(M->low_known);
    Py_TYPE(M)->tp_free((PyObject *)M);
}

static PyTypeObject CueModelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "analysis._core.CueModel",
    .tp_basicsize = sizeof(CueModel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CueModel_init,
    .tp_dealloc = (destructor)CueModel_dealloc,
    .tp_methods = CueModel_methods,
    .tp_doc = "CueModel(vocabulary, weights, bias, sets[, source_sets]): an attribution cue model's words and "
              "weights in hash tables (and source_type's word sets).",
};

/* ---------------------------------------------------------------- one call's work buffers */

typedef struct {
    const CueModel *M;
    Scanner *S;
    PyObject *text;
    int tk, lk;
    const void *td, *ld;
    /* tokens of the sentence: spans, UTF-8 of the lower-cased token (pool offset, length), its hash */
    Py_ssize_t n;
    Py_ssize_t *ts, *te;
    size_t *boff, *blen;
    uint64_t *bh;
    unsigned char *qm; /* quote mask */
    Py_ssize_t *cand;    /* the tokens that are vocabulary words, in order */
    int32_t *cand_vid;   /* the index in the vocabulary of each */
    int32_t *cid;        /* id as a neighbouring word + 2 (1: none; 0: not looked up; set when n_cand > 0) */
    Py_UCS4 *pc;         /* the character of a one-character punctuation token, PC_WORD for a word */
    unsigned char *prep; /* boff, blen and bh of the token made (tok_prep) */
    Py_ssize_t n_cand;
    Py_ssize_t ln; /* the length of the lower-cased text */
    int has_q; /* a quote token in the sentence */
    int single_q; /* the document's single curly marks quote (single_quotes_quote): read as double (doubled) */
    size_t cid_cap, cand_cap, cand_vid_cap, tok_cap, ts_cap, te_cap, boff_cap, blen_cap, bh_cap, qm_cap, pc_cap, prep_cap;
    unsigned char *pool;
    size_t pool_len, pool_cap;
    unsigned char *key;
    size_t key_cap;
    /* kept candidates (token, score) and cues (i, j, head, score) */
    Py_ssize_t *kept_i;
    double *kept_s;
    size_t kept_n, kept_i_cap, kept_s_cap;
    Py_ssize_t *cue4;
    double *cue_s;
    size_t cue_n, cue4_cap, cue_s_cap;
    Py_ssize_t *cuts; /* the character offsets of a long sentence's pieces */
    size_t cuts_cap;
} ACtx;

#define TCH(i) PyUnicode_READ(C->tk, C->td, (i))
#define LCH(i) PyUnicode_READ(C->lk, C->ld, (i))

static void actx_free(ACtx *C) {
    PyMem_Free(C->ts);
    PyMem_Free(C->te);
    PyMem_Free(C->boff);
    PyMem_Free(C->blen);
    PyMem_Free(C->bh);
    PyMem_Free(C->qm);
    PyMem_Free(C->cand);
    PyMem_Free(C->cand_vid);
    PyMem_Free(C->cid);
    PyMem_Free(C->pc);
    PyMem_Free(C->prep);
    PyMem_Free(C->pool);
    PyMem_Free(C->key);
    PyMem_Free(C->kept_i);
    PyMem_Free(C->kept_s);
    PyMem_Free(C->cue4);
    PyMem_Free(C->cue_s);
    PyMem_Free(C->cuts);
}

static MFA_INLINE size_t utf8_put(unsigned char *o, Py_UCS4 c) {
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* TOKEN_RE on low[a:b]: (?:[^\W\d_]\.){2,} | \w+(?:[-'’]\w+)* | [^\w\s]; the spans of the tokens, the
 * character of each one-character punctuation token (pc, from the text; PC_WORD for a word) and whether the
 * sentence holds a quote token (has_q). The lower-cased text has the character classes of the text at
 * every position (str.lower() keeps \w, \d, letters and \s; test_attribution_core checks every code
 * point), so these are also the spans of the tokens of the text. A token is looked up in the vocabulary
 * only when its signature (tok_sig: first, second and last character and length) has its bit set in
 * M->vocab_sig (every vocabulary word's bit is): the UTF-8 of the lower-cased token and its at_hash are
 * made then, or later when a rule or a feature asks for them (tok_prep), not for every token. */
static MFA_INLINE int sig_bit(const CueModel *M, uint32_t sig) { return (int)((M->vocab_sig[sig >> 6] >> (sig & 63)) & 1); }

/* the UTF-8 of lower-cased token k in the pool and its at_hash (made once) */
#define TOK_MAKE_LOOP(T)                                                                                   \
    do {                                                                                                   \
        const T *L = (const T *)C->ld;                                                                     \
        for (Py_ssize_t m = C->ts[k]; m < C->te[k]; m++) {                                                 \
            Py_UCS4 ch = L[m];                                                                             \
            if (ch < 0x80) o[len++] = (unsigned char)ch;                                                   \
            else len += utf8_put(o + len, ch);                                                             \
        }                                                                                                  \
    } while (0)

static void tok_make(ACtx *C, Py_ssize_t k) {
    size_t off = C->pool_len, len = 0;
    unsigned char *o = C->pool + off;
    if (C->lk == PyUnicode_1BYTE_KIND) TOK_MAKE_LOOP(Py_UCS1);
    else if (C->lk == PyUnicode_2BYTE_KIND) TOK_MAKE_LOOP(Py_UCS2);
    else TOK_MAKE_LOOP(Py_UCS4);
    C->boff[k] = off;
    C->blen[k] = len;
    C->bh[k] = at_hash(o, len);
    C->pool_len = off + len;
    C->prep[k] = 1;
}

static MFA_INLINE void tok_prep(ACtx *C, Py_ssize_t k) {
    if (!C->prep[k]) tok_make(C, k);
}

#define PC_WORD 0x110000u /* no character */

static MFA_INLINE int is_quote_char(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == '`' || c == 0x201C || c == 0x201D || c == 0x201E || c == 0xAB || c == 0xBB;
}

/* the end of the run of [a-z0-9_] starting at m in L[m:b) (lower-cased text: every \w of ASCII but the
 * capitals, which it has none of), at least as far as it is made of whole blocks of 16 bytes (SSE2);
 * m itself without SSE2 or for four-byte text. The caller reads on one character at a time. */
static MFA_INLINE Py_ssize_t ascii_word_run_ucs1(const Py_UCS1 *L, Py_ssize_t m, Py_ssize_t b) {
#if MFA_SSE2
    const __m128i ca = _mm_set1_epi8('a'), c25 = _mm_set1_epi8(25), c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9),
                  cu = _mm_set1_epi8('_'), zero = _mm_setzero_si128();
    while (m + 16 <= b) {
        __m128i v = _mm_loadu_si128((const __m128i *)(L + m));
        __m128i w = _mm_or_si128(_mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(v, ca), c25), zero),
                                 _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(v, c0), c9), zero));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(w, _mm_cmpeq_epi8(v, cu)));
        if (mask != 0xFFFFu) return m + mfa_ctz(~mask & 0xFFFFu);
        m += 16;
    }
#endif
    return m;
}

static MFA_INLINE Py_ssize_t ascii_word_run_ucs2(const Py_UCS2 *L, Py_ssize_t m, Py_ssize_t b) {
#if MFA_SSE2
    const __m128i ca = _mm_set1_epi16('a'), c25 = _mm_set1_epi16(25), c0 = _mm_set1_epi16('0'), c9 = _mm_set1_epi16(9),
                  cu = _mm_set1_epi16('_'), zero = _mm_setzero_si128();
    while (m + 8 <= b) {
        __m128i v = _mm_loadu_si128((const __m128i *)(L + m));
        __m128i w = _mm_or_si128(_mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, ca), c25), zero),
                                 _mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, c0), c9), zero));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(w, _mm_cmpeq_epi16(v, cu)));
        if (mask != 0xFFFFu) return m + mfa_ctz(~mask & 0xFFFFu) / 2;
        m += 8;
    }
#endif
    return m;
}

static MFA_INLINE Py_ssize_t ascii_word_run_ucs4(const Py_UCS4 *L, Py_ssize_t m, Py_ssize_t b) {
    (void)L;
    (void)b;
    return m;
}

/* the n ASCII characters s[0:n] as bytes into o (o has 16 bytes to spare; s can be read `room`
 * characters on) */
static MFA_INLINE void ascii_pack_ucs1(unsigned char *o, const Py_UCS1 *s, Py_ssize_t n, Py_ssize_t room) {
    (void)room;
    memcpy(o, s, (size_t)n);
}

static MFA_INLINE void ascii_pack_ucs2(unsigned char *o, const Py_UCS2 *s, Py_ssize_t n, Py_ssize_t room) {
    Py_ssize_t j = 0;
#if MFA_SSE2
    for (; j < n && j + 8 <= room; j += 8) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + j));
        _mm_storel_epi64((__m128i *)(o + j), _mm_packus_epi16(v, v));
    }
#else
    (void)room;
#endif
    for (; j < n; j++) o[j] = (unsigned char)s[j];
}

static MFA_INLINE void ascii_pack_ucs4(unsigned char *o, const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t room) {
    (void)room;
    for (Py_ssize_t j = 0; j < n; j++) o[j] = (unsigned char)s[j];
}

#define DEFINE_TOKENIZE(NAME, T)                                                                           \
    static void NAME(ACtx *C, const T *L, Py_ssize_t a, Py_ssize_t b) {                                     \
        const CueModel *M = C->M;                                                                          \
        Py_ssize_t i = a, t = 0, n_cand = 0;                                                               \
        int has_q = 0;                                                                                     \
        while (i < b) {                                                                                    \
            Py_UCS4 c = L[i];                                                                              \
            Py_ssize_t k = i + 1;                                                                          \
            int word;                                                                                      \
            if (c < 0x80) {                                                                                \
                unsigned char cl = CLS[c];                                                                 \
                if (cl & C_S) {                                                                            \
                    i++;                                                                                   \
                    continue;                                                                              \
                }                                                                                          \
                word = cl & C_W;                                                                           \
            } else {                                                                                       \
                if (is_s(c)) {                                                                             \
                    i++;                                                                                   \
                    continue;                                                                              \
                }                                                                                          \
                word = is_w(c);                                                                            \
            }                                                                                              \
            int ascii = c < 0x80; /* a word of ASCII characters only (its UTF-8 is made here) */          \
            if (word) {                                                                                    \
                int done = 0;                                                                              \
                if (k < b && L[k] == '.' && is_letter(c)) {                                                \
                    Py_ssize_t m = i, cnt = 0;                                                             \
                    while (m + 1 < b && is_letter(L[m]) && L[m + 1] == '.') {                              \
                        m += 2;                                                                            \
                        cnt++;                                                                             \
                    }                                                                                      \
                    if (cnt >= 2) {                                                                        \
                        k = m;                                                                             \
                        done = 1;                                                                          \
                        ascii = 0;                                                                         \
                    }                                                                                      \
                }                                                                                          \
                if (!done) {                                                                               \
                    /* \w+(?:[-'’]\w+)* */                                                                 \
                    Py_ssize_t m = k;                                                                      \
                    for (;;) {                                                                             \
                        m = ascii_word_run(L, m, b);                                                       \
                        while (m < b) {                                                                    \
                            Py_UCS4 ch = L[m];                                                             \
                            if (ch < 0x80) {                                                               \
                                if (!(CLS[ch] & C_W)) break;                                               \
                            } else {                                                                       \
                                if (!is_w(ch)) break;                                                      \
                                ascii = 0;                                                                 \
                            }                                                                              \
                            m++;                                                                           \
                        }                                                                                  \
                        if (m + 1 < b && L[m] != ' ' && (L[m] == '-' || L[m] == '\'' || (Py_UCS4)L[m] == 0x2019) && \
                            is_w(L[m + 1])) {                                                              \
                            ascii &= L[m] < 0x80;                                                          \
                            m += 2;                                                                        \
                            continue;                                                                      \
                        }                                                                                  \
                        break;                                                                             \
                    }                                                                                      \
                    k = m;                                                                                 \
                }                                                                                          \
                C->pc[t] = PC_WORD;                                                                        \
            } else {                                                                                       \
                Py_UCS4 tc = TCH(i);                                                                       \
                C->pc[t] = tc;                                                                             \
                has_q |= is_quote_char(tc);                                                                \
            }                                                                                              \
            C->ts[t] = i;                                                                                  \
            C->te[t] = k;                                                                                  \
            if (word && ascii) {                                                                           \
                /* its UTF-8 and hash now, the vocabulary test by the hash's bit */                       \
                size_t len = (size_t)(k - i), off = C->pool_len;                                           \
                unsigned char *o = C->pool + off;                                                          \
                ascii_pack(o, L + i, k - i, C->ln - i);                                                    \
                uint64_t h = at_hash(o, len), bit = (h >> 40) & 0xFFFF;                                    \
                C->boff[t] = off;                                                                          \
                C->blen[t] = len;                                                                          \
                C->bh[t] = h;                                                                              \
                C->pool_len = off + len;                                                                   \
                C->prep[t] = 1;                                                                            \
                double vid;                                                                                \
                if (len - M->vocab_min <= M->vocab_span && ((M->vocab_bits[bit >> 6] >> (bit & 63)) & 1) &&   \
                    at_get(&M->vocab, o, len, h, &vid)) {                                                  \
                    C->cand[n_cand] = t;                                                                   \
                    C->cand_vid[n_cand] = (int32_t)vid;                                                    \
                    n_cand++;                                                                              \
                }                                                                                          \
            } else if ((size_t)(k - i) - M->vocab_min <= M->vocab_span &&                                  \
                sig_bit(M, tok_sig(c, L[i + 1 < k ? i + 1 : i] * (i + 1 < k), L[k - 1], (size_t)(k - i)))) { \
                double vid;                                                                                \
                tok_make(C, t);                                                                            \
                if (at_get(&M->vocab, C->pool + C->boff[t], C->blen[t], C->bh[t], &vid)) {                  \
                    C->cand[n_cand] = t;                                                                   \
                    C->cand_vid[n_cand] = (int32_t)vid;                                                    \
                    n_cand++;                                                                              \
                }                                                                                          \
            }                                                                                              \
            t++;                                                                                           \
            i = k < b && L[k] == ' ' ? k + 1 : k; /* the one space after most tokens */                     \
        }                                                                                                  \
        C->n = t;                                                                                          \
        C->n_cand = n_cand;                                                                                \
        C->has_q = has_q;                                                                                  \
    }

#define ascii_word_run ascii_word_run_ucs1
#define ascii_pack ascii_pack_ucs1
DEFINE_TOKENIZE(tokenize_ucs1, Py_UCS1)
#undef ascii_word_run
#undef ascii_pack
#define ascii_word_run ascii_word_run_ucs2
#define ascii_pack ascii_pack_ucs2
DEFINE_TOKENIZE(tokenize_ucs2, Py_UCS2)
#undef ascii_word_run
#undef ascii_pack
#define ascii_word_run ascii_word_run_ucs4
#define ascii_pack ascii_pack_ucs4
DEFINE_TOKENIZE(tokenize_ucs4, Py_UCS4)
#undef ascii_word_run
#undef ascii_pack

static int tokenize_sentence(ACtx *C, Py_ssize_t a, Py_ssize_t b) {
    /* a sentence of b - a characters has at most b - a tokens of at most 4 (b - a) bytes */
    size_t most = (size_t)(b - a) + 1;
    if (grow((void **)&C->ts, &C->ts_cap, most, sizeof(Py_ssize_t)) ||
        grow((void **)&C->te, &C->te_cap, most, sizeof(Py_ssize_t)) ||
        grow((void **)&C->boff, &C->boff_cap, most, sizeof(size_t)) ||
        grow((void **)&C->blen, &C->blen_cap, most, sizeof(size_t)) ||
        grow((void **)&C->bh, &C->bh_cap, most, sizeof(uint64_t)) ||
        grow((void **)&C->cand, &C->cand_cap, most, sizeof(Py_ssize_t)) ||
        grow((void **)&C->cand_vid, &C->cand_vid_cap, most, sizeof(int32_t)) ||
        grow((void **)&C->cid, &C->cid_cap, most, sizeof(int32_t)) ||
        grow((void **)&C->pc, &C->pc_cap, most, sizeof(Py_UCS4)) ||
        grow((void **)&C->prep, &C->prep_cap, most, 1) ||
        grow((void **)&C->pool, &C->pool_cap, 4 * most + 16, 1)) /* 16: ascii_pack writes whole words */
        return -1;
    C->pool_len = 0;
    memset(C->prep, 0, most);
    if (C->lk == PyUnicode_1BYTE_KIND) tokenize_ucs1(C, (const Py_UCS1 *)C->ld, a, b);
    else if (C->lk == PyUnicode_2BYTE_KIND) tokenize_ucs2(C, (const Py_UCS2 *)C->ld, a, b);
    else tokenize_ucs4(C, (const Py_UCS4 *)C->ld, a, b);
    if (C->n_cand) memset(C->cid, 0, (size_t)C->n * sizeof(int32_t)); /* neighbour ids: not looked up */
    return 0;
}

/* -- what the rules ask of one token k (0 <= k < n) */

static MFA_INLINE int low_in(ACtx *C, int set, Py_ssize_t k) {
    tok_prep(C, k);
    return at_get(&C->M->sets[set], C->pool + C->boff[k], C->blen[k], C->bh[k], NULL);
}

static MFA_INLINE int low_is(ACtx *C, Py_ssize_t k, const char *w) {
    size_t n = strlen(w);
    tok_prep(C, k);
    return C->blen[k] == n && memcmp(C->pool + C->boff[k], w, n) == 0;
}

/* the token is the one character ch */
static MFA_INLINE int word_is(ACtx *C, Py_ssize_t k, Py_UCS4 ch) {
    return C->pc[k] == ch; /* ch is a character, never PC_WORD */
}

/* the token is one character of the list */
static MFA_INLINE int word_in(ACtx *C, Py_ssize_t k, const Py_UCS4 *list, int nl) {
    Py_UCS4 c = C->pc[k];
    for (int m = 0; m < nl; m++)
        if (c == list[m]) return 1;
    return 0;
}

static const Py_UCS4 A_QUOTE_TOKENS[] = {'"', 0x201C, 0x201D, 0x201E, 0xAB, 0xBB, '`', '\''};
static const Py_UCS4 A_OPEN_Q[] = {0x201C, 0x201E, 0xAB};
static const Py_UCS4 A_CLOSE_Q[] = {0x201D, 0xBB};
static const Py_UCS4 A_SHAPE_PUNCT[] = {',', '.', ':', ';', '?', '!', 0x2014, '-', '(', ')'}; /* ",.:;?!—-()" */
static const Py_UCS4 A_STOP_PUNCT[] = {',', ';', ':', '(', ')', '[', ']', 0x2014, 0x2013, '!', '?'}; /* ",;:()[]—–!?" */
static const Py_UCS4 A_TRIM_LEAD[] = {',', '.', ';', ':', 0x2014, 0x2013, '-'};           /* ",.;:—–-" */
static const Py_UCS4 A_TRIM_TAIL[] = {',', '.', ';', ':', 0x2014, 0x2013, '-', '?', '!'}; /* ",.;:—–-?!" */
static const Py_UCS4 A_CLAUSE[] = {',', ';', ':'};
#define A_MAX_TOKENS 400 /* tokens of a sentence read at once (MAX_SENTENCE_TOKENS in attribution.py) */
#define NL(a) ((int)(sizeof(a) / sizeof((a)[0])))

static MFA_INLINE int is_quote_tok(ACtx *C, Py_ssize_t k) { return is_quote_char(C->pc[k]); }

/* str.isupper() / str.islower() of the token (CPython's definitions) */
static int word_isupper(ACtx *C, Py_ssize_t k) {
    Py_ssize_t a = C->ts[k], b = C->te[k];
    if (b - a == 1) {
        Py_UCS4 c = TCH(a);
        return c < 0x80 ? c >= 'A' && c <= 'Z' : Py_UNICODE_ISUPPER(c) != 0;
    }
    int cased = 0;
    for (Py_ssize_t m = a; m < b; m++) {
        Py_UCS4 c = TCH(m);
        if (c < 0x80) {
            if (c >= 'a' && c <= 'z') return 0;
            cased |= c >= 'A' && c <= 'Z';
            continue;
        }
        if (Py_UNICODE_ISLOWER(c) || Py_UNICODE_ISTITLE(c)) return 0;
        if (!cased && Py_UNICODE_ISUPPER(c)) cased = 1;
    }
    return cased;
}

static int word_islower(ACtx *C, Py_ssize_t k) {
    Py_ssize_t a = C->ts[k], b = C->te[k];
    if (b - a == 1) {
        Py_UCS4 c = TCH(a);
        return c < 0x80 ? c >= 'a' && c <= 'z' : Py_UNICODE_ISLOWER(c) != 0;
    }
    int cased = 0;
    for (Py_ssize_t m = a; m < b; m++) {
        Py_UCS4 c = TCH(m);
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z') return 0;
            cased |= c >= 'a' && c <= 'z';
            continue;
        }
        if (Py_UNICODE_ISUPPER(c) || Py_UNICODE_ISTITLE(c)) return 0;
        if (!cased && Py_UNICODE_ISLOWER(c)) cased = 1;
    }
    return cased;
}

/* words[k][:1].isupper() */
static MFA_INLINE int first_upper(ACtx *C, Py_ssize_t k) {
    Py_UCS4 c = TCH(C->ts[k]);
    return c < 0x80 ? (c >= 'A' && c <= 'Z') : Py_UNICODE_ISUPPER(c) != 0;
}

/* the index in A_SHAPES of _shape(words[k]): a one-character punctuation token (pc) is a quote, one
 * of ",.:;?!—-()" or "P" (it is not \w: not alphanumeric, not "_"); a word starts with \w */
static int shape_index(ACtx *C, Py_ssize_t k) {
    Py_UCS4 c = C->pc[k];
    if (c != PC_WORD) {
        if (is_quote_char(c)) return 2;
        for (int m = 0; m < NL(A_SHAPE_PUNCT); m++)
            if (c == A_SHAPE_PUNCT[m]) return 8 + m;
        return 3;
    }
    c = TCH(C->ts[k]);
    if (c < 0x80) {
        if (c >= '0' && c <= '9') return 4;
        if (C->te[k] - C->ts[k] > 1 && word_isupper(C, k)) return 5;
        return c >= 'A' && c <= 'Z' ? 6 : 7;
    }
    if (Py_UNICODE_ISDIGIT(c)) return 4;
    if (C->te[k] - C->ts[k] > 1 && word_isupper(C, k)) return 5;
    if (Py_UNICODE_ISUPPER(c)) return 6;
    return 7;
}

/* _abbrev_dot: token k is the full stop of an abbreviation or an initial; -1 on error */
static int abbrev_dot(ACtx *C, Py_ssize_t k) {
    if (k <= 0) return 0;
    Py_ssize_t a = C->ts[k - 1], b = C->te[k - 1];
    int r = ws_contains_lower(C->S->abbrev_ws, C->tk, C->td, a, b, 0);
    if (r == -2) r = py_contains_lower(C->S->abbrev, C->text, a, b, 0);
    if (r != 0) return r;
    return b - a == 1 && Py_UNICODE_ISUPPER(TCH(a));
}

/* -- the rules (token ranges [*a, *b); 0 when none, -1 on error) */

static int source_left(ACtx *C, Py_ssize_t i, Py_ssize_t *ra, Py_ssize_t *rb) {
    Py_ssize_t j = i - 1;
    while (j >= 0) {
        if (low_in(C, AS_SKIP_LEFT, j)) {
            j--;
            continue;
        }
        tok_prep(C, j);
        size_t bl = C->blen[j];
        const unsigned char *w = C->pool + C->boff[j];
        if (bl >= 2 && w[bl - 2] == 'l' && w[bl - 1] == 'y' && C->te[j] - C->ts[j] > 4 && word_islower(C, j)) {
            j--;
            continue;
        }
        break;
    }
    Py_ssize_t paren_end = -1;
    if (j > 0 && word_is(C, j, ')')) { /* "Rep. Gwen Moore (D-Wis.) said": the parenthesis is part of the source */
        Py_ssize_t lo = j - 8 > 0 ? j - 8 : 0;
        for (Py_ssize_t k = j - 1; k > lo; k--) {
            if (word_is(C, k, '(')) {
                paren_end = j + 1;
                j = k - 1;
                break;
            }
            if (is_quote_tok(C, k) || word_is(C, k, ',') || word_is(C, k, ';') || word_is(C, k, ':') || word_is(C, k, ')'))
                break;
        }
    }
    if (paren_end < 0 && j > 0 && word_is(C, j, ',')) {
        /* "Officials, speaking on condition of anonymity, said": the noun phrase before a stretch between
         * two commas (at most 12 tokens, no other punctuation); an apposition ("Smith, the commander,
         * said") is part of the source */
        Py_ssize_t k = j - 1;
        while (k > 0 && j - k <= 12 && !is_quote_tok(C, k) && !word_in(C, k, A_STOP_PUNCT, NL(A_STOP_PUNCT)) &&
               !word_is(C, k, '.'))
            k--;
        if (k > 0 && k < j - 1 && word_is(C, k, ',')) {
            if (low_in(C, AS_DETERMINERS, k + 1)) {
                Py_ssize_t a2, b2;
                int r = source_left(C, k, &a2, &b2);
                if (r <= 0) return r;
                *ra = a2;
                *rb = j;
                return 1;
            }
            j = k - 1;
        }
    }
    Py_ssize_t end = paren_end < 0 ? j + 1 : paren_end, k = j;
    while (k >= 0 && end - k <= 12) { /* _MAX_SOURCE_TOKENS */
        if (is_quote_tok(C, k) || word_in(C, k, A_STOP_PUNCT, NL(A_STOP_PUNCT)) || low_in(C, AS_NP_STOP, k) ||
            low_in(C, AS_AUX, k))
            break;
        if (word_is(C, k, '.')) {
            int r = abbrev_dot(C, k);
            if (r < 0) return -1;
            if (!r) break;
        }
        k--;
    }
    Py_ssize_t start = k + 1;
    while (start < end && (low_is(C, start, "and") || low_is(C, start, "but") || low_is(C, start, "or") ||
                           low_is(C, start, "then") || low_is(C, start, "so")))
        start++;
    if (start < end) {
        *ra = start;
        *rb = end;
        return 1;
    }
    return 0;
}

static int source_right(ACtx *C, Py_ssize_t i, Py_ssize_t stop_at, Py_ssize_t *ra, Py_ssize_t *rb) {
    Py_ssize_t a = i + 1;
    if (low_is(C, i, "according") && a < stop_at && low_is(C, a, "to")) a++;
    Py_ssize_t b = a;
    while (b < stop_at && b - a < 12) {
        if (is_quote_tok(C, b) || word_in(C, b, A_STOP_PUNCT, NL(A_STOP_PUNCT)) || low_in(C, AS_NP_STOP, b)) break;
        if (word_is(C, b, '.')) {
            int r = abbrev_dot(C, b);
            if (r < 0) return -1;
            if (!r) break;
        }
        b++;
    }
    if (a < b) {
        *ra = a;
        *rb = b;
        return 1;
    }
    return 0;
}

static Py_ssize_t after_addressee(ACtx *C, Py_ssize_t a, Py_ssize_t n) {
    Py_ssize_t lim = n < a + 8 ? n : a + 8;
    for (Py_ssize_t k = a; k < lim; k++) {
        if (low_is(C, k, "that")) return k + 1;
        if (is_quote_tok(C, k) || word_in(C, k, A_CLAUSE, NL(A_CLAUSE))) return k;
    }
    if (a < n && low_in(C, AS_OBJECT_PRONOUNS, a)) return a + 1;
    Py_ssize_t k = a;
    if (k < n && (low_is(C, k, "the") || low_is(C, k, "a") || low_is(C, k, "an"))) k++;
    while (k < n && first_upper(C, k)) k++;
    return k;
}

static int trim(ACtx *C, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *ra, Py_ssize_t *rb) {
    while (a < b && (is_quote_tok(C, a) || word_in(C, a, A_TRIM_LEAD, NL(A_TRIM_LEAD)) || low_is(C, a, "that"))) a++;
    while (b > a && (is_quote_tok(C, b - 1) || word_in(C, b - 1, A_TRIM_TAIL, NL(A_TRIM_TAIL)))) b--;
    if (a < b) {
        *ra = a;
        *rb = b;
        return 1;
    }
    return 0;
}

/* _rules: source and content of the cue [i, j) headed by `head`; src[0..1], con[0..1] (-1 when none) */
/* _apposition_after: the end of an inverted source that stops at b, extended over a parenthesis of at
 * most 6 tokens ("Rep. Gwen Moore (D-Wis.)") or an apposition after a comma that starts with a determiner
 * ("said Charlie King, a prominent New York Democrat"), up to the next punctuation; -1 on error */
static Py_ssize_t apposition_after(ACtx *C, Py_ssize_t b, Py_ssize_t stop_at) {
    if (b + 1 < stop_at && word_is(C, b, '(')) {
        Py_ssize_t lim = b + 8 < stop_at ? b + 8 : stop_at;
        for (Py_ssize_t k = b + 1; k < lim; k++) {
            if (word_is(C, k, ')')) return k + 1;
            if (is_quote_tok(C, k) || word_is(C, k, ',') || word_is(C, k, ';') || word_is(C, k, ':') || word_is(C, k, '('))
                break;
        }
        return b;
    }
    if (b + 1 < stop_at && word_is(C, b, ',') && low_in(C, AS_DETERMINERS, b + 1)) {
        Py_ssize_t k = b + 1;
        while (k < stop_at && k - b <= 12) { /* _MAX_SOURCE_TOKENS */
            if (is_quote_tok(C, k) || word_in(C, k, A_STOP_PUNCT, NL(A_STOP_PUNCT))) break;
            if (word_is(C, k, '.')) {
                int r = abbrev_dot(C, k);
                if (r < 0) return -1;
                if (!r) break;
            }
            k++;
        }
        return k;
    }
    return b;
}

#define A_MAX_ADJUNCT_TOKENS 4 /* _MAX_ADJUNCT_TOKENS in attribution.py */

/* _adjunct_only: the content [con[0], con[1]) after the cue is a phrase of at most A_MAX_ADJUNCT_TOKENS
 * tokens opened by a word of AS_ADJUNCT that closes the sentence or the clause before the next cue (end),
 * and the words before the source (stop) end with a comma or a quotation mark */
static int adjunct_only(ACtx *C, const Py_ssize_t *con, Py_ssize_t end, Py_ssize_t stop) {
    Py_ssize_t a = con[0], b = con[1];
    return b - a <= A_MAX_ADJUNCT_TOKENS && b >= end - 1 && low_in(C, AS_ADJUNCT, a) && stop >= 2 &&
           (word_is(C, stop - 1, ',') || is_quote_tok(C, stop - 1));
}

/* _after_adjunct: after "that" when a phrase of AS_ADJUNCT stands between the cue and it ("said in a
 * statement that"), within A_MAX_ADJUNCT_TOKENS + 4 tokens and before any punctuation or quote */
static Py_ssize_t after_adjunct(ACtx *C, Py_ssize_t a, Py_ssize_t end) {
    if (a < end && low_in(C, AS_ADJUNCT, a)) {
        Py_ssize_t lim = a + A_MAX_ADJUNCT_TOKENS + 4 < end ? a + A_MAX_ADJUNCT_TOKENS + 4 : end;
        for (Py_ssize_t k = a + 1; k < lim; k++) {
            if (low_is(C, k, "that")) return k + 1;
            if (is_quote_tok(C, k) || word_in(C, k, A_STOP_PUNCT, NL(A_STOP_PUNCT)) || word_is(C, k, '.')) break;
        }
    }
    return a;
}

static int rules(ACtx *C, Py_ssize_t i, Py_ssize_t j, Py_ssize_t head, Py_ssize_t nxt, Py_ssize_t *src, Py_ssize_t *con) {
    Py_ssize_t n = C->n;
    int hs, hc;
    src[0] = src[1] = con[0] = con[1] = -1;
    if (low_in(C, AS_FORWARD, head)) {
        hs = source_right(C, j - 1, n, &src[0], &src[1]);
        if (hs < 0) return -1;
        Py_ssize_t after = hs ? src[1] : j;
        if (i <= 1 || word_in(C, i - 1, A_OPEN_Q, NL(A_OPEN_Q))) hc = trim(C, after, n, &con[0], &con[1]);
        else hc = trim(C, 0, i, &con[0], &con[1]);
        if (!hs) src[0] = src[1] = -1;
        if (!hc) con[0] = con[1] = -1;
        return 0;
    }
    int inverted = 0;
    if (i > 0 && (word_is(C, i - 1, ',') || is_quote_tok(C, i - 1)) && j < n) {
        int sh = shape_index(C, j);
        inverted = sh == 5 || sh == 6 || low_in(C, AS_DETERMINERS, j) || low_is(C, j, "he") ||
                   low_is(C, j, "she") || low_is(C, j, "they") || low_is(C, j, "it") || low_is(C, j, "we") ||
                   low_is(C, j, "i");
    }
    if (inverted) {
        hs = source_right(C, j - 1, nxt, &src[0], &src[1]);
        if (hs < 0) return -1;
        /* what follows the cue holds an auxiliary: a clause (the content), not the source */
        int clause = 0;
        for (Py_ssize_t k = src[0]; hs && k < src[1]; k++)
            if (low_in(C, AS_AUX, k)) {
                clause = 1;
                break;
            }
        if (!clause) {
            if (!hs) src[0] = src[1] = -1;
            else {
                Py_ssize_t e = apposition_after(C, src[1], nxt);
                if (e < 0) return -1;
                src[1] = e;
            }
            if (!trim(C, 0, i, &con[0], &con[1])) con[0] = con[1] = -1;
            return 0;
        }
        src[0] = src[1] = -1;
    }
    hs = source_left(C, i, &src[0], &src[1]);
    if (hs < 0) return -1;
    if (!hs) src[0] = src[1] = -1;
    Py_ssize_t a = j;
    if (low_in(C, AS_ADDRESSEE, head)) a = after_addressee(C, a, nxt);
    a = after_adjunct(C, a, nxt);
    hc = trim(C, a, nxt, &con[0], &con[1]);
    Py_ssize_t stop = hs ? src[0] : i;
    if (!hc || (con[1] - con[0] <= 1 && con[0] >= n - 2) || adjunct_only(C, con, nxt, stop)) {
        if (!trim(C, 0, stop, &con[0], &con[1])) con[0] = con[1] = -1;
    }
    return 0;
}

/* -- the cue model */

/* the id of token k (or the sentence marks beyond the sentence) as a neighbouring word, -1: none */
static MFA_INLINE int32_t neighbour_id(ACtx *C, Py_ssize_t k) {
    if (k < 0) return C->M->ctx_s;
    if (k >= C->n) return C->M->ctx_es;
    /* bh[k] is at_hash of the token's UTF-8 (the tokenizer computes it as at_hash does) */
    if (!C->cid[k]) tok_prep(C, k), C->cid[k] = ctx_id_h((CueModel *)C->M, C->pool + C->boff[k], C->blen[k], C->bh[k], 0) + 2;
    return C->cid[k] - 2;
}

/* bias + sum(weights of cue_features(...)), summed as the running Python's built-in sum() adds floats
 * (left to right before 3.12; Neumaier's compensated sum from 3.12). The 19 weights are those of the
 * feature names of cue_features, read from the tables cue_tables made (the same numbers, 0.0 for a
 * name the model does not have). */
static int cue_score(ACtx *C, Py_ssize_t i, size_t vid, int in_quote, int has_quote, double *out) {
    const CueModel *M = C->M;
    Py_ssize_t n = C->n;
    const double *v = M->vw + vid * VW_N, *g = M->gw;
    int32_t p1 = neighbour_id(C, i - 1), p2 = neighbour_id(C, i - 2), n1 = neighbour_id(C, i + 1),
            n2 = neighbour_id(C, i + 2);
    int sp1 = i ? shape_index(C, i - 1) : 0, sn1 = i + 1 < n ? shape_index(C, i + 1) : 1;
    int pos = i == 0 ? 0 : (i >= n - 2 ? 1 : 2);
    int inq = in_quote ? 1 : 0, hasq = has_quote ? 1 : 0, cap = first_upper(C, i) ? 1 : 0;
    double x[19];
    x[0] = v[VW_W];
    x[1] = p1 >= 0 ? M->cw[4 * (size_t)p1 + 0] : 0.0;
    x[2] = n1 >= 0 ? M->cw[4 * (size_t)n1 + 1] : 0.0;
    x[3] = p2 >= 0 ? M->cw[4 * (size_t)p2 + 2] : 0.0;
    x[4] = n2 >= 0 ? M->cw[4 * (size_t)n2 + 3] : 0.0;
    x[5] = pair_get(M, vid, p1, 0);
    x[6] = pair_get(M, vid, n1, 1);
    x[7] = pair_get(M, vid, n2, 2);
    x[8] = g[GW_SP1 + sp1];
    x[9] = g[GW_SN1 + sn1];
    x[10] = v[VW_SP1 + sp1];
    x[11] = v[VW_SN1 + sn1];
    x[12] = g[GW_POS + pos];
    x[13] = v[VW_POS + pos];
    x[14] = g[GW_INQ + inq];
    x[15] = v[VW_INQ + inq];
    x[16] = g[GW_HASQ + hasq];
    x[17] = v[VW_HASQ + hasq];
    x[18] = g[GW_CAP + cap];
    double f = 0.0 + x[0];
#if PY_VERSION_HEX >= 0x030C0000
    double c = 0.0;
    for (int m = 1; m < 19; m++) {
        double t = f + x[m];
        if (fabs(f) >= fabs(x[m])) c += (f - t) + x[m];
        else c += (x[m] - t) + f;
        f = t;
    }
    if (c != 0.0 && isfinite(c)) f += c;
#else
    for (int m = 1; m < 19; m++) f += x[m];
#endif
    *out = M->bias + f;
    return 0;
}

/* -- lower case */

/* learn the lower case of code point c (below 0x10000) from str.lower(); -1 on error */
static int learn_lower(CueModel *M, Py_UCS4 c) {
    PyObject *ch = PyUnicode_FromOrdinal((int)c);
    if (!ch) return -1;
    PyObject *low = PyObject_CallMethod(ch, "lower", NULL);
    Py_DECREF(ch);
    if (!low) return -1;
    Py_UCS4 l = c;
    if (PyUnicode_GET_LENGTH(low) == 1) l = PyUnicode_READ_CHAR(low, 0);
    Py_DECREF(low);
    if (l > 0xFFFF) {
        M->low_known[c] = 2;
    } else {
        M->low_of[c] = (Py_UCS2)l;
        M->low_known[c] = 1;
    }
    return 0;
}

/* the lower case of the ASCII characters held in the lanes of x (bytes: ones = 0x0101..., or 16-bit
 * lanes: ones = 0x0001...; every lane below 0x80): 0x20 added to the lanes from 'A' to 'Z' (lane + 0x3F
 * reaches 0x80 from 'A' on, lane + 0x25 from '[' on; no lane carries into the next) */
static MFA_INLINE uint64_t ascii_lower_word(uint64_t x, uint64_t ones) {
    uint64_t from_a = x + 0x3F * ones, after_z = x + 0x25 * ones;
    return x | (((from_a & ~after_z) & (0x80 * ones)) >> 2);
}

/* the lower case of text (attribution.py's _lower) into *buf as UCS1 or UCS2 of the text's kind; 1 when
 * made, 0 when it must come from _lower (a four-byte text, a capital sigma, whose lower case depends on
 * its place in a word, or a character whose lower case is above 0xFFFF), -1 on error */
static int lower_text(CueModel *M, PyObject *text, void **buf, size_t *cap) {
    int kind = PyUnicode_KIND(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *d = PyUnicode_DATA(text);
    if (kind == PyUnicode_4BYTE_KIND) return 0;
    if (!M->low_of) {
        M->low_of = PyMem_Malloc(0x10000 * sizeof(Py_UCS2));
        M->low_known = PyMem_Calloc(0x10000, 1);
        if (!M->low_of || !M->low_known) {
            PyErr_NoMemory();
            return -1;
        }
    }
    if (grow(buf, cap, (size_t)n + 1, sizeof(Py_UCS2))) return -1; /* *cap counts two-byte units for both kinds */
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *t = d;
        Py_UCS1 *o = *buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i + 8 <= n) { /* eight ASCII characters at a time */
                uint64_t x;
                memcpy(&x, t + i, 8);
                if (!(x & 0x8080808080808080ull)) {
                    x = ascii_lower_word(x, 0x0101010101010101ull);
                    memcpy(o + i, &x, 8);
                    i += 7;
                    continue;
                }
            }
            Py_UCS1 c = t[i];
            if (c < 0x80) {
                o[i] = (Py_UCS1)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                continue;
            }
            if (!M->low_known[c] && learn_lower(M, c)) return -1;
            if (M->low_known[c] != 1 || M->low_of[c] > 0xFF) return 0;
            o[i] = (Py_UCS1)M->low_of[c];
        }
        return 1;
    }
    const Py_UCS2 *t = d;
    Py_UCS2 *o = *buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* four ASCII characters at a time in a 64-bit word, else one by one */
        if (i + 4 <= n) {
            uint64_t x;
            memcpy(&x, t + i, 8);
            if (!(x & 0xFF80FF80FF80FF80ull)) {
                x = ascii_lower_word(x, 0x0001000100010001ull);
                memcpy(o + i, &x, 8);
                i += 3;
                continue;
            }
        }
        Py_UCS2 c = t[i];
        if (c < 0x80) {
            o[i] = (Py_UCS2)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        if (c == 0x03A3) return 0; /* final sigma: str.lower() looks at the neighbours */
        if (!M->low_known[c] && learn_lower(M, c)) return -1;
        if (M->low_known[c] != 1) return 0;
        o[i] = M->low_of[c];
    }
    return 1;
}

/* -- one document */

/* a growable byte buffer, and the UTF-8 of strings appended to it with their int64 end offsets: the
 * buffers of an Arrow large_string array */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    int64_t *off; /* off[0] = 0, off[k + 1] = end of string k */
    size_t n_off, off_cap;
    PyObject *p_obj, *off_obj; /* the bytes objects that hold p and off (grow_bytes) */
} AStrings;

/* grow() into a bytes object: *obj is made, or resized in place (realloc: a large block is moved by the
 * kernel's page tables, not copied), to hold `need` items of `item` bytes, and *buf points at its data.
 * The object is handed to Python as it is at the end (bytes_finish): the buffers of a call's result are
 * not copied into new bytes (at 1e7 tokens they are 90 MB, and copying them cost as many page faults). */
static int grow_bytes(PyObject **obj, void **buf, size_t *cap, size_t need, size_t item) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    if (n > (size_t)PY_SSIZE_T_MAX / item) {
        PyErr_NoMemory();
        return -1;
    }
    if (!*obj) *obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * item));
    else if (_PyBytes_Resize(obj, (Py_ssize_t)(n * item))) *obj = NULL; /* (it freed the object) */
    if (!*obj) {
        *buf = NULL;
        *cap = 0;
        return -1;
    }
    *buf = PyBytes_AS_STRING(*obj);
    *cap = n;
    return 0;
}

/* the bytes object of grow_bytes cut to its first len bytes (an empty one when none was made); *obj is
 * handed over (set to NULL) */
static PyObject *bytes_finish(PyObject **obj, size_t len) {
    PyObject *r = *obj;
    *obj = NULL;
    if (!r) return PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (_PyBytes_Resize(&r, (Py_ssize_t)len)) return NULL;
    return r;
}

static void astr_free(AStrings *s) {
    Py_XDECREF(s->p_obj);
    Py_XDECREF(s->off_obj);
    s->p_obj = s->off_obj = NULL;
}

/* append text[a:b] (nothing when a < 0) as UTF-8, lone surrogates as three bytes ("surrogatepass"),
 * counting them in *surrogates */
static int astr_add(AStrings *s, int kind, const void *data, Py_ssize_t a, Py_ssize_t b, int *surrogates) {
    if (grow_bytes(&s->off_obj, (void **)&s->off, &s->off_cap, s->n_off + 2, sizeof(int64_t))) return -1;
    if (s->n_off == 0) s->off[s->n_off++] = 0;
    if (a >= 0 && b > a) {
        size_t most = (size_t)(b - a) * (kind == PyUnicode_1BYTE_KIND ? 2 : (kind == PyUnicode_2BYTE_KIND ? 3 : 4));
        if (grow_bytes(&s->p_obj, (void **)&s->p, &s->cap, s->n + most + 1, 1)) return -1;
        unsigned char *o = s->p + s->n;
        if (kind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *d = (const Py_UCS1 *)data;
            for (Py_ssize_t i = a; i < b; i++) {
                if (i + 8 <= b) { /* eight ASCII characters at a time */
                    uint64_t x;
                    memcpy(&x, d + i, 8);
                    if (!(x & 0x8080808080808080ull)) {
                        memcpy(o, &x, 8);
                        o += 8;
                        i += 7;
                        continue;
                    }
                }
                Py_UCS1 c = d[i];
                if (c < 0x80) *o++ = c;
                else {
                    *o++ = (unsigned char)(0xC0 | (c >> 6));
                    *o++ = (unsigned char)(0x80 | (c & 0x3F));
                }
            }
        } else if (kind == PyUnicode_2BYTE_KIND) {
            const Py_UCS2 *d = (const Py_UCS2 *)data;
#if MFA_SSE2
            const __m128i high = _mm_set1_epi16((short)0xFF80), zero = _mm_setzero_si128();
#endif
            for (Py_ssize_t i = a; i < b; i++) {
#if MFA_SSE2
                /* sixteen ASCII characters at a time (a content span is most of a sentence) */
                if (i + 16 <= b) {
                    __m128i v0 = _mm_loadu_si128((const __m128i *)(d + i));
                    __m128i v1 = _mm_loadu_si128((const __m128i *)(d + i + 8));
                    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(_mm_or_si128(v0, v1), high), zero)) ==
                        0xFFFF) {
                        _mm_storeu_si128((__m128i *)o, _mm_packus_epi16(v0, v1));
                        o += 16;
                        i += 15;
                        continue;
                    }
                }
#endif
                if (i + 4 <= b) {
                    /* four ASCII characters at a time: their low bytes, in order for either byte order
                     * (the lanes are read and written as one integer) */
                    uint64_t x;
                    memcpy(&x, d + i, 8);
                    if (!(x & 0xFF80FF80FF80FF80ull)) {
                        uint32_t y = (uint32_t)((x & 0xFF) | ((x >> 8) & 0xFF00) | ((x >> 16) & 0xFF0000) |
                                                ((x >> 24) & 0xFF000000));
                        memcpy(o, &y, 4);
                        o += 4;
                        i += 3;
                        continue;
                    }
                }
                Py_UCS2 c = d[i];
                if (c < 0x80) {
                    *o++ = (unsigned char)c;
                    continue;
                }
                if (c >= 0xD800 && c <= 0xDFFF) (*surrogates)++;
                o += utf8_put(o, c);
            }
        } else {
            for (Py_ssize_t i = a; i < b; i++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                if (c >= 0xD800 && c <= 0xDFFF) (*surrogates)++;
                o += utf8_put(o, c);
            }
        }
        s->n = (size_t)(o - s->p);
    }
    s->off[s->n_off++] = (int64_t)s->n;
    return 0;
}

/* the buffers of s as (data, offsets) bytes, handed over (s holds neither afterwards) */
static PyObject *astr_pack(AStrings *s) {
    if (!s->n_off && grow_bytes(&s->off_obj, (void **)&s->off, &s->off_cap, 1, sizeof(int64_t))) return NULL;
    if (!s->n_off) s->off[s->n_off++] = 0;
    PyObject *d = bytes_finish(&s->p_obj, s->n);
    PyObject *o = bytes_finish(&s->off_obj, s->n_off * sizeof(int64_t));
    PyObject *r = d && o ? PyTuple_Pack(2, d, o) : NULL;
    Py_XDECREF(d);
    Py_XDECREF(o);
    return r;
}

typedef struct {
    /* per record: doc, attribution, sentence, paragraph, cue start/end, source start/end, content start/end */
    int64_t *ints;
    size_t n_ints, ints_cap;
    double *scores;
    size_t n_scores, scores_cap;
    AStrings cue, source, content;
    /* per record: code of the source type (0: no source), record of the resolved source (-1: none) and
     * the code of its type */
    int32_t *stype, *ref, *rtype;
    size_t stype_cap, ref_cap, rtype_cap;
    /* the bytes objects that hold ints, scores, stype, ref and rtype (grow_bytes) */
    PyObject *ints_obj, *scores_obj, *stype_obj, *ref_obj, *rtype_obj;
    int surrogates;
    /* source_type of each distinct source, called once per source: UTF-8 of the source -> code in types */
    ATab seen;
    PyObject *types; /* list: "" then each distinct str source_type returned */
    unsigned char *is_pronoun;
    size_t is_pronoun_cap;
    const CueModel *M; /* for st_ascii */
} AOut;

#define A_INTS 10

/* the code of the source type of source text[a:b] (UTF-8 at O->source's last string), calling
 * source_type the first time a source is seen; -1 on error */
static int source_code(AOut *O, PyObject *text, Py_ssize_t a, Py_ssize_t b, PyObject *source_type) {
    const unsigned char *key = O->source.p + O->source.off[O->source.n_off - 2];
    size_t len = (size_t)(O->source.off[O->source.n_off - 1] - O->source.off[O->source.n_off - 2]);
    uint64_t h = at_hash(key, len);
    double code;
    if (at_get(&O->seen, key, len, h, &code)) return (int)code;
    PyObject *st;
    int t = O->M->st_ready ? st_ascii(O->M, key, len) : -2;
    if (t == -1) return -1;
    if (t >= 0) {
        st = PyTuple_GET_ITEM(O->M->st_names, t);
        Py_INCREF(st);
    } else {
        PyObject *src = PyUnicode_Substring(text, a, b);
        if (!src) return -1;
        st = PyObject_CallOneArg(source_type, src);
        Py_DECREF(src);
        if (!st) return -1;
    }
    if (!PyUnicode_Check(st)) {
        Py_DECREF(st);
        PyErr_SetString(PyExc_TypeError, "source_type must return a str");
        return -1;
    }
    Py_ssize_t nt = PyList_GET_SIZE(O->types), k;
    for (k = 0; k < nt; k++) {
        int eq = PyUnicode_Compare(PyList_GET_ITEM(O->types, k), st);
        if (eq == -1 && PyErr_Occurred()) {
            Py_DECREF(st);
            return -1;
        }
        if (eq == 0) break;
    }
    if (k == nt) {
        if (grow((void **)&O->is_pronoun, &O->is_pronoun_cap, (size_t)nt + 1, 1) || PyList_Append(O->types, st)) {
            Py_DECREF(st);
            return -1;
        }
        O->is_pronoun[k] = PyUnicode_CompareWithASCIIString(st, "pronoun") == 0;
    }
    Py_DECREF(st);
    /* the key's bytes may move when O->source grows: at_put copies them into the table's pool */
    if (at_put_grow(&O->seen, key, len, (double)k)) return -1;
    return (int)k;
}

/* single_quotes_quote(text): more U+2018 than U+201C (none in one-byte text) */
#define COUNT_QUOTES(T)                                                                                    \
    do {                                                                                                   \
        const T *d = (const T *)PyUnicode_DATA(text);                                                      \
        for (Py_ssize_t m = 0; m < len; m++) {                                                             \
            n1 += d[m] == 0x2018;                                                                          \
            n2 += d[m] == 0x201C;                                                                          \
        }                                                                                                  \
    } while (0)

static int single_quotes_quote(PyObject *text) {
    int kind = PyUnicode_KIND(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), n1 = 0, n2 = 0;
    if (kind == PyUnicode_1BYTE_KIND) return 0;
    if (kind == PyUnicode_2BYTE_KIND) COUNT_QUOTES(Py_UCS2);
    else COUNT_QUOTES(Py_UCS4);
    return n1 > n2;
}

static const Py_UCS4 A_BEFORE_CLOSE[] = {',', '.', '?', '!', ';', ':'}; /* _BEFORE_CLOSE */

/* _doubled: in a text whose single marks quote, a token U+2018 is read as U+201C and a token U+2019 as
 * U+201D after an U+2018 not yet closed or right after one of , . ? ! ; : (its character, its UTF-8 for
 * the rules' and the features' lookups, and the sentence's quote flag); the UTF-8 has the length of the
 * mark's own, so it is written where the token's was made, else at the end of the pool */
static void doubled(ACtx *C) {
    int opened = 0;
    for (Py_ssize_t k = 0; k < C->n; k++) {
        Py_UCS4 c = C->pc[k], to;
        if (c == 0x2018) {
            to = 0x201C;
            opened = 1;
        } else if (c == 0x2019 && (opened || (k && word_in(C, k - 1, A_BEFORE_CLOSE, NL(A_BEFORE_CLOSE))))) {
            to = 0x201D;
            opened = 0;
        } else {
            continue;
        }
        size_t off = C->prep[k] ? C->boff[k] : C->pool_len;
        unsigned char *o = C->pool + off;
        o[0] = 0xE2;
        o[1] = 0x80;
        o[2] = (unsigned char)(0x80 | (to & 0x3F));
        if (!C->prep[k]) C->pool_len = off + 3;
        C->pc[k] = to;
        C->boff[k] = off;
        C->blen[k] = 3;
        C->bh[k] = at_hash(o, 3);
        C->prep[k] = 1;
        C->has_q = 1;
    }
}

static int doc_attributions(ACtx *C, Py_ssize_t doc, double cut, PyObject *source_type, AOut *O) {
    PyObject *text = C->text;
    Py_ssize_t *paras = NULL, *sents = NULL, *last_ref = NULL;
    size_t np = 0, ns = 0, scap = 0;
    Py_ssize_t si = 0, first_rec = (Py_ssize_t)(O->n_ints / A_INTS);
    int rc = -1;
    C->single_q = single_quotes_quote(text);
    if (paragraphs(text, &paras, &np)) goto done;
    /* _resolve: the record holding the last non-pronoun source of each paragraph (-1: none yet) */
    last_ref = PyMem_Malloc((np / 2 + 1) * sizeof(Py_ssize_t));
    if (!last_ref) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t p = 0; p < np / 2 + 1; p++) last_ref[p] = -1;
    for (size_t p = 0; p < np; p += 2) {
        Py_ssize_t para = (Py_ssize_t)(p / 2);
        ns = 0;
        if (sentences_in(C->S, text, paras[p], paras[p + 1], &sents, &scap, &ns)) goto done;
        for (size_t q = 0; q < ns; q += 2, si++) {
            Py_ssize_t sa = sents[q], sb = sents[q + 1];
            if (tokenize_sentence(C, sa, sb)) goto done;
            /* a sentence of more than A_MAX_TOKENS tokens (no sentence ends: a transcript, a list, scraped
             * text) is read in pieces of at most that many, each cut after the last , ; : of its second
             * half, else at the limit (_sentence_pieces in attribution.py): a content span then holds at
             * most A_MAX_TOKENS tokens, so the records' strings grow with the text, not its square */
            size_t n_pieces = 1;
            if (C->n > A_MAX_TOKENS) {
                if (grow((void **)&C->cuts, &C->cuts_cap, (size_t)(C->n / (A_MAX_TOKENS / 2)) + 3, sizeof(Py_ssize_t)))
                    goto done;
                Py_ssize_t s0 = 0, nt = C->n;
                size_t m = 0;
                C->cuts[m++] = sa;
                while (nt - s0 > A_MAX_TOKENS) {
                    Py_ssize_t c = s0 + A_MAX_TOKENS;
                    for (Py_ssize_t k = s0 + A_MAX_TOKENS; k > s0 + A_MAX_TOKENS / 2; k--)
                        if (word_in(C, k - 1, A_CLAUSE, NL(A_CLAUSE))) {
                            c = k;
                            break;
                        }
                    C->cuts[m++] = C->ts[c];
                    s0 = c;
                }
                C->cuts[m++] = sb;
                n_pieces = m - 1;
            }
            for (size_t piece = 0; piece < n_pieces; piece++) {
            if (n_pieces > 1 && tokenize_sentence(C, C->cuts[piece], C->cuts[piece + 1])) goto done;
            Py_ssize_t n = C->n;
            if (!C->n_cand) continue;
            if (C->single_q) doubled(C);
            /* quote_mask and has_q (from the tokenizer: without a quote token every mark is 0) */
            if (grow((void **)&C->qm, &C->qm_cap, (size_t)n + 1, 1)) goto done;
            int inside = 0, has_q = C->has_q;
            if (!has_q) memset(C->qm, 0, (size_t)n);
            for (Py_ssize_t k = 0; has_q && k < n; k++) {
                if (word_in(C, k, A_OPEN_Q, NL(A_OPEN_Q))) {
                    inside = 1;
                    C->qm[k] = 1;
                } else if (word_in(C, k, A_CLOSE_Q, NL(A_CLOSE_Q))) {
                    C->qm[k] = 1;
                    inside = 0;
                } else if (word_is(C, k, '"')) {
                    inside = !inside;
                    C->qm[k] = 1;
                } else {
                    C->qm[k] = (unsigned char)inside;
                }
            }
            C->kept_n = 0;
            for (Py_ssize_t c = 0; c < C->n_cand; c++) {
                Py_ssize_t k = C->cand[c];
                double s;
                if (cue_score(C, k, (size_t)C->cand_vid[c], C->qm[k], has_q, &s)) goto done;
                if (s >= cut) {
                    if (grow((void **)&C->kept_i, &C->kept_i_cap, C->kept_n + 1, sizeof(Py_ssize_t)) ||
                        grow((void **)&C->kept_s, &C->kept_s_cap, C->kept_n + 1, sizeof(double)))
                        goto done;
                    C->kept_i[C->kept_n] = k;
                    C->kept_s[C->kept_n] = s;
                    C->kept_n++;
                }
            }
            if (!C->kept_n) continue;
            /* title case (more than 0.6 of the tokens capitalised) is only asked about a capitalised head:
             * counted the first time that happens in the sentence (-1: not yet) */
            int title_case = -1;
            /* runs of adjacent kept tokens -> cues */
            C->cue_n = 0;
            size_t r0 = 0;
            while (r0 < C->kept_n) {
                size_t r1 = r0 + 1;
                while (r1 < C->kept_n && C->kept_i[r1] == C->kept_i[r1 - 1] + 1) r1++;
                size_t best = r0;
                for (size_t m = r0 + 1; m < r1; m++)
                    if (C->kept_s[m] > C->kept_s[best]) best = m;
                Py_ssize_t head = C->kept_i[best];
                double s = C->kept_s[best];
                r0 = r1;
                if (head && first_upper(C, head)) {
                    if (title_case < 0) {
                        Py_ssize_t upper = 0;
                        for (Py_ssize_t k = 0; k < n; k++) upper += first_upper(C, k);
                        title_case = (double)upper > 0.6 * (double)n;
                    }
                    if (!title_case && !word_in(C, head - 1, A_OPEN_Q, NL(A_OPEN_Q))) continue;
                }
                Py_ssize_t i = head, j = head + 1;
                while (i > 0 && low_in(C, AS_VERB_GROUP, i - 1)) i--;
                if (j < n) {
                    tok_prep(C, head);
                    tok_prep(C, j);
                    size_t la = C->blen[head], lb = C->blen[j];
                    if (grow((void **)&C->key, &C->key_cap, la + lb + 2, 1)) goto done;
                    memcpy(C->key, C->pool + C->boff[head], la);
                    C->key[la] = ' ';
                    memcpy(C->key + la + 1, C->pool + C->boff[j], lb);
                    if (at_get(&C->M->sets[AS_PARTICLES], C->key, la + lb + 1, at_hash(C->key, la + lb + 1), NULL)) j++;
                }
                if (grow((void **)&C->cue4, &C->cue4_cap, 4 * (C->cue_n + 1), sizeof(Py_ssize_t)) ||
                    grow((void **)&C->cue_s, &C->cue_s_cap, C->cue_n + 1, sizeof(double)))
                    goto done;
                Py_ssize_t *cq = C->cue4 + 4 * C->cue_n;
                cq[0] = i;
                cq[1] = j;
                cq[2] = head;
                C->cue_s[C->cue_n] = s;
                C->cue_n++;
            }
            Py_ssize_t prev_src[2] = {-1, -1}; /* the source of the sentence's record before */
            for (size_t k = 0; k < C->cue_n; k++) {
                Py_ssize_t i = C->cue4[4 * k], j = C->cue4[4 * k + 1], head = C->cue4[4 * k + 2];
                double s = C->cue_s[k];
                Py_ssize_t nxt = n;
                if (k + 1 < C->cue_n) {
                    Py_ssize_t ni = C->cue4[4 * (k + 1)], na, nb;
                    int h = source_left(C, ni, &na, &nb);
                    if (h < 0) goto done;
                    Py_ssize_t at = h ? na : ni;
                    if (at > j && (word_in(C, at - 1, A_CLAUSE, NL(A_CLAUSE)) || low_is(C, at - 1, "and") ||
                                   low_is(C, at - 1, "but") || low_is(C, at - 1, "while")))
                        nxt = at - 1;
                }
                Py_ssize_t src[2], con[2];
                if (rules(C, i, j, head, nxt, src, con)) goto done;
                /* its source runs over the cue before it ("The ministry said in a statement"): no record */
                if (k && src[0] >= 0 && src[0] < C->cue4[4 * (k - 1) + 1] && src[1] > C->cue4[4 * (k - 1)] && src[1] <= i)
                    continue;
                if (src[0] >= 0 && low_in(C, AS_NOT_SOURCE, src[1] - 1)) src[0] = src[1] = -1; /* "the", "to", "by" */
                /* "Trump called it a con and said ...": the verbs share the source */
                if (src[0] < 0 && i && (low_is(C, i - 1, "and") || low_is(C, i - 1, "but")) && prev_src[0] >= 0) {
                    src[0] = prev_src[0];
                    src[1] = prev_src[1];
                }
                if (src[0] >= 0) {
                    prev_src[0] = src[0];
                    prev_src[1] = src[1];
                }
                int64_t rec[A_INTS];
                Py_ssize_t rec_no = (Py_ssize_t)(O->n_ints / A_INTS);
                if (rec_no >= INT32_MAX) {
                    PyErr_SetString(PyExc_OverflowError, "attributions: more than 2**31 - 1 records in one call");
                    goto done;
                }
                rec[0] = doc;
                rec[1] = rec_no - first_rec;
                rec[2] = si;
                rec[3] = para;
                rec[4] = C->ts[i];
                rec[5] = C->te[j - 1];
                rec[6] = src[0] >= 0 ? C->ts[src[0]] : -1;
                rec[7] = src[0] >= 0 ? C->te[src[1] - 1] : -1;
                rec[8] = con[0] >= 0 ? C->ts[con[0]] : -1;
                rec[9] = con[0] >= 0 ? C->te[con[1] - 1] : -1;
                double e = exp(-s);
                if (isinf(e)) {
                    PyErr_SetString(PyExc_OverflowError, "math range error");
                    goto done;
                }
                if (grow_bytes(&O->ints_obj, (void **)&O->ints, &O->ints_cap, O->n_ints + A_INTS, sizeof(int64_t)) ||
                    grow_bytes(&O->scores_obj, (void **)&O->scores, &O->scores_cap, O->n_scores + 2, sizeof(double)) ||
                    grow_bytes(&O->stype_obj, (void **)&O->stype, &O->stype_cap, (size_t)rec_no + 1, sizeof(int32_t)) ||
                    grow_bytes(&O->ref_obj, (void **)&O->ref, &O->ref_cap, (size_t)rec_no + 1, sizeof(int32_t)) ||
                    grow_bytes(&O->rtype_obj, (void **)&O->rtype, &O->rtype_cap, (size_t)rec_no + 1, sizeof(int32_t)))
                    goto done;
                memcpy(O->ints + O->n_ints, rec, sizeof(rec));
                O->n_ints += A_INTS;
                double prob = 1 / (1 + e);
                /* round(prob, 4) as Python rounds (the correctly rounded 4-decimal string read back).
                 * Away from a tie the integer n nearest to prob * 10^4 is that of the product as
                 * computed (its error is below 1e-12 for 0 <= prob <= 1), and the double read from
                 * the string is the nearest to n / 10^4, which is what dividing gives; within 1e-6 of a
                 * tie, Python's way. */
                double y = prob * 10000.0, f = floor(y), rounded;
                if (y >= 0.0 && y <= 10000.0 && fabs((y - f) - 0.5) > 1e-6) {
                    rounded = ((y - f) < 0.5 ? f : f + 1.0) / 10000.0;
                } else {
                    char *dec = PyOS_double_to_string(prob, 'f', 4, 0, NULL);
                    if (!dec) goto done;
                    rounded = PyOS_string_to_double(dec, NULL, NULL);
                    PyMem_Free(dec);
                    if (rounded == -1.0 && PyErr_Occurred()) goto done;
                }
                O->scores[O->n_scores++] = prob;
                O->scores[O->n_scores++] = rounded;
                if (astr_add(&O->cue, C->tk, C->td, rec[4], rec[5], &O->surrogates) ||
                    astr_add(&O->content, C->tk, C->td, rec[8], rec[9], &O->surrogates) ||
                    astr_add(&O->source, C->tk, C->td, rec[6], rec[7], &O->surrogates))
                    goto done;
                /* the source's type, and the resolution of _resolve */
                int code = 0;
                if (rec[6] >= 0 && (code = source_code(O, text, rec[6], rec[7], source_type)) < 0) goto done;
                O->stype[rec_no] = code;
                if (code && O->is_pronoun[code]) {
                    Py_ssize_t ref = last_ref[para];
                    if (ref < 0 && para > 0) ref = last_ref[para - 1];
                    O->ref[rec_no] = (int32_t)ref;
                    O->rtype[rec_no] = ref >= 0 ? O->stype[ref] : 0;
                } else if (rec[6] >= 0) {
                    last_ref[para] = rec_no;
                    O->ref[rec_no] = (int32_t)rec_no;
                    O->rtype[rec_no] = code;
                } else {
                    O->ref[rec_no] = -1;
                    O->rtype[rec_no] = 0;
                }
            }
            } /* pieces */
        }
    }
    rc = 0;
done:
    PyMem_Free(paras);
    PyMem_Free(sents);
    PyMem_Free(last_ref);
    return rc;
}

/* the texts of a call: a tuple of str, or the chunks of an Arrow large_string array, each text made a
 * str only while it is worked on (a corpus's texts are not all Python objects at once: at 1e7 tokens
 * they were 100 MB of str, touched once) */
typedef struct {
    PyObject *tseq; /* the tuple, or NULL */
    Py_ssize_t n;   /* texts in all */
    Py_ssize_t n_chunks, cur, cur_base; /* the chunk of the last text asked for, and its first text */
    Py_ssize_t *len, *first; /* per chunk: its length and the slice offset of its arrays */
    Py_buffer *valid, *off, *data;
    unsigned char *has_valid;
} ATexts;

static void atexts_close(ATexts *X) {
    Py_XDECREF(X->tseq);
    for (Py_ssize_t c = 0; c < X->n_chunks; c++) {
        if (X->has_valid && X->has_valid[c]) PyBuffer_Release(&X->valid[c]);
        if (X->off && X->off[c].obj) PyBuffer_Release(&X->off[c]);
        if (X->data && X->data[c].obj) PyBuffer_Release(&X->data[c]);
    }
    PyMem_Free(X->len);
    PyMem_Free(X->first);
    PyMem_Free(X->valid);
    PyMem_Free(X->off);
    PyMem_Free(X->data);
    PyMem_Free(X->has_valid);
    memset(X, 0, sizeof(*X));
}

/* texts: a sequence of str, or ("arrow", [(length, offset, validity bitmap or None, int64 offsets,
 * UTF-8 data), ...]): the buffers of the chunks of a large_string array (lower-casing then must be done
 * here: lows the function) */
static int atexts_open(ATexts *X, PyObject *texts, int lower_here) {
    memset(X, 0, sizeof(*X));
    if (!(PyTuple_Check(texts) && PyTuple_GET_SIZE(texts) == 2 && PyUnicode_Check(PyTuple_GET_ITEM(texts, 0)) &&
          PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(texts, 0), "arrow") == 0)) {
        X->tseq = PySequence_Tuple(texts);
        if (!X->tseq) return -1;
        X->n = PyTuple_GET_SIZE(X->tseq);
        return 0;
    }
    if (!lower_here) {
        PyErr_SetString(PyExc_ValueError, "attributions: Arrow texts are lower-cased here (give lows as a function)");
        return -1;
    }
    PyObject *chunks = PySequence_Tuple(PyTuple_GET_ITEM(texts, 1));
    if (!chunks) return -1;
    Py_ssize_t nc = PyTuple_GET_SIZE(chunks);
    X->len = PyMem_Calloc((size_t)nc + 1, sizeof(Py_ssize_t));
    X->first = PyMem_Calloc((size_t)nc + 1, sizeof(Py_ssize_t));
    X->valid = PyMem_Calloc((size_t)nc + 1, sizeof(Py_buffer));
    X->off = PyMem_Calloc((size_t)nc + 1, sizeof(Py_buffer));
    X->data = PyMem_Calloc((size_t)nc + 1, sizeof(Py_buffer));
    X->has_valid = PyMem_Calloc((size_t)nc + 1, 1);
    if (!X->len || !X->first || !X->valid || !X->off || !X->data || !X->has_valid) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t c = 0; c < nc; c++) {
        PyObject *ch = PyTuple_GET_ITEM(chunks, c), *valid, *off, *data;
        Py_ssize_t len, first;
        if (!PyArg_ParseTuple(ch, "nnOOO", &len, &first, &valid, &off, &data)) goto fail;
        X->n_chunks = c + 1;
        if (len < 0 || first < 0) {
            PyErr_SetString(PyExc_ValueError, "attributions: a negative length or offset of an Arrow chunk");
            goto fail;
        }
        if (PyObject_GetBuffer(off, &X->off[c], PyBUF_SIMPLE) || PyObject_GetBuffer(data, &X->data[c], PyBUF_SIMPLE))
            goto fail;
        if (valid != Py_None) {
            if (PyObject_GetBuffer(valid, &X->valid[c], PyBUF_SIMPLE)) goto fail;
            X->has_valid[c] = 1;
            if (X->valid[c].len < (first + len + 7) / 8) {
                PyErr_SetString(PyExc_ValueError, "attributions: an Arrow validity bitmap is too short");
                goto fail;
            }
        }
        if (X->off[c].len / (Py_ssize_t)sizeof(int64_t) < first + len + 1) {
            PyErr_SetString(PyExc_ValueError, "attributions: Arrow offsets are too short");
            goto fail;
        }
        X->len[c] = len;
        X->first[c] = first;
        X->n += len;
    }
    Py_DECREF(chunks);
    return 0;
fail:
    Py_DECREF(chunks);
    atexts_close(X);
    return -1;
}

/* text d: *t borrowed from the tuple, or a new str in *owned (the caller releases it); *t NULL for a
 * missing text. Texts are asked for in order (d = 0, 1, ...). */
static int atexts_get(ATexts *X, Py_ssize_t d, PyObject **t, PyObject **owned) {
    *t = NULL;
    if (X->tseq) {
        *t = PyTuple_GET_ITEM(X->tseq, d);
        return 0;
    }
    if (d < X->cur_base) X->cur = X->cur_base = 0;
    while (X->cur < X->n_chunks && d - X->cur_base >= X->len[X->cur]) X->cur_base += X->len[X->cur++];
    Py_ssize_t c = X->cur, k = d - X->cur_base;
    if (c >= X->n_chunks) return 0;
    Py_ssize_t j = X->first[c] + k;
    if (X->has_valid[c] && !((((const unsigned char *)X->valid[c].buf)[j >> 3] >> (j & 7)) & 1)) return 0;
    const int64_t *off = (const int64_t *)X->off[c].buf;
    int64_t a = off[j], b = off[j + 1];
    if (a < 0 || b < a || b > (int64_t)X->data[c].len) {
        PyErr_Format(PyExc_ValueError, "attributions: Arrow offsets of text %zd out of range", d);
        return -1;
    }
    if (b == a) return 0;
    *owned = PyUnicode_DecodeUTF8((const char *)X->data[c].buf + a, (Py_ssize_t)(b - a), "strict");
    if (!*owned) return -1;
    *t = *owned;
    return 0;
}

/* Scanner.attributions(model, texts, lows, cut, source_type) -> (ints, scores, cue, source, content,
 * stype, ref, rtype, types, surrogates): the records of every text (texts[d] not a non-empty str: none),
 * lows[d] its lower case of the same length (attribution.py's `low`), or lows the function _lower: then
 * the texts are lower-cased here (lower_text), _lower called for those it cannot do. ints: bytes of int64, ten per
 * record (doc, attribution, sentence, paragraph, cue, source and content offsets, -1 for none); scores:
 * bytes of float64, two per record: the cue probability and round(probability, 4); cue, source, content:
 * (UTF-8 data, int64 offsets) of the texts of each record, "" where absent, as the buffers of an Arrow
 * large_string array; stype, ref, rtype: int32 per record, the code in `types` of the source's type, the
 * record whose source is the resolved source (-1: none) and the code of the resolved type; types: the
 * list of type strings, "" first (code 0: no source), then each str source_type returned (called once
 * per distinct source); surrogates: how many lone surrogates the UTF-8 holds (encoded as
 * "surrogatepass" does: Arrow cannot hold them) */
static PyObject *Scanner_attributions(Scanner *S, PyObject *args) {
    PyObject *model, *texts, *lows, *source_type;
    double cut;
    if (!PyArg_ParseTuple(args, "O!OOdO", &CueModelType, &model, &texts, &lows, &cut, &source_type)) return NULL;
    if (!((CueModel *)model)->ready) {
        PyErr_SetString(PyExc_ValueError, "CueModel not initialised");
        return NULL;
    }
    int lower_here = PyCallable_Check(lows); /* lows is _lower: lower-case here, calling it where needed */
    ATexts X;
    /* tuples: what a call reads cannot change under it while a Python callback runs */
    if (atexts_open(&X, texts, lower_here)) return NULL;
    PyObject *lseq = lower_here ? (Py_INCREF(lows), lows) : PySequence_Tuple(lows);
    if (!lseq) {
        atexts_close(&X);
        return NULL;
    }
    PyObject *result = NULL, *low_obj = NULL, *owned = NULL;
    void *low_buf = NULL;
    size_t low_cap = 0;
    ACtx C;
    memset(&C, 0, sizeof(C));
    C.M = (CueModel *)model;
    C.S = S;
    AOut O;
    memset(&O, 0, sizeof(O));
    O.M = (CueModel *)model;
    O.types = PyList_New(0);
    if (!O.types || at_init(&O.seen, 512)) goto done;
    {
        PyObject *empty = PyUnicode_FromStringAndSize("", 0);
        if (!empty || grow((void **)&O.is_pronoun, &O.is_pronoun_cap, 1, 1) || PyList_Append(O.types, empty)) {
            Py_XDECREF(empty);
            goto done;
        }
        Py_DECREF(empty);
        O.is_pronoun[0] = 0;
    }
    Py_ssize_t nd = X.n;
    if (!lower_here && PyTuple_GET_SIZE(lseq) != nd) {
        PyErr_SetString(PyExc_ValueError, "texts and lows differ in length");
        goto done;
    }
    for (Py_ssize_t d = 0; d < nd; d++) {
        PyObject *t, *l;
        Py_CLEAR(owned);
        if (atexts_get(&X, d, &t, &owned)) goto done;
        if (!t || !PyUnicode_Check(t) || PyUnicode_GET_LENGTH(t) == 0) continue;
        C.text = t;
        C.tk = PyUnicode_KIND(t);
        C.td = PyUnicode_DATA(t);
        C.ln = PyUnicode_GET_LENGTH(t);
        Py_CLEAR(low_obj);
        int made = lower_here ? lower_text((CueModel *)model, t, &low_buf, &low_cap) : 0;
        if (made < 0) goto done;
        if (made) {
            C.lk = C.tk;
            C.ld = low_buf;
        } else {
            if (lower_here) {
                if (!(low_obj = PyObject_CallOneArg(lseq, t))) goto done;
                l = low_obj;
            } else {
                l = PyTuple_GET_ITEM(lseq, d);
            }
            if (!PyUnicode_Check(l) || PyUnicode_GET_LENGTH(l) != PyUnicode_GET_LENGTH(t)) {
                PyErr_Format(PyExc_ValueError, "lows[%zd] is not a str of the length of texts[%zd]", d, d);
                goto done;
            }
            C.lk = PyUnicode_KIND(l);
            C.ld = PyUnicode_DATA(l);
        }
        if (doc_attributions(&C, d, cut, source_type, &O)) goto done;
    }
    {
        size_t nr = O.n_ints / A_INTS;
        /* the buffers themselves, cut to size (no copy) */
        PyObject *ib = bytes_finish(&O.ints_obj, O.n_ints * sizeof(int64_t));
        PyObject *sb = bytes_finish(&O.scores_obj, O.n_scores * sizeof(double));
        PyObject *cu = astr_pack(&O.cue), *so = astr_pack(&O.source), *co = astr_pack(&O.content);
        PyObject *st = bytes_finish(&O.stype_obj, nr * sizeof(int32_t));
        PyObject *rf = bytes_finish(&O.ref_obj, nr * sizeof(int32_t));
        PyObject *rt = bytes_finish(&O.rtype_obj, nr * sizeof(int32_t));
        PyObject *sg = PyLong_FromLong(O.surrogates);
        if (ib && sb && cu && so && co && st && rf && rt && sg)
            result = PyTuple_Pack(10, ib, sb, cu, so, co, st, rf, rt, O.types, sg);
        Py_XDECREF(ib);
        Py_XDECREF(sb);
        Py_XDECREF(cu);
        Py_XDECREF(so);
        Py_XDECREF(co);
        Py_XDECREF(st);
        Py_XDECREF(rf);
        Py_XDECREF(rt);
        Py_XDECREF(sg);
    }
done:
    actx_free(&C);
    Py_XDECREF(O.ints_obj);
    Py_XDECREF(O.scores_obj);
    astr_free(&O.cue);
    astr_free(&O.source);
    astr_free(&O.content);
    Py_XDECREF(O.stype_obj);
    Py_XDECREF(O.ref_obj);
    Py_XDECREF(O.rtype_obj);
    PyMem_Free(O.is_pronoun);
    if (O.seen.slots) at_free(&O.seen);
    Py_XDECREF(O.types);
    Py_XDECREF(low_obj);
    Py_XDECREF(owned);
    PyMem_Free(low_buf);
    atexts_close(&X);
    Py_DECREF(lseq);
    return result;
}

/* ---------------------------------------------------------------- CSV rows of a table */

/* csv_rows(n_rows, columns, escape[, into]) -> bytes (or, with a bytearray `into`, the number of its
 * first bytes that hold them, the bytearray grown when needed): the rows of a table as DataFrame.to_csv(index=False,
 * lineterminator="\n") writes them after csvsafe.escape_frame (with `escape`), without the header, as
 * analysis.csvwrite does it (a cell is quoted when it holds a comma, a double quote or \n, its quotes
 * doubled). columns: a sequence of (kind, a, b): kind 0, text: a the int64 offsets (n_rows + 1) and b
 * the UTF-8 data of an Arrow large_string array, quoted where needed and, with `escape`, given a leading
 * apostrophe when it starts like a formula ('*[=+\-@\t\r]); kind 1, the same buffers written as they
 * are (numbers already formatted); kind 2, a int64 values; kind 3, a one byte per row, True / False.
 * Used by analysis.measure.attribution.attributions_csv_bytes; tests/measure/test_attribution_core.py
 * compares its files with analysis.outputs.write_table's. */
typedef struct {
    int kind;
    Py_buffer a, b;
    int has_a, has_b;
} CsvCol;

static MFA_INLINE int csv_trigger(unsigned char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* 1 for the bytes that make a cell quoted: a comma, a double quote, \n */
static const unsigned char CSV_QUOTED[256] = {['\n'] = 1, [','] = 1, ['"'] = 1};

/* whether p[0:n] holds a comma, a double quote or \n: eight bytes at a time (a byte of w equal to c
 * makes a zero byte of w ^ c, found by the borrow test) */
static MFA_INLINE int csv_needs_quote(const unsigned char *p, size_t n) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, a, b, c;
        memcpy(&w, p + i, 8);
        a = w ^ (ones * ',');
        b = w ^ (ones * '"');
        c = w ^ (ones * '\n');
        if (((a - ones) & ~a & highs) | ((b - ones) & ~b & highs) | ((c - ones) & ~c & highs)) return 1;
    }
    for (; i < n; i++)
        if (CSV_QUOTED[p[i]]) return 1;
    return 0;
}

static PyObject *core_csv_rows(PyObject *mod, PyObject *args) {
    Py_ssize_t n_rows;
    PyObject *cols_obj, *into = NULL;
    int escape;
    if (!PyArg_ParseTuple(args, "nOp|O!", &n_rows, &cols_obj, &escape, &PyByteArray_Type, &into)) return NULL;
    PyObject *seq = PySequence_Fast(cols_obj, "csv_rows: columns must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t nc = PySequence_Fast_GET_SIZE(seq);
    CsvCol *cols = PyMem_Calloc((size_t)nc + 1, sizeof(CsvCol));
    unsigned char *out = NULL;
    size_t len = 0, bound = 0;
    PyObject *result = NULL, *bytes = NULL;
    if (!cols) {
        PyErr_NoMemory();
        goto done;
    }
    if (n_rows < 0 || nc < 1) {
        PyErr_SetString(PyExc_ValueError, "csv_rows: n_rows >= 0 and one column or more");
        goto done;
    }
    for (Py_ssize_t c = 0; c < nc; c++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, c);
        PyObject *a, *b;
        if (!PyTuple_Check(t) || !PyArg_ParseTuple(t, "iOO", &cols[c].kind, &a, &b)) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "csv_rows: each column is (kind, a, b)");
            goto done;
        }
        if (PyObject_GetBuffer(a, &cols[c].a, PyBUF_SIMPLE)) goto done;
        cols[c].has_a = 1;
        int k = cols[c].kind;
        size_t want = k <= 1 ? (size_t)(n_rows + 1) * 8 : (k == 2 ? (size_t)n_rows * 8 : (size_t)n_rows);
        if (k < 0 || k > 3 || (size_t)cols[c].a.len != want) {
            PyErr_Format(PyExc_ValueError, "csv_rows: column %zd: kind %d with %zd bytes", c, k, cols[c].a.len);
            goto done;
        }
        if (k <= 1) {
            if (PyObject_GetBuffer(b, &cols[c].b, PyBUF_SIMPLE)) goto done;
            cols[c].has_b = 1;
            const int64_t *off = (const int64_t *)cols[c].a.buf;
            for (Py_ssize_t r = 0; r < n_rows; r++)
                if (off[r] > off[r + 1]) {
                    PyErr_SetString(PyExc_ValueError, "csv_rows: offsets must not decrease");
                    goto done;
                }
            if (off[0] < 0 || off[n_rows] > cols[c].b.len) {
                PyErr_SetString(PyExc_ValueError, "csv_rows: offsets outside the data");
                goto done;
            }
            /* a text cell: each byte at most twice (doubled quotes), two quotes, an apostrophe, the comma */
            bound += (size_t)(off[n_rows] - off[0]) * (k == 0 ? 2 : 1) + (size_t)n_rows * 4;
        } else {
            bound += (size_t)n_rows * (k == 2 ? 21 : 6); /* "-9223372036854775808," / "False," */
        }
    }
    /* one allocation of the most the rows can take, cut to what they took (or the bytearray `into`,
     * grown to that size when smaller and left as it is: its first bytes are the rows) */
    if (into) {
        if ((size_t)PyByteArray_GET_SIZE(into) < bound + 1 && PyByteArray_Resize(into, (Py_ssize_t)bound + 1)) goto done;
        out = (unsigned char *)PyByteArray_AS_STRING(into);
    } else {
        bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)bound + 1);
        if (!bytes) goto done;
        out = (unsigned char *)PyBytes_AS_STRING(bytes);
    }
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        for (Py_ssize_t c = 0; c < nc; c++) {
            const CsvCol *col = &cols[c];
            const unsigned char *p = NULL;
            size_t n = 0;
            if (col->kind <= 1) {
                const int64_t *off = (const int64_t *)col->a.buf;
                p = (const unsigned char *)col->b.buf + off[r];
                n = (size_t)(off[r + 1] - off[r]);
            }
            unsigned char *o = out + len;
            if (col->kind == 0) {
                int quote = csv_needs_quote(p, n);
                int apostrophe = 0;
                if (escape && n && (p[0] == '\'' || csv_trigger(p[0]))) {
                    size_t i = 0;
                    while (i < n && p[i] == '\'') i++;
                    apostrophe = i < n && csv_trigger(p[i]);
                }
                if (quote) *o++ = '"';
                if (apostrophe) *o++ = '\'';
                if (quote) {
                    /* the stretches between double quotes copied whole, each quote doubled */
                    const unsigned char *q = p, *end = p + n;
                    while (q < end) {
                        const unsigned char *dq = memchr(q, '"', (size_t)(end - q));
                        size_t run = dq ? (size_t)(dq - q) + 1 : (size_t)(end - q);
                        memcpy(o, q, run);
                        o += run;
                        if (!dq) break;
                        *o++ = '"';
                        q = dq + 1;
                    }
                    *o++ = '"';
                } else {
                    memcpy(o, p, n);
                    o += n;
                }
            } else if (col->kind == 1) {
                memcpy(o, p, n);
                o += n;
            } else if (col->kind == 2) {
                int64_t v = ((const int64_t *)col->a.buf)[r];
                char digits[24];
                int nd = 0;
                uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
                do {
                    digits[nd++] = (char)('0' + u % 10);
                    u /= 10;
                } while (u);
                if (v < 0) *o++ = '-';
                while (nd) *o++ = (unsigned char)digits[--nd];
            } else {
                if (((const unsigned char *)col->a.buf)[r]) {
                    memcpy(o, "True", 4);
                    o += 4;
                } else {
                    memcpy(o, "False", 5);
                    o += 5;
                }
            }
            *o++ = c + 1 < nc ? ',' : '\n';
            len = (size_t)(o - out);
        }
    }
    if (into) {
        result = PyLong_FromSize_t(len);
    } else if (_PyBytes_Resize(&bytes, (Py_ssize_t)len) == 0) {
        result = bytes;
        bytes = NULL;
    }
done:
    Py_XDECREF(bytes);
    if (cols)
        for (Py_ssize_t c = 0; c < nc; c++) {
            if (cols[c].has_a) PyBuffer_Release(&cols[c].a);
            if (cols[c].has_b) PyBuffer_Release(&cols[c].b);
        }
    PyMem_Free(cols);
    Py_DECREF(seq);
    return result;
}
