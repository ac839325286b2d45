"""Linear memory through the Python API: typed views, the buffer, grow, and host memories."""
from __future__ import annotations

import gc
import struct

import pytest

import wasm2pyext
from wasm2pyext import Memory

from wat import wat

PAGE = 65536

MEM = wat(r"""
(module
  (memory (export "mem") 1 4)
  (data (i32.const 16) "\01\02\03\04")
  (func (export "load8") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "load32") (param i32) (result i32) local.get 0 i32.load)
  (func (export "load64") (param i32) (result i64) local.get 0 i64.load)
  (func (export "loadf64") (param i32) (result f64) local.get 0 f64.load)
  (func (export "store32") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
""")

IMPORTED = wat(r"""
(module
  (import "env" "mem" (memory 1 3))
  (func (export "load32") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store32") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
""")

# view name, bytes per element, smallest and largest element, struct format
VIEWS = [
    ("uint8_view", 1, 0, 2**8 - 1, "<B"),
    ("int8_view", 1, -2**7, 2**7 - 1, "<b"),
    ("uint16_view", 2, 0, 2**16 - 1, "<H"),
    ("int16_view", 2, -2**15, 2**15 - 1, "<h"),
    ("uint32_view", 4, 0, 2**32 - 1, "<I"),
    ("int32_view", 4, -2**31, 2**31 - 1, "<i"),
    ("uint64_view", 8, 0, 2**64 - 1, "<Q"),
    ("int64_view", 8, -2**63, 2**63 - 1, "<q"),
]
FLOAT_VIEWS = [("float32_view", 4, "<f"), ("float64_view", 8, "<d")]
ALL_VIEWS = [(name, size) for name, size, *_ in VIEWS] + [(name, size) for name, size, _ in FLOAT_VIEWS]


@pytest.fixture
def instance():
    return wasm2pyext.Instance(MEM)


@pytest.fixture
def memory(instance):
    return instance.memory


def raw(memory, start, length) -> bytes:
    return bytes(memory.buffer[start:start + length])


# ---- the memory object ----

def test_instance_memory_is_the_exported_memory(instance):
    assert instance.memory is instance.exports.mem
    assert isinstance(instance.memory, Memory)


def test_instance_memory_of_a_module_without_exports():
    instance = wasm2pyext.Instance(wat("(module (memory 2))"))
    assert instance.memory.size == 2


def test_instance_memory_is_none_without_a_memory():
    assert wasm2pyext.Instance(wat("(module)")).memory is None


def test_size_and_data_size(memory):
    assert memory.size == 1
    assert memory.data_size == PAGE


def test_data_segment_is_visible(memory):
    assert memory.uint8_view(16)[0:4] == [1, 2, 3, 4]


# ---- views ----

@pytest.mark.parametrize("name, size", ALL_VIEWS)
def test_view_bytes_per_element_and_length(memory, name, size):
    view = getattr(memory, name)()
    assert view.bytes_per_element == size
    assert len(view) == PAGE // size


@pytest.mark.parametrize("name, size", ALL_VIEWS)
def test_view_length_with_an_offset(memory, name, size):
    assert len(getattr(memory, name)(offset=12)) == (PAGE - 12) // size


@pytest.mark.parametrize("name, size, low, high, fmt", VIEWS)
def test_view_stores_and_loads_the_element_range(memory, name, size, low, high, fmt):
    view = getattr(memory, name)(8)
    view[0], view[1] = low, high
    assert (view[0], view[1]) == (low, high)
    assert raw(memory, 8, 2 * size) == struct.pack(fmt, low) + struct.pack(fmt, high)


@pytest.mark.parametrize("name, size, low, high, fmt", VIEWS)
def test_view_out_of_range_value_is_an_overflow_error(memory, name, size, low, high, fmt):
    view = getattr(memory, name)()
    for value in (low - 1, high + 1):
        with pytest.raises(OverflowError):
            view[0] = value
    assert view[0] == 0


@pytest.mark.parametrize("name, size, fmt", FLOAT_VIEWS)
def test_float_views_store_and_load(memory, name, size, fmt):
    view = getattr(memory, name)(4)
    view[1] = 1.5
    view[2] = -2
    assert (view[1], view[2]) == (1.5, -2.0)
    assert raw(memory, 4 + size, size) == struct.pack(fmt, 1.5)


