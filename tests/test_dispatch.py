"""dispatch.Dispatch: the validator's and the code generator's handlers by instruction name."""
from __future__ import annotations

import pytest

from wasm2pyext.codegen import function
from wasm2pyext.dispatch import Dispatch
from wasm2pyext.opcodes import OPS


def test_a_handler_is_found_by_the_names_it_was_registered_for():
    table = Dispatch()

    @table.handles("block", "loop")
    def op_block():
        pass

    assert table["block"] is table["loop"] is op_block
    assert "if" in table.missing() and "block" not in table.missing()
    assert table.missing([op.name for op in OPS if op.name not in ("block", "loop")]) == []


def test_an_unknown_name_or_a_second_handler_is_refused():
    table = Dispatch()
    with pytest.raises(AssertionError, match="no instruction"):
        table.add(["i32.frobnicate"], print)
    table.add(["nop"], print)
    with pytest.raises(AssertionError, match="two handlers"):
        table.add(["nop"], repr)
    other = Dispatch()
    other.add(["nop"], repr)
    with pytest.raises(AssertionError, match="two handlers"):
        table.join(other)


def test_the_code_generator_has_an_emitter_for_every_instruction():
    assert not function._EMITTERS.missing()
    assert function._EMITTERS["i32.add"] is function._EMITTERS["f64.load"]  # the table's C expressions
