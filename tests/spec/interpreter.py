"""Execute the commands of one spec script through the wasm2pyext API.

The API module is passed in (normally `wasm2pyext` itself), so the unit tests can drive the
interpreter with a stand-in.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from .results import one_line
from .script import Command, is_counted
from .values import (V128, WIDTH, HostRefs, NanPattern, Number, Ref, SpecValue, Unsupported, all_match,
                     format_actual, format_expected, format_tuple, parse_value, to_signed,
                     trap_kind_matches)

REQUIRED_API = ("Module", "Value", "Memory", "Global", "Table", "Function",
                "CompileError", "DecodeError", "ValidationError", "LinkError", "Trap")
EXHAUSTION = "call stack exhausted"
# Set (to anything): modules are built with explicit bounds checks instead of guard pages.
BOUNDS_CHECKS_ENV = "WASM2PYEXT_SPEC_BOUNDS_CHECKS"
# Set: every module is built with fuel (unlimited: the scripts never run out).
FUEL_ENV = "WASM2PYEXT_SPEC_FUEL"
# Set to a CPU: every module is built for it (BuildOptions.march) instead of this machine's.
MARCH_ENV = "WASM2PYEXT_SPEC_MARCH"
PRINT_FUNCTIONS = ("print", "print_i32", "print_i64", "print_f32", "print_f64",
                   "print_i32_f32", "print_f64_f64")


class ApiUnavailable(Exception):
    """wasm2pyext cannot be imported or lacks part of the API the driver uses."""


def load_api() -> ModuleType:
    try:
        import wasm2pyext
    except Exception as exc:  # a half-built package fails in many ways
        raise ApiUnavailable(f"import wasm2pyext failed: {type(exc).__name__}: {exc}") from exc
    missing = [name for name in REQUIRED_API if not hasattr(wasm2pyext, name)]
    if missing:
        raise ApiUnavailable(f"wasm2pyext lacks {', '.join(missing)}")
    return wasm2pyext


class Mismatch(Exception):
    """The implementation did something other than expected; the message says what it did."""


class Blocked(Exception):
    """The command cannot run because a module it needs failed to load."""


@dataclass(frozen=True)
class LoadFailure:
    """Stands in for an instance whose module command failed."""
    line: int
    reason: str


def _f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def spectest_module(api: ModuleType) -> dict[str, Any]:
    """The spec's `spectest` host module."""
    def ignore(*args: Any) -> None:
        return None

    Value = api.Value
    fields: dict[str, Any] = {name: ignore for name in PRINT_FUNCTIONS}
    fields.update(
        global_i32=api.Global(Value.i32(666)),
        global_i64=api.Global(Value.i64(666)),
        global_f32=api.Global(Value.f32_bits(_f32_bits(666.6))),
        global_f64=api.Global(Value.f64_bits(_f64_bits(666.6))),
        table=api.Table(10, 20),
        memory=api.Memory(1, 2),
    )
    return fields


# (command index, command, failure reason or None when it passed)
Outcome = tuple[int, Command, str | None]