@pytest.mark.parametrize("name", ["float32_view", "float64_view"])
def test_float_view_rejects_non_numbers(memory, name):
    view = getattr(memory, name)()
    for value in ("1.5", None, b"1"):
        with pytest.raises(TypeError):
            view[0] = value
    assert view[0] == 0.0


@pytest.mark.parametrize("name", ["uint8_view", "int32_view", "uint64_view"])
def test_int_view_rejects_floats_and_strings(memory, name):
    view = getattr(memory, name)()
    for value in (1.0, "1", None):
        with pytest.raises(TypeError):
            view[0] = value


def test_float32_view_rounds_to_single_precision(memory):
    view = memory.float32_view()
    view[0] = 0.1
    assert view[0] == struct.unpack("<f", struct.pack("<f", 0.1))[0]


def test_view_offset_is_in_bytes(memory):
    memory.uint8_view()[0:8] = [1, 2, 3, 4, 5, 6, 7, 8]
    assert memory.uint8_view(3)[0] == 4
    assert memory.uint16_view(1)[0] == 0x0302
    assert memory.uint32_view(3)[1] == 8  # bytes 7..10
    assert memory.uint32_view(2)[0] == 0x06050403


def test_views_are_little_endian_and_share_memory(memory):
    u8 = memory.uint8_view()
    u8[0], u8[1], u8[2], u8[3] = 0b00000001, 0b00000100, 0b00010000, 0b01000000
    assert memory.int16_view()[0] == 0b00000100_00000001
    assert memory.int16_view()[1] == 0b01000000_00010000
    assert memory.int32_view()[0] == 0b01000000_00010000_00000100_00000001


def test_signed_and_unsigned_views_of_the_same_bytes(memory):
    memory.uint32_view()[0] = 0xFFFFFFFE
    assert memory.int32_view()[0] == -2
    assert memory.int8_view()[0] == -2
    assert memory.uint8_view()[0] == 0xFE
    assert memory.int64_view()[0] == 0xFFFFFFFE


def test_wasm_stores_are_seen_by_views(instance, memory):
    instance.exports.store32(100, -2)
    assert memory.uint32_view(100)[0] == 0xFFFFFFFE
    assert memory.int32_view(100)[0] == -2


def test_view_writes_are_seen_by_wasm(instance, memory):
    memory.int64_view(200)[0] = -3
    assert instance.exports.load64(200) == -3
    memory.float64_view(208)[0] = 2.5
    assert instance.exports.loadf64(208) == 2.5


def test_negative_index_counts_from_the_end(memory):
    view = memory.uint16_view()
    view[-1] = 0xBEEF
    assert view[len(view) - 1] == 0xBEEF
    assert raw(memory, PAGE - 2, 2) == b"\xef\xbe"


@pytest.mark.parametrize("name, size", ALL_VIEWS)
def test_index_outside_the_memory_is_an_index_error(memory, name, size):
    view = getattr(memory, name)()
    with pytest.raises(IndexError):
        view[len(view)]
    with pytest.raises(IndexError):
        view[-len(view) - 1]
    with pytest.raises(IndexError):
        view[len(view)] = 0
    for huge in (2**64, -2**64, 2**200):  # past any C index type: still out of range
        with pytest.raises(IndexError):
            view[huge]
        with pytest.raises(IndexError):
            view[huge] = 0
    with pytest.raises(TypeError):
        view[1.0]


def test_view_past_the_end_is_empty(memory):
    view = memory.uint32_view(PAGE - 2)
    assert len(view) == 0
    with pytest.raises(IndexError):
        view[0]


def test_slice_get_is_a_list(memory):
    view = memory.uint8_view(16)
    assert view[0:4] == [1, 2, 3, 4]
    assert view[0:4:2] == [1, 3]
    assert view[3:1:-1] == [4, 3]
    assert view[1:1] == []
    assert view[-2**70:4] == [1, 2, 3, 4]  # bounds past any C index type are clipped
    assert view[2**70:] == []
    with pytest.raises(ValueError):
        view[0:4:0]


def test_slice_set_writes_the_elements(memory):
    view = memory.int16_view(32)
    view[1:4] = [-1, 2, -3]
    assert view[0:5] == [0, -1, 2, -3, 0]


def test_slice_set_takes_any_iterable(memory):
    view = memory.uint8_view()
    view[0:3] = range(7, 10)
    assert view[0:4] == [7, 8, 9, 0]


