/* time.h of our wasm32 libc: declarations only, for the same unused code as stdio.h. */
#ifndef BENCH_LIBC_TIME_H
#define BENCH_LIBC_TIME_H
typedef long long clock_t;
#define CLOCKS_PER_SEC ((clock_t)1000000)
clock_t clock(void);
#endif
