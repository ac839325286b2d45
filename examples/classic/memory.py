# "The Memory class" of the wasmer-python 0.x README; only the import line differs.
from wasm2pyext import Instance

instance = Instance(open('my_program.wasm', 'rb').read())

offset = 7
view = instance.memory.uint8_view(offset)

print(view[0])
