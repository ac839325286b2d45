/* tests/fuzz/sanitize.py's positive control: one fault of each kind the run looks for,
   compiled with the run's flags and called from a preloaded Python. If these go unreported,
   a clean run would mean nothing. */
#include <stdlib.h>

int canary_shift(int amount) {
    return 1 << amount;  /* UBSan: shift exponent too large (amount = 40) */
}

int canary_heap_overflow(int n) {
    volatile char *p = malloc(n);
    int x = p[n];  /* ASan: heap-buffer-overflow, one past the end */
    free((void *)p);
    return x;
}
