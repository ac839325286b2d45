# "The Instance class" of the wasmer-python 0.x README; only the import lines differ.
from wasm2pyext import Instance, Value

# Get the Wasm module as bytes.
wasm_bytes = open('my_program.wasm', 'rb').read()

# Instantiate the Wasm module.
instance = Instance(wasm_bytes)

# Call a function on it.
result = instance.exports.sum(1, 2)

print(result) # 3

print(instance.exports.sum(Value.i32(1), Value.i32(2)))

view = instance.memory.uint8_view()
