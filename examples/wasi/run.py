"""Runs examples/wasi/wc.wasm (built from wc.c) from Python, its output captured."""
import io
import tempfile

import wasm2pyext

with tempfile.TemporaryDirectory() as out_dir:
    stdout = io.StringIO()
    config = wasm2pyext.WasiConfig(args=["wc"], env={"NAME": "Ada"}, stdin=b"one two\nthree\n",
                                   stdout=stdout, preopens={"/out": out_dir})
    code = wasm2pyext.run("wc.wasm", wasi=config)
    print(code, stdout.getvalue().split("\n"))
    print(open(f"{out_dir}/counts.txt").read(), end="")
