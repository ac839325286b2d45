/* sort(seed): 2^20 int32s from seed, sorted by a quicksort (median of three, insertion
   sort below 16 elements); returns a checksum of the sorted array, or -1 if it is not
   sorted. Memory-bound compares and swaps, data-dependent branches. */
#include "common.h"

#define SORT_N (1 << 20)
static int32_t data[SORT_N];

static void insertion_sort(int32_t *a, int32_t n) {
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int32_t *b) { int32_t t = *a; *a = *b; *b = t; }

static void quicksort(int32_t *a, int32_t n) {
    while (n > 16) {
        int32_t mid = n / 2;
        if (a[mid] < a[0]) swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
        int32_t pivot = a[mid];
        int32_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger: depth stays O(log n) */
        int32_t left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

EXPORT(sort) int32_t sort(int32_t seed) {
    uint32_t state = (uint32_t)seed | 1u;
    for (int32_t i = 0; i < SORT_N; i++) data[i] = (int32_t)bench_xorshift32(&state);
    quicksort(data, SORT_N);
    uint32_t h = 0;
    for (int32_t i = 0; i < SORT_N; i++) {
        if (i && data[i - 1] > data[i]) return -1;
        h = h * 31u + (uint32_t)data[i];
    }
    return (int32_t)(h & 0x7fffffff);
}
