"""What a user sees when looking at a module: reprs, signatures, help() (issue 18)."""
from __future__ import annotations

import inspect

import wasm2pyext

from fresh import run_fresh
from wat import wat

MODULE = """(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1 2)
  (table (export "table") 2 funcref)
  (global (export "counter") (mut i64) (i64.const 0))
  (func $add (export "sum") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "pair") (param f64) (result f64 i32) (local.get 0) (i32.const 1))
  (func (export "nothing")))"""


def instance(names=True):
    return wasm2pyext.Instance(wat(MODULE, names=names), {"env": {"log": print}})


def test_a_function_repr_names_it_and_gives_its_type():
    ex = instance().exports
    assert repr(ex.sum) == "<wasm function 'add' (#1) [i32 i32] -> [i32]>"  # the name section's
    assert repr(instance(names=False).exports.sum) == "<wasm function 'sum' (#1) [i32 i32] -> [i32]>"


def test_a_host_function_repr_names_its_callable():
    ex = wasm2pyext.Instance(wat('(module (import "env" "log" (func (param i32))) (export "log" (func 0)))'),
                             {"env": {"log": print}}).exports
    assert repr(ex.log) == "<wasm function (host) <built-in function print> [i32] -> []>"


def test_signatures_give_wasm_types():
    ex = instance().exports
    assert str(inspect.signature(ex.sum)) == "(a0: 'i32', a1: 'i32', /) -> 'i32'"
    assert str(inspect.signature(ex.pair)) == "(a0: 'f64', /) -> 'tuple[f64, i32]'"
    assert str(inspect.signature(ex.nothing)) == "() -> None"


def test_help_of_the_instance_class_lists_exports_and_imports():
    doc = type(instance()).__doc__
    assert "    sum(i32, i32) -> i32" in doc
    assert "    pair(f64) -> (f64, i32)" in doc
    assert "    nothing() -> None" in doc
    assert "    memory: memory of 1..2 pages" in doc
    assert "    counter: global mut i64" in doc
    assert "    table: table of 2.. funcref" in doc
    assert "    env log(i32) -> None" in doc


NAMED = """(module
  (func (export "add") (param $left i32) (param $right i32) (result i32)
    (i32.add (local.get $left) (local.get $right)))
  (func (export "mixed") (param $class i64) (param $self f32) (param $a-b f64) (param $a3 i32) (param i32)
    (local $later i32))
  (func (export "clash") (param $a1 i32) (param i32))
  (func (export "plain") (param i32)))"""


def test_parameters_take_their_names_from_the_name_section(tmp_path):
    from wasm2pyext.build import BuildOptions, build_extension
    from wasm2pyext.toolchain import ext_suffix

    wasm = wat(NAMED)
    path = build_extension(wasm, "named", tmp_path / f"named{ext_suffix()}", BuildOptions(stubs=True))
    done = run_fresh(f"""
        import inspect, pydoc, sys
        sys.path.insert(0, {str(tmp_path)!r})
        import named
        ex = named.Instance().exports
        for f in (ex.add, ex.mixed, ex.clash, ex.plain):
            print(inspect.signature(f))
        print(pydoc.render_doc(named.Instance, renderer=pydoc.plaintext))
        """)
    lines = done.splitlines()
    assert lines[:4] == [
        "(left: 'i32', right: 'i32', /) -> 'i32'",
        # keywords, self and what is no identifier fall back to a<index>; locals are no parameters
        "(a0: 'i64', a1: 'f32', a2: 'f64', a3: 'i32', a4: 'i32', /) -> None",
        "(a1: 'i32', a1_: 'i32', /) -> None",  # unique, the name section's name kept
        "(a0: 'i32', /) -> None",
    ]
    assert "add(left: i32, right: i32) -> i32" in done  # help(named.Instance)
    assert "plain(i32) -> None" in done
    stub = path.with_name("named.pyi").read_text()
    assert "    def add(self, left: int | Value, right: int | Value, /) -> int: ..." in stub
    assert "    def clash(self, a1: int | Value, p1: int | Value, /) -> None: ..." in stub


def test_a_name_section_cannot_put_code_into_the_c_or_the_python():
    """Names are bytes: any that is not a plain identifier is replaced, never escaped into
    a signature, a doc string or a stub."""
    from wasm2pyext.codegen.module import PARAM_FALLBACK
    from wasm2pyext.ir import Names

    hostile = ['x"); abort(); ("', "a\\", "a\nb", "a\0b", "*/", "def", "é", "x" * 65, "", "None", "self"]
    names = Names(locals={0: dict(enumerate(hostile + ["ok"]))})
    assert names.param_names(0, len(hostile) + 1, PARAM_FALLBACK) == \
        [f"a{i}" for i in range(len(hostile))] + ["ok"]
    assert names.param_names(0, 2, "a") is None  # no usable name: the runtime's own
    assert Names().param_names(0, 1, "a") is None
    assert Names(locals={0: {0: "a1", 1: "a1"}}).param_names(0, 3, "a") == ["a1", "a1_", "a2"]

    # In a module: the same bytes, as a name section holds them, in the built module.
    wasm = wat('(module (func (export "f") (param $aaaaaaa i32) (param $bbbb i32)))')
    wasm = wasm.replace(b"aaaaaaa", b'x")\n/*\0').replace(b"bbbb", b"ok_2")
    from wasm2pyext.build import compile_to_c

    c = compile_to_c(wasm, "hostile")
    assert '"a0\\000ok_2"' in c and 'x")' not in c
    instance = wasm2pyext.Instance(wasm)
    assert str(inspect.signature(instance.exports.f)) == "(a0: 'i32', ok_2: 'i32', /) -> None"
