/* Portability: the few compiler-specific things the core uses, for GCC, clang and MSVC (any other C99
 * compiler gets the plain fallbacks).
 *
 *   MFA_INLINE        a hot helper that must be inlined into its caller (one copy per string kind)
 *   MFA_PREFETCH(p)   a hint to load *p into the cache (nothing where the compiler has no such hint)
 *   mfa_ctz(x)        index of the lowest set bit of x (x != 0)
 *   mfa_aligned_alloc / mfa_aligned_free   memory aligned to a cache line (the raw-token slots)
 *   MFA_SSE2          1 where the SSE2 blocks are compiled, else 0 (then every loop is the scalar one)
 *
 * SSE2 is optional: it is used when the target has it (__SSE2__ on GCC and clang; x64, or x86 with
 * /arch:SSE2, on MSVC), unless MFA_PORTABLE is defined, which forces the scalar path everywhere (CI builds
 * and tests the core both ways: the two must give byte-identical results). MFA_SIMD names what was
 * compiled; the module exposes it as analysis._core.SIMD.
 */
#ifndef MFA_PORT_H
#define MFA_PORT_H

#include <stdlib.h>
#if defined(_WIN32)
#include <malloc.h>
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#define MFA_INLINE __forceinline
#define MFA_COMPILER "msvc"
#elif defined(__GNUC__) || defined(__clang__)
#define MFA_INLINE inline __attribute__((always_inline))
#if defined(__clang__)
#define MFA_COMPILER "clang"
#else
#define MFA_COMPILER "gcc"
#endif
#else
#define MFA_INLINE inline
#define MFA_COMPILER "other"
#endif

#if !defined(MFA_PORTABLE) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
#define MFA_SSE2 1
#define MFA_SIMD "sse2"
#include <emmintrin.h>
#else
#define MFA_SSE2 0
#define MFA_SIMD "none"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MFA_PREFETCH(p) __builtin_prefetch(p)
#elif defined(_MSC_VER) && MFA_SSE2
#define MFA_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define MFA_PREFETCH(p) ((void)(p))
#endif

static inline int mfa_ctz(unsigned x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctz(x);
#elif defined(_MSC_VER)
    unsigned long i;
    _BitScanForward(&i, x);
    return (int)i;
#else
    int i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
#endif
}

/* size must be a multiple of align (C11 aligned_alloc requires it; the slot tables are powers of two) */
static inline void *mfa_aligned_alloc(size_t align, size_t size) {
#if defined(_WIN32)
    return _aligned_malloc(size, align); /* the Windows C runtime has no aligned_alloc */
#else
    void *p = NULL;
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
#endif
}

static inline void mfa_aligned_free(void *p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

#endif
