/* assert.h of our wasm32 libc: a failed assertion traps (no stderr to print to).
   Every build of the programs, native ones included, is made with -DNDEBUG. */
#undef assert
#ifdef NDEBUG
#define assert(cond) ((void)0)
#else
#define assert(cond) ((cond) ? (void)0 : __builtin_trap())
#endif
