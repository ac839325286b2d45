"""The README's example. Build the module first, beside this file:

    wasm2pyext build examples/simple.wasm
    python examples/simple.py            # 42
"""
import simple  # examples/simple.<ext suffix>, which needs nothing but the standard library

instance = simple.Instance()
print(instance.exports.sum(5, 37))
