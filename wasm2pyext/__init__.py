"""wasm2pyext: WebAssembly modules as Python extension modules."""