def test_slice_set_of_another_length_is_an_error_and_writes_nothing(memory):
    view = memory.uint8_view()
    with pytest.raises(ValueError):
        view[0:3] = [1, 2]
    with pytest.raises(ValueError):
        view[0:2] = [1, 2, 3]
    assert view[0:3] == [0, 0, 0]


def test_slice_set_out_of_range_value_is_an_overflow_error_and_writes_nothing(memory):
    view = memory.uint8_view()
    with pytest.raises(OverflowError):
        view[0:3] = [1, 2, 256]
    assert view[0:3] == [0, 0, 0]


def test_slice_set_of_a_wrong_type_is_a_type_error_and_writes_nothing(memory):
    view = memory.int32_view()
    with pytest.raises(TypeError):
        view[0:2] = [1, 2.5]
    assert view[0:2] == [0, 0]


def test_slice_set_from_bytes_copies_them(memory):
    view = memory.uint8_view(100)
    view[0:4] = b"\x01\x02\xfe\xff"
    view[4:6] = bytearray(b"\x07\x08")
    assert view[0:7] == [1, 2, 254, 255, 7, 8, 0]
    view[5:3:-1] = b"\x09\x0a"  # a step other than 1 takes the general path
    assert view[3:6] == [255, 10, 9]
    with pytest.raises(ValueError):
        view[0:3] = b"\x01\x02"
    assert view[0:3] == [1, 2, 254]


def test_slice_set_from_bytes_into_a_signed_view_checks_each_value(memory):
    view = memory.int8_view(100)
    with pytest.raises(OverflowError):
        view[0:2] = b"\x01\x80"
    assert view[0:2] == [0, 0]
    view[0:2] = b"\x01\x7f"
    assert view[0:2] == [1, 127]


def test_slices_of_wide_views_with_steps(memory):
    view = memory.uint32_view(64)
    view[0:6:2] = [0xFFFFFFFF, 1, 2**31]
    assert view[0:6] == [0xFFFFFFFF, 0, 1, 0, 2**31, 0]
    assert view[4::-2] == [2**31, 1, 0xFFFFFFFF]
    with pytest.raises(OverflowError):
        view[0:1] = [2**32]
    with pytest.raises(OverflowError):
        view[0:1] = [-1]


def test_non_int_index_is_a_type_error(memory):
    with pytest.raises(TypeError):
        memory.uint8_view()["0"]


# ---- the buffer ----

def test_buffer_is_a_writable_memoryview_of_the_whole_memory(memory):
    buffer = memory.buffer
    assert isinstance(buffer, memoryview)
    assert not buffer.readonly
    assert buffer.nbytes == memory.data_size


def test_buffer_shares_memory_with_views_and_wasm(instance, memory):
    buffer = memory.buffer
    buffer[40:44] = b"\x01\x00\x00\x80"
    assert memory.uint32_view(40)[0] == 0x80000001
    assert instance.exports.load32(40) == -0x7FFFFFFF
    memory.uint8_view()[48] = 0x55
    assert buffer[48] == 0x55


def test_buffer_is_zero_copy_for_numpy(memory):
    numpy = pytest.importorskip("numpy")
    array = numpy.frombuffer(memory.buffer, dtype=numpy.uint32)
    memory.uint32_view()[5] = 77
    assert array[5] == 77


# ---- grow ----

def test_grow_returns_the_previous_size(memory):
    assert memory.grow(1) == 1
    assert memory.grow(2) == 2
    assert (memory.size, memory.data_size) == (4, 4 * PAGE)


def test_grow_by_zero_returns_the_size(memory):
    assert memory.grow(0) == 1
    assert memory.size == 1


def test_existing_views_see_the_grown_memory(memory):
    view = memory.uint32_view()
    memory.grow(1)
    assert len(view) == 2 * PAGE // 4
    view[len(view) - 1] = 9
    assert memory.uint32_view()[-1] == 9


def test_grow_is_seen_by_wasm(instance, memory):
    memory.grow(2)
    assert instance.exports.size() == 3
    instance.exports.store32(3 * PAGE - 4, 5)
    assert memory.int32_view()[-1] == 5


def test_wasm_grow_is_seen_by_views(instance, memory):
    view = memory.uint8_view()
    assert instance.exports.grow(1) == 1
    assert memory.size == 2
    assert len(view) == 2 * PAGE


def test_old_buffer_stays_valid_after_grow(memory):
    buffer = memory.buffer
    memory.grow(3)
    buffer[0] = 17
    assert memory.uint8_view()[0] == 17
    assert len(buffer) == PAGE
    assert len(memory.buffer) == 4 * PAGE


