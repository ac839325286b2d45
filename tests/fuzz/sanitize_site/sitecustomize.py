"""On the path of the processes tests/fuzz/sanitize.py preloads the sanitizers into: the C
compiler they start must run without the preload. The build runs it under `ulimit -v`
(toolchain.ProcessLimits), and a sanitizer-preloaded process cannot map its shadow memory
within that limit ("ERROR: Failed to mmap"), so the limit's shell starts without it."""
import os

if os.environ.get("LD_PRELOAD"):
    from wasm2pyext import toolchain

    _wrap = toolchain.ProcessLimits.wrap

    def _wrap_without_preload(self, cmd):
        return ["env", "-u", "LD_PRELOAD", *_wrap(self, cmd)]

    toolchain.ProcessLimits.wrap = _wrap_without_preload
