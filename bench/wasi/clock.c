/* A WASI command for the bench's per-call figure of a system call: reads the monotonic
   clock argv[1] times (clock_time_get in Wasm) and exits with 0 if it never went back. */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    struct timespec last = {0, 0}, now;
    int backwards = 0;
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        backwards |= now.tv_sec < last.tv_sec || (now.tv_sec == last.tv_sec && now.tv_nsec < last.tv_nsec);
        last = now;
    }
    return backwards;
}
