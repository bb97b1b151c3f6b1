/* characters.h: character classes as Python's re defines them (\w, \d, [^\W\d_], \s), the quote and
 * sentence marks, the search for rare characters (SSE2 where available) and the lower-casing of
 * Scanner.prepare.
 * Mirrors: the classes used by TOKEN_PATTERN, PARA_RE and the sentence rules of analysis.text.tokenize,
 * and str.lower() (prepare returns None where the simple mapping could differ, and Python lower-cases).
 * Caught by: tests/measure/test_core_parity.py (tokens, sentences, prepare on every character class),
 * tests/measure/test_core_build.py (the class table against re). */

/* classes of the first 256 code points (one load instead of a chain of tests or a call into the Unicode
 * database): a constant table, so that nothing is written at import (no state shared between interpreters
 * or threads). check_classes() compares it with the definitions below at import, and the import fails if
 * they ever disagree (tests/measure/test_core_build.py also compares it with Python's re). */
#define C_W 1 /* \w */
#define C_D 2 /* \d */
#define C_L 4 /* [^\W\d_] */
#define C_S 8 /* \s */
static const unsigned char CLS[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 0, 0,  /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8,  /* 0x10 */
    8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x20 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0,  /* 0x30 */
    0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0x40 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 1,  /* 0x50 */
    0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0x60 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0,  /* 0x70 */
    0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x90 */
    8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0,  /* 0xA0 */
    0, 0, 5, 5, 0, 5, 0, 0, 0, 5, 5, 0, 5, 5, 5, 0,  /* 0xB0 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0xC0 */
    5, 5, 5, 5, 5, 5, 5, 0, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0xD0 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0xE0 */
    5, 5, 5, 5, 5, 5, 5, 0, 5, 5, 5, 5, 5, 5, 5, 5,  /* 0xF0 */
};

static inline int is_w_def(Py_UCS4 c) {
    if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}
static inline int is_d_def(Py_UCS4 c) {
    if (c < 128) return c >= '0' && c <= '9';
    return Py_UNICODE_ISDECIMAL(c);
}

/* 0 when CLS holds the classes the definitions give, else -1 with ImportError set */
static int check_classes(void) {
    for (Py_UCS4 c = 0; c < 256; c++) {
        int w = is_w_def(c), d = is_d_def(c);
        unsigned char want = (unsigned char)((w ? C_W : 0) | (d ? C_D : 0) | (w && !d && c != '_' ? C_L : 0) |
                                             (Py_UNICODE_ISSPACE(c) ? C_S : 0));
        if (CLS[c] != want) {
            PyErr_Format(PyExc_ImportError, "analysis._core: character class table wrong at U+%04X", (unsigned)c);
            return -1;
        }
    }
    return 0;
}

static inline int is_w(Py_UCS4 c) { return c < 256 ? CLS[c] & C_W : is_w_def(c); }
static inline int is_d(Py_UCS4 c) { return c < 256 ? CLS[c] & C_D : is_d_def(c); }
static inline int is_letter(Py_UCS4 c) { return c < 256 ? CLS[c] & C_L : is_w_def(c) && !is_d_def(c); }
static inline int is_s(Py_UCS4 c) { return c < 256 ? CLS[c] & C_S : Py_UNICODE_ISSPACE(c); }
static inline int is_ascii_alpha(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int is_nl(Py_UCS4 c) { return c == '\r' || c == '\n'; }
/* quotation marks of either side: " ' ` “ ” ‘ ’ « » ‹ › ‟ ‛ */
static inline int is_quote_mark(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == '`' || c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019 ||
           c == 0xAB || c == 0xBB || c == 0x2039 || c == 0x203A || c == 0x201F || c == 0x201B;
}
/* closing marks after a sentence end: SENTENCE_CLOSERS of analysis.text.tokenize (the quotation marks but
 * the low „ ‚, and ) ] }) */
static inline int is_closer(Py_UCS4 c) { return is_quote_mark(c) || c == ')' || c == ']' || c == '}'; }
/* opening marks before a sentence start: SENTENCE_OPENERS (every quotation mark, „ ‚, and ( [ {) */
static inline int is_opener(Py_UCS4 c) {
    return is_quote_mark(c) || c == 0x201E || c == 0x201A || c == '(' || c == '[' || c == '{';
}
/* the spaces of French typography around « » ‹ ›: space, no-break space, narrow no-break space */
static inline int is_space_fr(Py_UCS4 c) { return c == ' ' || c == 0xA0 || c == 0x202F; }
/* _starts_sentence: an upper-case or title-case letter (str.isupper() or str.istitle() of one character),
 * or a digit 0-9 */
static inline int starts_sentence(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || Py_UNICODE_ISUPPER(c) || Py_UNICODE_ISTITLE(c);
}
static inline int is_dq(Py_UCS4 c) { return c == '"' || c == 0x201C || c == 0x201D || c == 0x201E; }

#define CH(i) PyUnicode_READ(kind, data, (i))

/* the first position in [i, b) holding one of the nt characters t (a constant list, so that the loop is
 * unrolled), else b; sixteen bytes at a time where SSE2 is there (the characters searched for are rare) */
static MFA_INLINE Py_ssize_t skip_to_any(const int kind, const void *data, Py_ssize_t i,
                                                                    Py_ssize_t b, const Py_UCS4 *t, const int nt) {
#if MFA_SSE2
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = (const Py_UCS1 *)data;
        for (; i + 16 <= b; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i)), m = _mm_setzero_si128();
            for (int k = 0; k < nt; k++)
                if (t[k] <= 0xFF) m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)t[k])));
            int mask = _mm_movemask_epi8(m);
            if (mask) return i + mfa_ctz((unsigned)mask);
        }
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *p = (const Py_UCS2 *)data;
        for (; i + 8 <= b; i += 8) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i)), m = _mm_setzero_si128();
            for (int k = 0; k < nt; k++)
                if (t[k] <= 0xFFFF) m = _mm_or_si128(m, _mm_cmpeq_epi16(v, _mm_set1_epi16((short)t[k])));
            int mask = _mm_movemask_epi8(m);
            if (mask) return i + mfa_ctz((unsigned)mask) / 2;
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

/* lower-case text into low (same kind); 1 with *has_dq set, 0 when a character needs str.lower() */
/* one character of lower_impl: low[i] = lower(text[i]) (’ read as '); sets *dq on a double quotation mark;
 * 0 when the simple mapping cannot give Python's lower case */
static MFA_INLINE int lower_one(const int kind, const void *data, void *odata, Py_ssize_t i,
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

static MFA_INLINE int lower_impl(PyObject *low, Py_ssize_t n, int *has_dq, const int kind,
                                                            const void *data) {
    void *odata = PyUnicode_DATA(low);
    Py_UCS4 maxc = kind == PyUnicode_1BYTE_KIND ? 0xFF : kind == PyUnicode_2BYTE_KIND ? 0xFFFF : 0x10FFFF;
    int dq = 0;
    Py_UCS4 prev = 0;
    Py_ssize_t i = 0;
#if MFA_SSE2
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
