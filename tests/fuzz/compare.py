"""How the differential fuzzer (tests/fuzz/diff.py) judges two traces of one module: what
must agree bit for bit, what may differ and why (compare and the functions it calls)."""
from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from typing import Any, Optional

from tests.fuzz.inputs import BITS

STACK = "call stack exhausted"


# ---- comparing ---------------------------------------------------------------------------

@dataclass
class Verdict:
    seed: int
    status: str            # "agree", "allowed", "skipped", "disagree"
    detail: str = ""
    calls: int = 0         # calls compared
    traps: list = field(default_factory=list)  # trap kinds seen (both agreeing)


def outcome_text(out: list) -> str:
    if out[0] == "ok":
        return "returned " + (", ".join(f"{t}:{show_value(t, v)}" for t, v in out[1]) or "nothing")
    if out[0] == "trap":
        return "trapped: " + (" / ".join(out[1]) if isinstance(out[1], list) else out[1])
    return out[1]


def show_value(ty: str, v: Any) -> str:
    """A value of a trace (bits, or whether a reference is null) or of a plan (None: null)."""
    if ty in BITS:
        return f"{v:#x}"
    return "null" if v in (True, None) else "non-null"


def _same_outcome(theirs: list, ours: list) -> bool:
    if theirs[0] != ours[0]:
        return False
    if theirs[0] == "trap":
        return ours[1] in theirs[1]
    return theirs[1] == ours[1]


def _stack_limit(theirs: list, ours: list) -> bool:
    """Either engine ran out of stack: the spec leaves the depth to the implementation, so
    the module stops being compared here: whether the other did too, and what memory and
    globals hold after it (a store at each level), depend on that depth."""
    return any(o[0] == "trap" and STACK in (o[1] if isinstance(o[1], list) else [o[1]])
               for o in (theirs, ours))


def _memory_difference(theirs: list, ours: list) -> str:
    if theirs[0] != ours[0]:
        return f"size {ours[0]} bytes, expected {theirs[0]}"
    a, b = zlib.decompress(base64.b64decode(theirs[2])), zlib.decompress(base64.b64decode(ours[2]))
    at = next(i for i in range(len(a)) if a[i] != b[i])
    count = sum(1 for x, y in zip(a, b) if x != y)
    lo = at - at % 16
    return (f"{count} bytes differ, first at {at:#x}: ours {b[lo:lo + 16].hex(' ')}, "
            f"expected {a[lo:lo + 16].hex(' ')} (from {lo:#x})")


def _state_difference(theirs: dict, ours: dict) -> Optional[str]:
    for kind in ("mem", "glob", "tab"):
        if set(theirs[kind]) != set(ours[kind]):
            return f"exported {kind} names differ: ours {sorted(ours[kind])}, expected {sorted(theirs[kind])}"
        for name in theirs[kind]:
            a, b = theirs[kind][name], ours[kind][name]
            if kind == "mem" and a[:2] != b[:2]:
                return f"memory {name!r}: {_memory_difference(a, b)}"
            if kind == "glob" and a != b:
                return f"global {name!r}: ours {a[0]}:{show_value(*b)}, expected {show_value(*a)}"
            if kind == "tab" and a != b:
                return f"table {name!r}: ours length {b[0]} nulls {b[1][:64]}, expected {a[0]} {a[1][:64]}"
    return None


def compare(seed: int, plan: list, theirs: list, ours: Any) -> Verdict:
    if isinstance(ours, dict):
        return Verdict(seed, "disagree", ours["died"])
    verdict = Verdict(seed, "agree")
    for r, (calls, a_round, b_round) in enumerate(zip(plan, theirs, ours)):
        a_inst, b_inst = a_round["inst"], b_round["inst"]
        if not _same_outcome(a_inst, b_inst):
            if _stack_limit(a_inst, b_inst):
                verdict.status, verdict.detail = "allowed", f"stack limit while instantiating (round {r})"
            else:
                verdict.status = "disagree"
                verdict.detail = (f"instantiation (round {r}): ours {outcome_text(b_inst)}; "
                                  f"wasmtime {outcome_text(a_inst)}")
            return verdict
        for i, (call, a, b) in enumerate(zip(calls, a_round["calls"], b_round["calls"])):
            where = f"round {r} call {i} {call[0]!r}({', '.join(f'{t}:{show_value(t, v)}' for t, v in call[1])})"
            if _stack_limit(a["out"], b["out"]):
                verdict.status, verdict.detail = "allowed", f"stack limit at {where}"
                return verdict
            if not _same_outcome(a["out"], b["out"]):
                verdict.status = "disagree"
                verdict.detail = f"{where}: ours {outcome_text(b['out'])}; wasmtime {outcome_text(a['out'])}"
                return verdict
            difference = _state_difference(a["state"], b["state"])
            if difference:
                verdict.status = "disagree"
                verdict.detail = f"after {where} ({outcome_text(b['out'])}): {difference}"
                return verdict
            verdict.calls += 1
            if b["out"][0] == "trap":
                verdict.traps.append(b["out"][1])
        if len(a_round["calls"]) != len(b_round["calls"]):
            verdict.status = "disagree"
            verdict.detail = f"round {r}: ours made {len(b_round['calls'])} calls, wasmtime {len(a_round['calls'])}"
            return verdict
    return verdict
