/* The module the classic wasmer-python examples call "my_program.wasm".
   Rebuild: clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export=sum \
            -Wl,--export=return_string -o my_program.wasm my_program.c */

int sum(int x, int y)
{
    return x + y;
}

static const char greeting[] = "Hello, World!";

const char *return_string(void)
{
    return greeting;
}
