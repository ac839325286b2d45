# The "Example" of the wasmer-python 0.x README; only the import line differs.
from wasm2pyext import Instance

wasm_bytes = open('simple.wasm', 'rb').read()
instance = Instance(wasm_bytes)
result = instance.exports.sum(5, 37)

print(result) # 42!
