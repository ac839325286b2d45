"""The decoder and validator against every binary module of the spec test suite.

- every `module` command's .wasm decodes and validates;
- every binary `assert_malformed` raises DecodeError, with the expected text in its reason;
- every binary `assert_invalid` decodes, then raises ValidationError with the expected text.

Run with `-s` to see the per-file counts.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from wasm2pyext.decode import decode
from wasm2pyext.errors import DecodeError, ValidationError
from wasm2pyext.validator import validate_module

from spec.script import spectest_dir

SPECTEST = spectest_dir()
JSON_DIR = SPECTEST / "json"

# Where the binary that wast2json wrote does not say what the .wast meant, we check for the
# error that binary really has. (file, line) -> the reason we expect instead.
DEVIATIONS: dict[tuple[str, int], str] = {
    # `(select (result) ...)` is written as an untyped `select` (0x1B), which has no result
    # arity to reject: with only one operand on the stack, it is a type mismatch.
    ("select", 324): "type mismatch",
}


def _spec_files() -> list[Path]:
    if not JSON_DIR.is_dir():
        return []
    return sorted(JSON_DIR.glob("*/*.json"))


def _matches(reason: str, expected: str) -> bool:
    # The reference interpreter's runner accepts a message that starts with the expected text.
    return reason.startswith(expected)


def check_file(path: Path) -> tuple[dict[str, list[int]], list[str]]:
    """Runs one file's binary front-end commands: counts per kind [passed, total], failures."""
    commands = json.loads(path.read_text())["commands"]
    counts = {"module": [0, 0], "malformed": [0, 0], "invalid": [0, 0]}
    failures = []

    def fail(cmd: dict, what: str) -> None:
        failures.append(f"{path.stem}:{cmd['line']} {cmd['type']}: {what}")

    for cmd in commands:
        kind = cmd["type"]
        if kind == "module":
            key = "module"
        elif kind in ("assert_malformed", "assert_invalid") and cmd["module_type"] == "binary":
            key = kind[len("assert_"):]
        else:
            continue
        counts[key][1] += 1
        expected = DEVIATIONS.get((path.stem, cmd["line"]), cmd.get("text", "success"))
        data = (path.parent / cmd["filename"]).read_bytes()
        try:
            module = decode(data)
        except DecodeError as e:
            if key == "malformed" and _matches(e.reason, expected):
                counts[key][0] += 1
            else:
                fail(cmd, f"DecodeError {e.reason!r}, expected {expected!r}")
            continue
        if key == "malformed":
            fail(cmd, f"decoded, expected DecodeError {expected!r}")
            continue
        try:
            validate_module(module)
        except ValidationError as e:
            if key == "invalid" and _matches(e.reason, expected):
                counts[key][0] += 1
            else:
                fail(cmd, f"ValidationError {e.reason!r}, expected {expected!r}")
            continue
        if key == "invalid":
            fail(cmd, f"validated, expected ValidationError {expected!r}")
        else:
            counts[key][0] += 1
    return counts, failures


@pytest.mark.skipif(not JSON_DIR.is_dir(), reason=f"spec test suite not found at {SPECTEST}")
@pytest.mark.parametrize("path", _spec_files(), ids=lambda p: p.stem)
def test_spec_file(path: Path) -> None:
    counts, failures = check_file(path)
    summary = ", ".join(f"{k} {ok}/{total}" for k, (ok, total) in counts.items() if total)
    print(f"{path.stem}: {summary}")
    assert not failures, "\n".join(failures)


def main() -> None:
    """Prints the totals (python tests/test_frontend_spec.py)."""
    totals = {"module": [0, 0], "malformed": [0, 0], "invalid": [0, 0]}
    for path in _spec_files():
        counts, failures = check_file(path)
        for k, (ok, total) in counts.items():
            totals[k][0] += ok
            totals[k][1] += total
        for f in failures:
            print(f)
    for k, (ok, total) in totals.items():
        print(f"{k}: {ok}/{total}")


if __name__ == "__main__":
    main()
