/* stdio.h of our wasm32 libc: declarations only. zstd.c's dictionary builder, which
   the programs never call, mentions these; the linker drops it with them. */
#ifndef BENCH_LIBC_STDIO_H
#define BENCH_LIBC_STDIO_H
#include <stddef.h>
typedef struct bench_libc_file FILE;
extern FILE *stderr;
int fprintf(FILE *f, const char *format, ...);
int fflush(FILE *f);
#endif
