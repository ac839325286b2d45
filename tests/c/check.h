/* CHECK(cond) for the C tests: prints the failed condition with its place and counts it
   in `failures`, which each test's main turns into its exit status. */
#ifndef W2P_TEST_CHECK_H
#define W2P_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond)                                                    \
    do {                                                               \
        if (!(cond)) {                                                 \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            failures++;                                                \
        }                                                              \
    } while (0)

#endif
