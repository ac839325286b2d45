"""Derives the Cython declarations of the C runtime (shim/w2p_rt.pxd) from its header
(runtime_c/w2p_rt.h) with pycparser, so the runtime's API is written once.

    python -m wasm2pyext.cdecls          # rewrite shim/w2p_rt.pxd
    python -m wasm2pyext.cdecls --check  # exit 1 if it is out of date

tests/test_cdecls.py fails when the committed file is out of date.
"""
from __future__ import annotations

import re
import sys

from pycparser import c_ast, c_generator, c_parser

from .resources import runtime_dir, shim_dir

HEADER = "w2p_rt.h"
PXD = "w2p_rt.pxd"

# The standard types the header uses, for the parser (the header's #includes are not read).
_STD_TYPEDEFS = """
typedef unsigned char uint8_t; typedef unsigned int uint32_t; typedef unsigned long long uint64_t;
typedef long long int64_t; typedef unsigned long uintptr_t; typedef unsigned long size_t;
"""
_STD_CIMPORTS = "from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t, uintptr_t\n"
_STD_NAMES = {"uint8_t", "uint32_t", "uint64_t", "int64_t", "uintptr_t", "size_t"}

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_INT_DEFINE = re.compile(r"^#define\s+(\w+)\s+(-?\d+)\s*$", re.M)


def _strip(text: str) -> str:
    """The header without comments and preprocessor lines."""
    text = _COMMENT.sub(" ", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _cython_type_text(text: str) -> str:
    """C declaration text -> Cython: no struct/union/enum keywords before a type name,
    and f() rather than f(void)."""
    return re.sub(r"\b(struct|union|enum)\s+(?=\w)", "", text).replace("(void)", "()")


class _Writer:
    def __init__(self) -> None:
        self.gen = c_generator.CGenerator()
        self.lines: list[str] = []
        self.declared_structs: set[str] = set()

    def decl(self, node: c_ast.Node) -> str:
        return _cython_type_text(self.gen.visit(node)).strip()

    def members(self, decls) -> list[str]:
        return [f"        {self.decl(d)}" for d in decls]

    def typedef(self, node: c_ast.Typedef) -> None:
        inner = node.type.type
        if isinstance(inner, c_ast.Enum) and inner.values is not None:
            self.lines.append(f"    ctypedef enum {node.name}:")
            self.lines += [f"        {e.name}" for e in inner.values.enumerators]
        elif isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None:
            kind = "struct" if isinstance(inner, c_ast.Struct) else "union"
            self.lines.append(f"    ctypedef {kind} {node.name}:")
            self.lines += self.members(inner.decls)
        elif isinstance(inner, c_ast.Struct):
            # `typedef struct X X;` ahead of `struct X {...}`: a forward declaration.
            self.lines.append(f"    cdef struct {inner.name}")
            self.declared_structs.add(inner.name)
        else:
            text = self.decl(node)
            self.lines.append("    c" + text if text.startswith("typedef ") else f"    ctypedef {text}")

    def struct(self, node: c_ast.Struct) -> None:
        self.lines.append(f"    cdef struct {node.name}:")
        self.lines += self.members(node.decls)

    def function(self, node: c_ast.Decl) -> None:
        self.lines.append(f"    {self.decl(node)}")

    def variable(self, node: c_ast.Decl) -> None:
        # Inside `cdef extern from`, a declaration is extern already.
        self.lines.append(f"    {self.decl(node).removeprefix('extern ')}")


def generate(header_text: str) -> str:
    ast = c_parser.CParser().parse(_STD_TYPEDEFS + _strip(header_text), HEADER)
    writer = _Writer()
    # A macro defined on both sides of an #if is one constant to Cython (its value here
    # is the first side's, for the comment only).
    for name, value in dict(reversed(_INT_DEFINE.findall(header_text))).items():
        writer.lines.append(f"    enum: {name}  # = {value}")
    for node in ast.ext:
        if isinstance(node, c_ast.Typedef):
            if node.name in _STD_NAMES:
                continue
            writer.typedef(node)
        elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.Struct) and node.type.decls:
            writer.struct(node.type)
        elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl):
            writer.function(node)
        elif isinstance(node, c_ast.Decl) and node.storage == ["extern"]:
            writer.variable(node)
        else:
            raise ValueError(f"{HEADER}: cannot translate {type(node).__name__} {getattr(node, 'name', '')}")
    head = (f"# Generated from runtime_c/{HEADER} by wasm2pyext/cdecls.py: do not edit.\n"
            f"# Regenerate with: python -m wasm2pyext.cdecls\n\n{_STD_CIMPORTS}\n"
            f'cdef extern from "{HEADER}":\n')
    return head + "\n".join(writer.lines) + "\n"


def current() -> str:
    return generate((runtime_dir() / HEADER).read_text())


def main(argv: list[str]) -> int:
    target = shim_dir() / PXD
    text = current()
    if "--check" in argv:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is out of date: run python -m wasm2pyext.cdecls", file=sys.stderr)
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