class ScriptInterpreter:
    """The state of one script: its instances (current and named), the registered import
    namespaces, and its host references."""

    def __init__(self, api: ModuleType, directory: Path) -> None:
        self.api = api
        self.directory = directory
        self.refs = HostRefs()
        self.registry: dict[str, Any] = {"spectest": spectest_module(api)}
        self.failed_registrations: dict[str, str] = {}
        self.current: Any = None  # an Instance, a LoadFailure, or None before any module
        self.named: dict[str, Any] = {}
        self.handlers: dict[str, Callable[[Command], None]] = {
            "module": self.do_module,
            "action": self.do_action,
            "assert_return": self.do_assert_return,
            "assert_trap": self.do_assert_trap,
            "assert_exhaustion": self.do_assert_exhaustion,
            "assert_invalid": self.do_assert_invalid,
            "assert_malformed": self.do_assert_malformed,
            "assert_unlinkable": self.do_assert_unlinkable,
            "assert_uninstantiable": self.do_assert_uninstantiable,
        }

    # ---- the loop -----------------------------------------------------------------------

    def run(self, commands: list[Command]) -> Iterator[Outcome]:
        """Run every command; yield the outcome of each counted one."""
        for index, command in enumerate(commands):
            if command["type"] == "register":
                self.do_register(command)
            elif is_counted(command):
                yield index, command, self.run_counted(command)
            # else: a text-format case, which a binary-only implementation cannot run

    def run_counted(self, command: Command) -> str | None:
        """Run one command: None if it passed, else why not. Never raises an Exception."""
        handler = self.handlers.get(command["type"])
        if handler is None:
            return f"unknown command type {command['type']!r}"
        try:
            handler(command)
        except Blocked as blocked:
            return one_line(str(blocked))
        except Mismatch as mismatch:
            return one_line(f"expected {expectation(command)}; got {mismatch}")
        except Exception as exc:
            return one_line(f"expected {expectation(command)}; got {self.describe(exc)}")
        return None

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, self.api.Trap):
            return f"trap {getattr(exc, 'kind', None)!r}"
        return f"{type(exc).__name__}: {exc}"

    # ---- modules and instances ----------------------------------------------------------

    def compile(self, command: Command) -> Any:
        wasm = (self.directory / command["filename"]).read_bytes()
        options = {**({"bounds_checks": True} if os.environ.get(BOUNDS_CHECKS_ENV) else {}),
                   **({"fuel": True} if os.environ.get(FUEL_ENV) else {}),
                   **({"march": os.environ[MARCH_ENV]} if os.environ.get(MARCH_ENV) else {})}
        if options:
            from wasm2pyext.build import BuildOptions

            return self.api.Module(wasm, options=BuildOptions(**options))
        return self.api.Module(wasm)

    def instantiate(self, command: Command) -> Any:
        return self.compile(command).instantiate(dict(self.registry))

    def instance(self, name: str | None) -> Any:
        """The current instance, or the named one; Blocked if it failed to load."""
        if name is not None and name not in self.named:
            raise Blocked(f"no module named {name}")
        target = self.current if name is None else self.named[name]
        if target is None:
            raise Blocked("no module instantiated yet")
        if isinstance(target, LoadFailure):  # its own command reports the whole reason
            raise Blocked(f"module failed to load (line {target.line}): {one_line(target.reason, 100)}")
        return target

    def make_current(self, command: Command, instance: Any) -> None:
        self.current = instance
        if "name" in command:
            self.named[command["name"]] = instance

    def do_module(self, command: Command) -> None:
        try:
            self.make_current(command, self.instantiate(command))
        except Exception as exc:
            reason = self.describe(exc)
            if self.failed_registrations:
                names = ", ".join(sorted(self.failed_registrations))
                reason += f" (registered modules that failed to load: {names})"
            self.make_current(command, LoadFailure(command["line"], one_line(reason)))
            raise Mismatch(reason) from exc

    def do_register(self, command: Command) -> None:
        """Make an instance's exports importable under `as` (not counted, never fails)."""
        namespace = command["as"]
        try:
            self.registry[namespace] = self.instance(command.get("name")).exports
            self.failed_registrations.pop(namespace, None)
        except Exception as exc:
            self.registry.pop(namespace, None)
            self.failed_registrations[namespace] = self.describe(exc)

    # ---- actions ------------------------------------------------------------------------

    def argument(self, value: SpecValue) -> Any:
        Value = self.api.Value
        match value:
            case Number(type="i32" | "i64" as type_, bits=bits):
                return getattr(Value, type_)(to_signed(bits, WIDTH[type_]))
            case Number(type="f32", bits=bits):
                return Value.f32_bits(bits)
            case Number(type="f64", bits=bits):
                return Value.f64_bits(bits)
            case Ref(type="externref", host=host):
                return Value.externref(None if host is None else self.refs.get(host))
            case Ref(type="funcref", host=None):
                return Value.funcref(None)
            case V128(lanes=lanes) if not any(isinstance(lane, NanPattern) for lane in lanes):
                return Value.v128(value.bits)
        raise Unsupported(f"cannot pass {format_expected(value)} as an argument")

    def perform(self, action: Command) -> tuple[Any, ...]:
        """Invoke an export or read a global; the results as Values."""
        export = self.instance(action.get("module")).exports[action["field"]]
        if action["type"] == "get":
            return (export.typed_value,)
        args = [self.argument(parse_value(arg)) for arg in action["args"]]
        return tuple(export.call_values(*args))

    def expect_trap(self, attempt: Callable[[], str], text: str) -> None:
        """`attempt` must raise a Trap whose kind satisfies `text`; it returns what it did
        instead, for the report."""
        try:
            outcome = attempt()
        except self.api.Trap as trap:
            if trap_kind_matches(text, trap.kind):
                return
            raise Mismatch(f"trap {trap.kind!r}") from trap
        raise Mismatch(outcome)

    def results_of(self, action: Command) -> Callable[[], str]:
        return lambda: "results " + format_tuple(map(format_actual, self.perform(action)))

    def instantiation_of(self, command: Command) -> Callable[[], str]:
        def attempt() -> str:
            self.instantiate(command)
            return "an instance"
        return attempt

    # ---- the commands -------------------------------------------------------------------

    def do_action(self, command: Command) -> None:
        self.perform(command["action"])

    def do_assert_return(self, command: Command) -> None:
        expected = [parse_value(v) for v in command["expected"]]
        results = self.perform(command["action"])
        if not all_match(expected, results, self.refs):
            raise Mismatch(format_tuple(map(format_actual, results)))

    def do_assert_trap(self, command: Command) -> None:
        # The module form: instantiation itself must trap (its start function, say).
        if "filename" in command:
            self.expect_trap(self.instantiation_of(command), command["text"])
        else:
            self.expect_trap(self.results_of(command["action"]), command["text"])

    def do_assert_exhaustion(self, command: Command) -> None:
        self.expect_trap(self.results_of(command["action"]), EXHAUSTION)

    def do_assert_uninstantiable(self, command: Command) -> None:
        self.expect_trap(self.instantiation_of(command), command["text"])

    def do_assert_invalid(self, command: Command) -> None:
        self.expect_compile_error(command, self.api.ValidationError)

    def do_assert_malformed(self, command: Command) -> None:
        self.expect_compile_error(command, self.api.DecodeError)

    def expect_compile_error(self, command: Command, error: type[BaseException]) -> None:
        try:
            self.compile(command)
        except error:
            return
        raise Mismatch("a module (no error)")

    def do_assert_unlinkable(self, command: Command) -> None:
        module = self.compile(command)
        try:
            module.instantiate(dict(self.registry))
        except self.api.LinkError:
            return
        raise Mismatch("an instance")


def expectation(command: Command) -> str:
    """What a command expects, for failure reports."""
    kind, text = command["type"], command.get("text", "")
    if kind == "assert_return":
        try:
            return format_tuple(format_expected(parse_value(v)) for v in command["expected"])
        except (Unsupported, ValueError):
            return "results " + str(command["expected"])
    return {
        "module": "the module to load",
        "action": "no trap or error",
        "assert_trap": f"trap {text!r}",
        "assert_exhaustion": f"trap {EXHAUSTION!r}",
        "assert_uninstantiable": f"trap {text!r} at instantiation",
        "assert_invalid": f"ValidationError ({text})",
        "assert_malformed": f"DecodeError ({text})",
        "assert_unlinkable": f"LinkError ({text})",
    }.get(kind, kind)