def test_contents_survive_grow(instance, memory):
    instance.exports.store32(1000, 123456)
    memory.grow(1)
    assert memory.int32_view(1000)[0] == 123456
    assert memory.uint8_view(16)[0:4] == [1, 2, 3, 4]


def test_grown_pages_are_zero(memory):
    memory.grow(1)
    assert set(memory.uint64_view(PAGE)[0:PAGE // 8]) == {0}


def test_grow_past_the_maximum_raises_and_keeps_the_size(memory):
    with pytest.raises(wasm2pyext.Error):
        memory.grow(4)
    assert memory.size == 1
    memory.grow(3)
    with pytest.raises(wasm2pyext.Error):
        memory.grow(1)
    assert memory.size == 4


def test_wasm_grow_past_the_maximum_returns_minus_one(instance):
    assert instance.exports.grow(4) == -1
    assert instance.exports.size() == 1


# ---- host memories ----

def test_host_memory_object():
    memory = Memory(1, 3)
    assert (memory.size, memory.data_size) == (1, PAGE)
    memory.uint8_view()[0] = 1
    assert memory.buffer[0] == 1


def test_host_memory_without_maximum_grows():
    memory = Memory(0)
    assert memory.size == 0 and len(memory.uint8_view()) == 0
    assert memory.grow(2) == 0
    assert memory.data_size == 2 * PAGE


def test_host_memory_grow_past_its_maximum_raises():
    memory = Memory(1, 2)
    memory.grow(1)
    with pytest.raises(wasm2pyext.Error):
        memory.grow(1)


def test_imported_host_memory_is_shared_with_wasm():
    memory = Memory(1, 3)
    instance = wasm2pyext.Instance(IMPORTED, {"env": {"mem": memory}})
    assert instance.memory is memory
    memory.int32_view()[10] = -8
    assert instance.exports.load32(40) == -8
    instance.exports.store32(44, 31)
    assert memory.int32_view()[11] == 31


def test_imported_host_memory_grows_from_both_sides():
    memory = Memory(1, 3)
    instance = wasm2pyext.Instance(IMPORTED, {"env": {"mem": memory}})
    memory.grow(1)
    assert instance.exports.size() == 2
    assert instance.exports.grow(1) == 2
    assert memory.size == 3
    assert instance.exports.grow(1) == -1


def test_one_host_memory_imported_by_two_instances():
    memory = Memory(1, 3)
    a = wasm2pyext.Instance(IMPORTED, {"env": {"mem": memory}})
    b = wasm2pyext.Instance(IMPORTED, {"env": {"mem": memory}})
    a.exports.store32(0, 77)
    assert b.exports.load32(0) == 77


def test_view_outlives_its_instance_reference():
    view = wasm2pyext.Instance(MEM).memory.uint8_view(16)
    gc.collect()
    assert view[0:4] == [1, 2, 3, 4]


def test_buffer_outlives_its_memory_reference():
    buffer = wasm2pyext.Instance(MEM).memory.buffer
    gc.collect()
    assert bytes(buffer[16:20]) == b"\x01\x02\x03\x04"
    buffer[0] = 1


def test_memory_grow_while_a_buffer_is_exported(memory):
    buffer = memory.buffer
    assert memory.grow(1) == 1
    assert len(memory.buffer) == 2 * PAGE
    buffer.release()


GROW_IN_CALLEE = wat("""
(module
  (import "env" "grow_from_python" (func $host_grow))
  (memory (export "mem") 1 4)
  (func $grow (drop (memory.grow (i32.const 1))))
  (func (export "via_wasm") (result i32)
    (i32.store (i32.const 0) (i32.const 7))
    (call $grow)
    (i32.store (i32.const 65536) (i32.const 42))   ;; only in bounds after the call
    (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 65536))))
  (func (export "via_host") (result i32)
    (drop (i32.load (i32.const 0)))
    (call $host_grow)
    (i32.load (i32.const 131072))))
""")


def test_memory_grown_by_a_callee_is_usable_after_the_call():
    holder = {}
    inst = wasm2pyext.Instance(GROW_IN_CALLEE, {"env": {"grow_from_python": lambda: holder["mem"].grow(1)}})
    holder["mem"] = inst.exports.mem
    assert inst.exports.via_wasm() == 49
    assert inst.exports.mem.size == 2
    assert inst.exports.via_host() == 0  # the host grew it to 3 pages mid-function
    assert inst.exports.mem.size == 3
