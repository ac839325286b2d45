/* A WASI command for the bench's fd_write figures: writes argv[1] MB of a fixed pattern
   to stdout, argv[2] bytes per write(2) (fd_write in Wasm; default 64 KB), and returns
   0 if every byte went out. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char chunk[64 * 1024];
    long mb = argc > 1 ? atol(argv[1]) : 16;
    size_t size = argc > 2 ? (size_t)atol(argv[2]) : sizeof chunk;
    if (size == 0 || size > sizeof chunk || (1 << 20) % size)
        return 2;
    for (size_t i = 0; i < size; i++)
        chunk[i] = (char)('a' + i % 26);
    for (long left = mb * ((1 << 20) / size); left > 0; left--) {
        size_t done = 0;
        while (done < size) {
            ssize_t n = write(1, chunk + done, size - done);
            if (n <= 0)
                return 1;
            done += (size_t)n;
        }
    }
    return 0;
}
