"""Objects made with cls.__new__(cls), skipping __init__ (or made by the runtime only):
whatever is done with them raises, and never crashes the interpreter. Run in a fresh
interpreter, since a crash would take the test process with it."""
from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(r"""
    import sys
    sys.path.insert(0, {tests!r})
    import wasm2pyext
    from wat import wat

    rt = sys.modules[wasm2pyext.Trap.__module__]
    built = wasm2pyext.Module(wat('(module (memory 1) (func (export "f") (result i32) i32.const 1))'))
    classes = [c for c in vars(rt).values() if isinstance(c, type) and not issubclass(c, BaseException)]
    classes.append(built.extension.Instance)
    SKIP = {{"__init_subclass__", "__subclasshook__", "__class__", "__new__", "__init__", "__reduce_ex__",
            "__getstate__"}}

    def attempt(f, *args):
        try:
            f(*args)
        except Exception:
            pass

    tried = 0
    for cls in classes:
        try:
            obj = cls.__new__(cls)
        except TypeError:
            continue
        for op in (repr, str, len, iter, bool, hash, lambda o: o == o, lambda o: o[0], lambda o: o[-1],
                   lambda o: o[0:2], lambda o: o.__setitem__(0, 0), lambda o: o.__setitem__(slice(0, 2), b"ab"),
                   lambda o: o(), lambda o: o(1, 2), lambda o: "x" in o, lambda o: o.nothing):
            attempt(op, obj)
        try:
            names = dir(obj)
        except Exception:
            names = dir(cls)
        for name in names:
            if name in SKIP:
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if callable(value):
                for args in ((), (0,), (1, 2)):
                    attempt(value, *args)
        tried += 1
    print("tried", tried)
""")


def test_objects_never_initialised_raise_instead_of_crashing(tmp_path):
    tests = str(__import__("pathlib").Path(__file__).parent)
    proc = subprocess.run([sys.executable, "-c", PROGRAM.format(tests=tests)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.split()[-1]) >= 10
