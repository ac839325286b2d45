"""The official wasi-testsuite (preview 1), run through wasm2pyext (see suite.py and RESULTS.md)."""
