# "The *Array classes" of the wasmer-python 0.x README; only the import line differs.
from wasm2pyext import Instance

# Get the Wasm module as bytes.
wasm_bytes = open('my_program.wasm', 'rb').read()

# Instantiate the Wasm module.
instance = Instance(wasm_bytes)

# Call a function that returns a pointer to a string for instance.
pointer = instance.exports.return_string()

# Get the memory view, with the offset set to `pointer` (default is 0).
memory = instance.memory.uint8_view(pointer)

# Read the string pointed by the pointer.
nth = 0;
string = ''

while True:
    char = memory[nth]
    
    if char == 0:
        break

    string += chr(char)
    nth += 1

print(string) # Hello, World!

print(''.join(map(chr, memory[0:13]))) # Hello, World!

print(memory.bytes_per_element, len(memory) == instance.memory.data_size - pointer)
