/* Fused scan for ctxfix's big-log skimming: count newlines and find the first of several
 * anchors in one pass over a byte range.
 *
 * Plain C, no Python headers: ctxfix/_native.py loads the shared library with ctypes, so one
 * build serves every Python 3 on the machine. The result must equal what Python gives for
 *
 *     hit = min(p for p in (buf.find(a, start, end) for a in needles) if p >= 0), or -1
 *     lines = buf.count(b"\n", start, hit if hit >= 0 else end)
 *
 * so a match counts only when the whole needle lies inside [start, end), the search is exact
 * and case-sensitive, and an empty needle matches at start.
 *
 * On x86-64 with GCC or Clang the scan runs on 16-byte SSE2 blocks (the x86-64 baseline), or on
 * 32-byte AVX2 blocks when the CPU has them. For each needle, a position is a candidate when its
 * byte equals the needle's first byte and the byte len-1 further equals its last byte; the
 * candidates of all needles are OR-ed and only those are compared in full. Newlines are counted
 * per byte lane and summed with psadbw. Vector loads stay inside [buf+start, buf+end): the bytes
 * near the end are finished by the scalar code, which is also the whole scan elsewhere.
 */

#include <stddef.h>
#include <string.h>

#if defined(_WIN32)
#define CTXFIX_EXPORT __declspec(dllexport)
#else
#define CTXFIX_EXPORT __attribute__((visibility("default")))
#endif

/* -DCTXFIX_NO_SIMD builds the scalar scan only, -DCTXFIX_NO_AVX2 leaves AVX2 out (for tests). */
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(CTXFIX_NO_SIMD)
#define CTXFIX_X86 1
#include <immintrin.h>
#endif

#define MAX_VECTOR_NEEDLES 32 /* more than this: the scalar scan, still correct */

/* Does any needle start at buf[p] and end before buf[end]? */
static int match_at(const unsigned char *buf, long long p, long long end,
                    const unsigned char *const *ndl, const int *lens, int n)
{
    for (int j = 0; j < n; j++) {
        long long len = lens[j];
        if (buf[p] == ndl[j][0] && p + len <= end && memcmp(buf + p, ndl[j], (size_t)len) == 0)
            return 1;
    }
    return 0;
}

/* The portable scan: one table look-up per byte; newlines and first bytes of needles stand out. */
static long long scan_scalar(const unsigned char *buf, long long p, long long end,
                             const unsigned char *const *ndl, const int *lens, int n,
                             long long count, long long *lines)
{
    unsigned char mark[256];
    memset(mark, 0, sizeof mark);
    mark['\n'] = 1;
    for (int j = 0; j < n; j++)
        mark[ndl[j][0]] |= 2;
    for (; p < end; p++) {
        unsigned char m = mark[buf[p]];
        if (!m)
            continue;
        if ((m & 2) && match_at(buf, p, end, ndl, lens, n)) {
            *lines = count;
            return p;
        }
        if (m & 1)
            count++;
    }
    *lines = count;
    return -1;
}

#ifdef CTXFIX_X86

static int popcount32(unsigned int x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (int)((x * 0x01010101u) >> 24);
}

#define SSE2_FN __attribute__((always_inline)) static inline

/* Candidates of the block at ``at`` for needles 0..n-1 (n a constant after inlining). */
SSE2_FN __m128i sse2_cand(const unsigned char *at, __m128i b, const __m128i *first,
                          const __m128i *last, const int *lens, int n)
{
    __m128i cand = _mm_setzero_si128();
#pragma GCC unroll 32
    for (int j = 0; j < n; j++) {
        __m128i e = _mm_loadu_si128((const __m128i *)(at + lens[j] - 1));
        cand = _mm_or_si128(cand,
                            _mm_and_si128(_mm_cmpeq_epi8(b, first[j]), _mm_cmpeq_epi8(e, last[j])));
    }
    return cand;
}

