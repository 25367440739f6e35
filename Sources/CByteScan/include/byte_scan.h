// Byte scans of the JSON reader and writer, sixteen bytes at a time with
// SSE2 on x86-64 (every x86-64 CPU has it); elsewhere they scan nothing and
// the Swift callers' word-at-a-time loops do all the work. Static inline,
// so Swift inlines them at the call.
#ifndef HERALD_BYTE_SCAN_H
#define HERALD_BYTE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// The offset of the first byte of `p[0..<n]` that a JSON string's
/// contents must look at -- a quote, a backslash, a byte below 0x20 or a
/// byte of 0x80 or more -- among the first `n & ~15` bytes; `n & ~15` (or,
/// without SSE2, 0) when there is none. The caller reads from that offset
/// on with its own loop.
static inline size_t herald_string_attention16(const uint8_t *p, size_t n) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        // Signed: below 0x20 holds the control bytes and, as negative
        // numbers, every byte of 0x80 or more.
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                   _mm_cmplt_epi8(v, space));
        int mask = _mm_movemask_epi8(hit);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
    return i;
#else
    (void)p;
    (void)n;
    return 0;
#endif
}

/// Whether the first `n & ~15` bytes of `p` hold a byte a JSON string
/// literal escapes (quote, backslash, below 0x20); false without SSE2.
/// The caller checks the last `n & 15` bytes (all `n` without SSE2).
static inline int herald_escapes_in16(const uint8_t *p, size_t n) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1F);
    __m128i hits = _mm_setzero_si128();
    for (size_t i = 0; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        // Unsigned v <= 0x1F: min(v, 0x1F) == v.
        __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, control), v);
        hits = _mm_or_si128(hits, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), low));
    }
    return _mm_movemask_epi8(hits) != 0;
#else
    (void)p;
    (void)n;
    return 0;
#endif
}

/// Whether scanning is done sixteen bytes at a time (SSE2).
static inline int herald_scans_by16(void) {
#if defined(__SSE2__)
    return 1;
#else
    return 0;
#endif
}

#endif
