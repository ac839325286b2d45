"""The benchmark suite behind `python bench/run.py`, one module a concern.

Shared by every part: common (paths, the kernels and programs, logging, subprocesses),
install (the tools and peers a run needs), builds (each runtime's builds of the
kernels and programs, cached by content), runtimes (a Handle a runtime: how each calls
an export and reaches linear memory), timing (interleaved rounds, call loops, CPU
pinning), stats (medians, ratios, geomeans, paired differences), state (what a run
carries between its parts) and report (tables and RESULTS.md).

The parts, each a module with measure(suite): kernels, programs, calls (sum(5, 37)
from Python), hostcalls (Wasm calling Python), startup (a new interpreter to a first
result, and instantiation), buildtime, bigbuild (PyPI's QuickJS reactor), memory,
control (polls, threads, stopping a call), wasi and simd.
"""
