/* A WASI command: counts the lines, words and bytes of stdin, greets $NAME, and writes
   its counts to /out/counts.txt when a directory is preopened as /out.
   Built with: clang --target=wasm32-wasi -O2 -Wl,--strip-all -o wc.wasm wc.c */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long lines = 0, words = 0, bytes = 0;
    int c, in_word = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        lines += c == '\n';
        if (isspace(c))
            in_word = 0;
        else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    const char *name = getenv("NAME");
    printf("hello %s from %s\n", name ? name : "stranger", argc > 0 ? argv[0] : "?");
    printf("%ld %ld %ld\n", lines, words, bytes);
    FILE *out = fopen("/out/counts.txt", "w");
    if (out) {
        fprintf(out, "%ld %ld %ld\n", lines, words, bytes);
        fclose(out);
    }
    return words == 0 ? 3 : 0;
}
