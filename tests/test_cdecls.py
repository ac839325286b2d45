"""The Cython declarations of the runtime are derived from its header and kept current."""
from wasm2pyext import cdecls
from wasm2pyext.resources import shim_dir


def test_committed_pxd_is_current():
    committed = (shim_dir() / cdecls.PXD).read_text()
    assert committed == cdecls.current(), "run: python -m wasm2pyext.cdecls"


def test_every_runtime_function_is_declared():
    text = cdecls.current()
    for name in ("w2p_invoke", "w2p_memory_grow", "w2p_table_init_from", "w2p_trap_unwind"):
        assert f" {name}(" in text
    assert "ctypedef struct w2p_module:" in text
    assert "enum: W2P_ABI_VERSION" in text


def test_generate_reads_struct_and_function_pointer_declarations():
    text = cdecls.generate("typedef struct s { int a; void (*f)(int x); } s;\nint g(s *p);\n")
    assert "ctypedef struct s:" in text
    assert "void (*f)(int x)" in text
    assert "int g(s *p)" in text
