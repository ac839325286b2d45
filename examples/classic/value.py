# "The Value class" of the wasmer-python 0.x README; only the import line differs.
from wasm2pyext import Value

# Integer on 32-bits.
value_i32 = Value.i32(7)

# Integer on 64-bits.
value_i64 = Value.i64(7)

# Float on 32-bits.
value_f32 = Value.f32(7.42)

# Float on 64-bits.
value_f64 = Value.f64(7.42)

print(repr(value_i32)) # I32(7)
print(repr(value_i64))
print(repr(value_f32))
print(repr(value_f64))
