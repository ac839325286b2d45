"""The WebAssembly spec test suite, run against wasm2pyext (see runner.py and RESULTS.md)."""
