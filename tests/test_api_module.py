"""Module(wasm_bytes): built once for its bytes and build options (the disk cache), and
in a process looked up again only when what the default options come from has changed."""
from __future__ import annotations

import os
import sysconfig

import wasm2pyext
from wasm2pyext import api, build

from wat import wat


def lookups(monkeypatch) -> list:
    """Each call Module makes to find its extension on disk (or build it)."""
    calls = []

    def counted(wasm, options=None):
        calls.append(options)
        return build.cached_extension(wasm, options)
    monkeypatch.setattr(api, "cached_extension", counted)
    return calls


def test_the_same_bytes_again_take_the_module_loaded_before(monkeypatch):
    wasm = wat('(module (func (export "f") (result i32) i32.const 7001))')
    calls = lookups(monkeypatch)
    first = wasm2pyext.Module(wasm)
    assert wasm2pyext.Module(bytes(bytearray(wasm))).extension is first.extension  # equal bytes, another object
    assert wasm2pyext.Instance(wasm).exports.f() == 7001
    assert len(calls) == 1


def test_changed_default_options_or_explicit_ones_look_the_module_up(monkeypatch):
    wasm = wat('(module (func (export "f") (result i32) i32.const 7002))')
    calls = lookups(monkeypatch)
    first = wasm2pyext.Module(wasm)
    # The same compiler spelt with a space more: the same build, so no compile here, but
    # the defaults' source has changed, which must be looked at again.
    before = os.environ.get("CC")
    cc = before or sysconfig.get_config_var("CC") or "cc"
    monkeypatch.setenv("CC", cc + " ")
    assert wasm2pyext.Module(wasm).extension is first.extension
    wasm2pyext.Module(wasm, options=build.BuildOptions())
    wasm2pyext.Module(wasm, options=build.BuildOptions())
    assert len(calls) == 4
    monkeypatch.setenv("CC", before) if before is not None else monkeypatch.delenv("CC")
    wasm2pyext.Module(wasm)
    assert len(calls) == 4  # the first call's defaults again: known
