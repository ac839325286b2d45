# The shared-buffer example of the wasmer-python 0.x README ("Each view shares the same
# memory buffer internally. Let's have some fun"); only the import line differs.
from wasm2pyext import Instance

instance = Instance(open('my_program.wasm', 'rb').read())

int8 = instance.memory.int8_view()
int16 = instance.memory.int16_view()
int32 = instance.memory.int32_view()

int8[0] = 0b00000001
int8[1] = 0b00000100
int8[2] = 0b00010000
int8[3] = 0b01000000

# Little-endian: the first byte is the least significant.
print(int16[0]) # 1025
print(int32[0]) # 1074791425