SSE2_FN long long sse2_body(const unsigned char *buf, long long p, long long end,
                            const unsigned char *const *ndl, const int *lens_in, const int n,
                            int maxlen, long long *lines)
{
    __m128i first[MAX_VECTOR_NEEDLES], last[MAX_VECTOR_NEEDLES];
    int lens[MAX_VECTOR_NEEDLES];
    for (int j = 0; j < n; j++) {
        lens[j] = lens_in[j];
        first[j] = _mm_set1_epi8((char)ndl[j][0]);
        last[j] = _mm_set1_epi8((char)ndl[j][lens[j] - 1]);
    }
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    __m128i acc = zero;   /* per-lane newline counts, at most 254 per lane */
    __m128i total = zero; /* two 64-bit sums */
    int blocks = 0;
    /* The last-byte loads of a 32-byte step reach p + 31 + maxlen - 1, which must be < end. */
    const long long stop = end - 32 - (maxlen - 1);
    for (; p <= stop; p += 32) {
        __m128i b0 = _mm_loadu_si128((const __m128i *)(buf + p));
        __m128i b1 = _mm_loadu_si128((const __m128i *)(buf + p + 16));
        __m128i nl0 = _mm_cmpeq_epi8(b0, newline);
        __m128i nl1 = _mm_cmpeq_epi8(b1, newline);
        __m128i c0 = sse2_cand(buf + p, b0, first, last, lens, n);
        __m128i c1 = sse2_cand(buf + p + 16, b1, first, last, lens, n);
        unsigned int m = (unsigned int)_mm_movemask_epi8(c0) |
                         ((unsigned int)_mm_movemask_epi8(c1) << 16);
        while (m) {
            int i = __builtin_ctz(m);
            if (match_at(buf, p + i, end, ndl, lens, n)) {
                total = _mm_add_epi64(total, _mm_sad_epu8(acc, zero));
                unsigned int nm = (unsigned int)_mm_movemask_epi8(nl0) |
                                  ((unsigned int)_mm_movemask_epi8(nl1) << 16);
                nm &= i == 0 ? 0u : (0xffffffffu >> (32 - i));
                *lines = _mm_cvtsi128_si64(total) +
                         _mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total)) + popcount32(nm);
                return p + i;
            }
            m &= m - 1;
        }
        acc = _mm_sub_epi8(acc, _mm_add_epi8(nl0, nl1));
        if (++blocks == 127) {
            total = _mm_add_epi64(total, _mm_sad_epu8(acc, zero));
            acc = zero;
            blocks = 0;
        }
    }
    total = _mm_add_epi64(total, _mm_sad_epu8(acc, zero));
    long long count =
        _mm_cvtsi128_si64(total) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total));
    long long rest = 0;
    long long hit = scan_scalar(buf, p, end, ndl, lens, n, 0, &rest);
    *lines = count + rest;
    return hit;
}

static long long scan_sse2(const unsigned char *buf, long long p, long long end,
                           const unsigned char *const *ndl, const int *lens, int n, int maxlen,
                           long long *lines)
{
    switch (n) {
#define CASE(k)                                                                                   \
    case k:                                                                                       \
        return sse2_body(buf, p, end, ndl, lens, k, maxlen, lines);
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        return sse2_body(buf, p, end, ndl, lens, n, maxlen, lines);
    }
}

#define AVX2_FN __attribute__((target("avx2"), always_inline)) static inline

/* Candidates of block buf[p:p+32] for needles 0..N-1 (N a constant after inlining). */
AVX2_FN __m256i avx2_cand(const unsigned char *at, __m256i b, const __m256i *first,
                          const __m256i *last, const int *lens, int n)
{
    __m256i cand = _mm256_setzero_si256();
#pragma GCC unroll 32
    for (int j = 0; j < n; j++) {
        __m256i e = _mm256_loadu_si256((const __m256i *)(at + lens[j] - 1));
        cand = _mm256_or_si256(cand, _mm256_and_si256(_mm256_cmpeq_epi8(b, first[j]),
                                                      _mm256_cmpeq_epi8(e, last[j])));
    }
    return cand;
}

AVX2_FN long long avx2_body(const unsigned char *buf, long long p, long long end,
                            const unsigned char *const *ndl, const int *lens_in, const int n,
                            int maxlen, long long *lines)
{
    __m256i first[MAX_VECTOR_NEEDLES], last[MAX_VECTOR_NEEDLES];
    int lens[MAX_VECTOR_NEEDLES];
    for (int j = 0; j < n; j++) {
        lens[j] = lens_in[j];
        first[j] = _mm256_set1_epi8((char)ndl[j][0]);
        last[j] = _mm256_set1_epi8((char)ndl[j][lens[j] - 1]);
    }
    const __m256i newline = _mm256_set1_epi8('\n');
    const __m256i zero = _mm256_setzero_si256();
    __m256i acc = zero;
    __m256i total = zero; /* four 64-bit sums */
    int blocks = 0;
    long long count = 0;
    const long long stop = end - 64 - (maxlen - 1);
    for (; p <= stop; p += 64) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(buf + p));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(buf + p + 32));
        __m256i nl0 = _mm256_cmpeq_epi8(b0, newline);
        __m256i nl1 = _mm256_cmpeq_epi8(b1, newline);
        __m256i c0 = avx2_cand(buf + p, b0, first, last, lens, n);
        __m256i c1 = avx2_cand(buf + p + 32, b1, first, last, lens, n);
        if (!_mm256_testz_si256(_mm256_or_si256(c0, c1), _mm256_or_si256(c0, c1))) {
            unsigned long long m = (unsigned int)_mm256_movemask_epi8(c0) |
                                   ((unsigned long long)(unsigned int)_mm256_movemask_epi8(c1)
                                    << 32);
            while (m) {
                int i = __builtin_ctzll(m);
                if (match_at(buf, p + i, end, ndl, lens, n)) {
                    total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
                    unsigned long long nm =
                        (unsigned int)_mm256_movemask_epi8(nl0) |
                        ((unsigned long long)(unsigned int)_mm256_movemask_epi8(nl1) << 32);
                    nm &= i == 0 ? 0 : (~0ull >> (64 - i));
                    long long sums[4];
                    _mm256_storeu_si256((__m256i *)sums, total);
                    *lines = sums[0] + sums[1] + sums[2] + sums[3] +
                             popcount32((unsigned int)nm) + popcount32((unsigned int)(nm >> 32));
                    return p + i;
                }
                m &= m - 1;
            }
        }
        acc = _mm256_sub_epi8(acc, _mm256_add_epi8(nl0, nl1));
        if (++blocks == 127) {
            total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
            acc = zero;
            blocks = 0;
        }
    }
    total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
    long long sums[4];
    _mm256_storeu_si256((__m256i *)sums, total);
    count = sums[0] + sums[1] + sums[2] + sums[3];
    /* Fewer than 64 + maxlen - 1 bytes are left: SSE2 blocks, then scalar bytes. */
    long long rest = 0;
    long long hit = scan_sse2(buf, p, end, ndl, lens, n, maxlen, &rest);
    *lines = count + rest;
    return hit;
}

__attribute__((target("avx2"))) static long long
scan_avx2(const unsigned char *buf, long long p, long long end, const unsigned char *const *ndl,
          const int *lens, int n, int maxlen, long long *lines)
{
    switch (n) {
#define CASE(k)                                                                                   \
    case k:                                                                                       \
        return avx2_body(buf, p, end, ndl, lens, k, maxlen, lines);
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        return avx2_body(buf, p, end, ndl, lens, n, maxlen, lines);
    }
}

static int use_avx2(void)
{
#ifdef CTXFIX_NO_AVX2
    return 0;
#endif
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return known;
}

#endif /* CTXFIX_X86 */

static long long scan(const unsigned char *buf, long long start, long long end,
                      const unsigned char *const *ndl, const int *lens, int n, int maxlen,
                      long long *lines)
{
#ifdef CTXFIX_X86
    if (use_avx2())
        return scan_avx2(buf, start, end, ndl, lens, n, maxlen, lines);
    return scan_sse2(buf, start, end, ndl, lens, n, maxlen, lines);
#else
    (void)maxlen;
    return scan_scalar(buf, start, end, ndl, lens, n, 0, lines);
#endif
}

CTXFIX_EXPORT long long ctxfix_skim(const unsigned char *buf, long long start, long long end,
                                    const unsigned char *needles, const int *lens, int n,
                                    long long *lines)
{
    *lines = 0;
    for (int j = 0; j < n; j++)
        if (lens[j] < 1) /* an empty needle matches at once, as bytes.find has it */
            return start <= end ? start : -1;
    if (start >= end)
        return -1;
    if (n <= 0)
        return scan(buf, start, end, NULL, NULL, 0, 1, lines);
    /* Needles go in groups of at most MAX_VECTOR_NEEDLES; the earliest hit of any group wins. */
    long long best = -1;
    for (int g = 0; g < n; g += MAX_VECTOR_NEEDLES) {
        const unsigned char *ndl[MAX_VECTOR_NEEDLES];
        int k = n - g < MAX_VECTOR_NEEDLES ? n - g : MAX_VECTOR_NEEDLES;
        int maxlen = 1;
        const unsigned char *p = needles;
        for (int j = 0; j < g; j++)
            p += lens[j];
        for (int j = 0; j < k; j++) {
            ndl[j] = p;
            p += lens[g + j];
            if (lens[g + j] > maxlen)
                maxlen = lens[g + j];
        }
        long long got = 0;
        long long hit = scan(buf, start, end, ndl, lens + g, k, maxlen, &got);
        if (g == 0 || (hit >= 0 && (best < 0 || hit < best))) {
            best = hit;
            *lines = got;
        }
    }
    return best;
}
