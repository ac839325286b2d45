"""WASI preview 1 beyond the wasi-testsuite: the sandbox (every way out), stdio to Python
objects, args and env edge cases, proc_exit, poll_oneoff with clocks, sockets, binding
rules, and a C program compiled here (probe.c, clang --target=wasm32-wasi)."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import wasm2pyext
from wasm2pyext import LinkError, Trap, WasiConfig, WasiExit

from threads import run_in_thread
from wat import wat

HERE = Path(__file__).parent
REPO = HERE.parents[1]
ENOTCAPABLE, ELOOP, ENOENT, EFAULT, ENOTSOCK = 76, 32, 44, 21, 57


@pytest.fixture(scope="session")
def probe(tmp_path_factory) -> bytes:
    """probe.c as a WASI command (skipped where clang cannot target wasm32-wasi)."""
    clang = shutil.which("clang")
    if clang is None:
        pytest.skip("clang is not installed (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)")
    out = tmp_path_factory.mktemp("probe") / "probe.wasm"
    done = subprocess.run([clang, "--target=wasm32-wasi", "-O2", "-Wl,--strip-all", "-o", str(out),
                           str(HERE / "probe.c")], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"clang --target=wasm32-wasi cannot build probe.c (needs wasi-libc): {done.stderr[-500:]}")
    return out.read_bytes()


def run(probe: bytes, *args: str, **config) -> tuple[int, str]:
    """Runs `probe ARGS...` with stdout captured: (exit code, stdout)."""
    out = io.StringIO()
    code = wasm2pyext.run(probe, wasi=WasiConfig(args=["probe", *args], stdout=out, **config))
    return code, out.getvalue()


def errno_of(probe: bytes, *args: str, **config) -> int:
    code, out = run(probe, *args, **config)
    assert code == 0, out
    return int(out.split("errno ")[-1])


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """tmp/box (to be preopened) beside tmp/outside, with links every way."""
    (tmp_path / "outside").write_text("secret")
    box = tmp_path / "box"
    (box / "sub").mkdir(parents=True)
    (box / "file").write_text("data")
    os.symlink("/etc", box / "link_abs")
    os.symlink(tmp_path / "outside", box / "link_abs_file")
    os.symlink("../outside", box / "link_rel")
    os.symlink("sub", box / "link_in")
    os.symlink("../../outside", box / "sub" / "link_up")
    os.symlink("../file", box / "sub" / "link_ok")
    return box


ESCAPES = [
    ("open", "../outside"),
    ("open", "sub/../../outside"),
    ("open", "/etc/passwd"),
    ("open", "link_abs/passwd", "follow"),
    ("open", "link_abs_file", "follow"),
    ("open", "link_rel", "follow"),
    ("open", "link_in/link_up", "follow"),
    ("open", "sub/link_up", "follow"),
    ("stat", "link_rel"),
    ("stat", "../outside"),
    ("create", "../created"),
    ("create", "link_in/../../created"),
    ("mkdir", "../made"),
    ("mkdir", "/made"),
    ("unlink", "../outside"),
    ("symlink", "/etc", "evil"),
    ("rename", "file", "../moved"),
    ("link", "link_rel", "hard"),
    ("below", "sub", ".."),
    ("below", "sub", "../file"),
    ("below", "sub", "link_ok"),
]


@pytest.mark.parametrize("command", ESCAPES, ids=lambda c: " ".join(c))
def test_no_path_escapes_a_preopen(probe: bytes, box: Path, command: tuple[str, ...]) -> None:
    before = sorted(p.name for p in box.parent.iterdir())
    assert errno_of(probe, *command, preopens={"/": box}) == ENOTCAPABLE
    assert sorted(p.name for p in box.parent.iterdir()) == before
    assert (box.parent / "outside").read_text() == "secret"
    assert not (box / "evil").exists() and not (box / "hard").exists()


@pytest.mark.parametrize("command, expected", [
    (("open", "file"), 0),
    (("open", "sub/../file"), 0),
    (("open", "link_in/link_ok", "follow"), 0),
    (("open", "link_rel"), ELOOP),  # not followed: the link itself
    (("open", "missing"), ENOENT),
    (("stat", "sub/link_ok"), 0),
    (("readlink", "link_rel"), 0),  # reading a link's text leaves nothing
])
def test_paths_inside_a_preopen_resolve(probe: bytes, box: Path, command: tuple[str, ...], expected: int) -> None:
    assert errno_of(probe, *command, preopens={"/": box}) == expected


@pytest.mark.parametrize("command", [
    ("create", "new"), ("write", "file"), ("mkdir", "dir"), ("unlink", "file"), ("rmdir", "sub"),
    ("rename", "file", "moved"), ("symlink", "file", "alias"), ("link", "file", "hard"),
], ids=lambda c: " ".join(c))
def test_a_readonly_preopen_refuses_writes(probe: bytes, box: Path, command: tuple[str, ...]) -> None:
    before = sorted(str(p.relative_to(box)) for p in box.rglob("*"))
    assert errno_of(probe, *command, preopens={"/": box}, readonly=["/"]) == ENOTCAPABLE
    assert sorted(str(p.relative_to(box)) for p in box.rglob("*")) == before
    assert (box / "file").read_text() == "data"


def test_a_readonly_preopen_still_reads(probe: bytes, box: Path) -> None:
    assert run(probe, "cat", "file", preopens={"/": box}, readonly=["/"]) == (0, "data")
    assert errno_of(probe, "open", "file", preopens={"/": box}, readonly=["/"]) == 0


def test_writes_inside_a_preopen_happen(probe: bytes, box: Path) -> None:
    assert errno_of(probe, "mkdir", "made", preopens={"/": box}) == 0
    assert errno_of(probe, "rename", "file", "made/moved", preopens={"/": box}) == 0
    assert (box / "made" / "moved").read_text() == "data"


# ---- stdio ----

def test_stdout_and_stderr_to_python_objects(probe: bytes) -> None:
    out, err = io.StringIO(), io.BytesIO()
    code = wasm2pyext.run(probe, wasi=WasiConfig(args=["probe", "copy", "oops"], stdin=b"in\xc3\xa9put",
                                                 stdout=out, stderr=err))
    assert code == 0
    assert out.getvalue() == "in\u00e9put"  # a character split across reads decodes whole
    assert err.getvalue() == b"err: oops"


def test_stdout_to_a_callable_and_stdin_from_str(probe: bytes) -> None:
    chunks: list[bytes] = []
    code = wasm2pyext.run(probe, wasi=WasiConfig(args=["probe", "copy"], stdin="x" * 20, stdout=chunks.append))
    assert code == 0
    assert all(isinstance(c, bytes) for c in chunks) and b"".join(chunks) == b"x" * 20


def test_default_stdio_is_sys_stdout_at_each_write(probe: bytes, capsys) -> None:
    assert wasm2pyext.run(probe, ["echo", "captured"]) == 0
    assert "arg captured" in capsys.readouterr().out
    redirected = io.StringIO()
    with contextlib.redirect_stdout(redirected):
        assert wasm2pyext.run(probe, ["echo", "redirected"]) == 0
    assert "arg redirected" in redirected.getvalue()


def test_stdout_to_a_real_file(probe: bytes, tmp_path: Path) -> None:
    with open(tmp_path / "out.txt", "w") as f:
        f.write("before ")  # flushed before the guest writes to the fd
        assert wasm2pyext.run(probe, wasi=WasiConfig(args=["probe", "echo"], stdout=f)) == 0
    assert (tmp_path / "out.txt").read_text() == "before argc 2\narg probe\narg echo\n"


def test_an_exception_from_a_stream_reaches_the_caller(probe: bytes) -> None:
    def broken(data: bytes) -> None:
        raise ValueError("stream broke")

    with pytest.raises(ValueError, match="stream broke"):
        wasm2pyext.run(probe, wasi=WasiConfig(args=["probe", "echo"], stdout=broken))


# ---- args and env ----

def test_args_and_env_exactly_as_given(probe: bytes) -> None:
    code, out = run(probe, "echo", "", "two words", env={"A": "1", "EMPTY": ""})
    assert code == 0
    assert out.splitlines() == ["argc 4", "arg probe", "arg echo", "arg ", "arg two words", "env A=1", "env EMPTY="]


def test_no_args_at_all(probe: bytes) -> None:
    out = io.StringIO()
    assert wasm2pyext.run(probe, wasi=WasiConfig(args=[], stdout=out)) == 0
    assert out.getvalue() == "argc 0\n"


def test_non_ascii_args_and_env(probe: bytes) -> None:
    code, out = run(probe, "echo", "h\u00e9llo \u4e16\u754c", env={"CL\u00c9": "v\u00e2leur"})
    assert out.splitlines()[3:] == ["arg h\u00e9llo \u4e16\u754c", "env CL\u00c9=v\u00e2leur"]
    out = io.BytesIO()
    wasm2pyext.run(probe, wasi=WasiConfig(args=[b"probe", b"echo", b"\xff\xfe"], stdout=out))
    assert b"arg \xff\xfe\n" in out.getvalue()


def test_large_args_and_env(probe: bytes) -> None:
    args = [f"{i}:" + "a" * 1000 for i in range(500)]
    env = {f"V{i}": "b" * 2000 for i in range(300)}
    code, out = run(probe, "echo", *args, env=env)
    lines = out.splitlines()
    assert lines[0] == f"argc {len(args) + 2}"
    assert lines[3:3 + len(args)] == [f"arg {a}" for a in args]
    assert lines[3 + len(args):] == [f"env {k}={v}" for k, v in env.items()]


def test_bad_config_values_are_python_errors() -> None:
    with pytest.raises(ValueError):
        WasiConfig(env={"A=B": "1"})
    with pytest.raises(ValueError):
        WasiConfig(args=["a\0b"])
    with pytest.raises(TypeError):
        WasiConfig(args="probe")
    with pytest.raises(ValueError):
        WasiConfig(preopens={"/": "."}, readonly=["/other"])


# ---- proc_exit, clocks, random ----

def test_proc_exit_code(probe: bytes) -> None:
    assert run(probe, "exit", "7")[0] == 7
    instance = wasm2pyext.Instance(probe, wasi=WasiConfig(args=["probe", "exit", "3"]))
    with pytest.raises(WasiExit) as info:
        instance.exports._start()
    assert info.value.code == 3 and isinstance(info.value, wasm2pyext.Error)


NESTED = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "host" "callback" (func $callback))
  (memory (export "memory") 1)
  (func (export "outer") (result i32) (call $callback) (i32.const 1))
  (func (export "inner") (param i32) (call $exit (local.get 0))))
"""


def test_proc_exit_from_nested_host_calls() -> None:
    seen = []

    def callback() -> None:
        try:
            instance.exports.inner(42)
        except WasiExit as e:
            seen.append(e.code)
            raise

    instance = wasm2pyext.Instance(wat(NESTED), {"host": {"callback": callback}})
    with pytest.raises(WasiExit) as info:
        instance.exports.outer()
    assert info.value.code == 42 and seen == [42]
    with pytest.raises(WasiExit):
        instance.exports.inner(0)  # the instance stays usable


@pytest.mark.parametrize("mode", [(), ("abs",)])
def test_poll_oneoff_sleeps_on_a_clock(probe: bytes, mode: tuple[str, ...]) -> None:
    code, out = run(probe, "sleep", "20000000", *mode)
    first = out.splitlines()[0].split()
    fields = dict(zip(first[::2], first[1::2]))
    assert fields["events"] == "1" and fields["userdata"] == "42" and fields["type"] == "0"
    assert fields["error"] == "0" and int(fields["elapsed"]) >= 20_000_000
    assert out.endswith("errno 0\n")


def test_random_get(probe: bytes) -> None:
    a, b = run(probe, "random")[1], run(probe, "random")[1]
    assert a != b and a.endswith("errno 0\n")


# ---- sockets ----

def test_sock_recv_send_shutdown(probe: bytes) -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(b"hello")
        assert errno_of(probe, "sock", "3", sockets=[theirs]) == 0
        assert ours.recv(100) == b"HELLO"
        assert ours.recv(100) == b""  # the guest shut down its writing side


def test_sock_accept(probe: bytes) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        with client:
            assert errno_of(probe, "accept", "3", sockets=[server]) == 0
            assert client.recv(100) == b"hello"


def test_sock_calls_on_a_non_socket(probe: bytes) -> None:
    assert errno_of(probe, "notsock") == ENOTSOCK


# ---- binding ----

TWICE = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w1 (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w2 (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\18\\00\\00\\00\\03\\00\\00\\00ab\\n")
  (func (export "both") (result i32)
    (i32.add (call $w1 (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))
             (call $w2 (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8))))
  (func (export "bad_iovec") (result i32)
    (call $w1 (i32.const 1) (i32.const 65530) (i32.const 1) (i32.const 8)))
  (func (export "bad_result") (result i32)
    (call $w1 (i32.const 1) (i32.const 16) (i32.const 1) (i32.const -2))))
"""


def test_a_wasi_function_imported_twice() -> None:
    out = io.StringIO()
    instance = wasm2pyext.Instance(wat(TWICE), wasi=WasiConfig(stdout=out))
    assert instance.exports.both() == 0
    assert out.getvalue() == "ab\nab\n"


def test_bad_guest_pointers_are_efault() -> None:
    out = io.StringIO()
    instance = wasm2pyext.Instance(wat(TWICE), wasi=WasiConfig(stdout=out))
    assert instance.exports.bad_iovec() == EFAULT
    assert instance.exports.bad_result() == EFAULT
    assert out.getvalue() == ""


def test_imports_named_by_the_caller_win() -> None:
    calls = []
    instance = wasm2pyext.Instance(wat(TWICE), {"wasi_snapshot_preview1": {
        "fd_write": lambda *a: calls.append(a) or 5}})
    assert instance.exports.both() == 10 and len(calls) == 2


def test_a_mismatched_wasi_import_type_is_a_link_error() -> None:
    bad = '(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32))))'
    with pytest.raises(LinkError, match="incompatible import type"):
        wasm2pyext.Instance(wat(bad))
    unknown = '(module (import "wasi_snapshot_preview1" "no_such_call" (func)))'
    with pytest.raises(LinkError, match="unknown import"):
        wasm2pyext.Instance(wat(unknown))


REACTOR = """
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize") (drop (call $random (i32.const 0) (i32.const 4))) (global.set $ready (i32.const 1)))
  (func (export "ready") (result i32) (global.get $ready)))
"""


SEEK = """
(module
  (import "MODULE" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "seek") (param i64 i32) (result i32 i64)
    (call $seek (i32.const 0) (local.get 0) (local.get 1) (i32.const 8))
    (i64.load (i32.const 8))))
"""


@pytest.mark.parametrize("module, whence", [("wasi_snapshot_preview1", (0, 1, 2)), ("wasi_unstable", (2, 0, 1))])
def test_fd_seek_whence_in_both_namings(tmp_path: Path, module: str, whence: tuple[int, int, int]) -> None:
    """SET, CUR and END are 0, 1, 2 in preview 1 and 2, 0, 1 in wasi_unstable."""
    (tmp_path / "ten").write_bytes(b"0123456789")
    with open(tmp_path / "ten", "rb") as stdin:
        seek = wasm2pyext.Instance(wat(SEEK.replace("MODULE", module)), wasi=WasiConfig(stdin=stdin)).exports.seek
        set_, cur, end = whence
        assert seek(3, set_) == (0, 3)
        assert seek(2, cur) == (0, 5)
        assert seek(-1, end) == (0, 9)
        assert seek(-20, set_)[0] == 28  # EINVAL


def test_a_reexported_wasi_function_outlives_its_instance() -> None:
    text = TWICE.replace('(memory (export "memory") 1)', '(memory (export "memory") 1) (export "fd_write" (func $w2))')
    out = io.StringIO()
    fd_write = wasm2pyext.Instance(wat(text), wasi=WasiConfig(stdout=out)).exports.fd_write
    import gc
    gc.collect()
    assert fd_write(1, 16, 1, 8) == 0
    assert out.getvalue() == "ab\n"


def test_a_reactor_is_initialised_at_instantiation() -> None:
    assert wasm2pyext.Instance(wat(REACTOR)).exports.ready() == 1


DEEP = """
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\18\\00\\00\\00\\01\\00\\00\\00.")
  (func $deep (export "deep") (param i32) (result i32)
    (drop (call $time (i32.const 1) (i64.const 1) (i32.const 0)))
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $deep_write (export "deep_write") (param i32) (result i32)
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
    (i32.add (call $deep_write (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))
"""


@pytest.mark.parametrize("stack", [None, 256 * 1024], ids=["main thread", "256 KiB thread"])
@pytest.mark.parametrize("call, stdout", [("deep", None), ("deep_write", "file"), ("deep_write", "python")])
def test_wasi_calls_near_stack_exhaustion_trap_cleanly(call: str, stdout: str | None, stack: int | None) -> None:
    """A clock read, a write to a host fd and one to a Python stream, each at every depth
    down to the end of the stack: a trap, never a crash."""
    with open(os.devnull, "w") as devnull:
        out = {"file": devnull, "python": io.StringIO(), None: None}[stdout]
        instance = wasm2pyext.Instance(wat(DEEP), wasi=WasiConfig(stdout=out))
        function = getattr(instance.exports, call)
        if stack is None:
            with pytest.raises(Trap) as trap:
                function(0)
            error = trap.value
        else:
            _, error = run_in_thread(lambda: function(0), stack)
    assert isinstance(error, Trap) and error.kind == "call stack exhausted", error
    if stdout == "python":
        assert set(out.getvalue()) == {"."}


def test_the_module_level_api(probe: bytes) -> None:
    module = wasm2pyext.Module(probe)
    out = io.StringIO()
    instance = module.instantiate(wasi=WasiConfig(args=["p", "echo"], stdout=out))
    assert instance.exports._start() is None
    assert out.getvalue().startswith("argc 2\n")
    assert module.extension.WasiConfig is WasiConfig and module.extension.WasiExit is WasiExit


# ---- the command line ----

def test_the_command_line(probe: bytes, box: Path, tmp_path: Path) -> None:
    wasm = tmp_path / "probe.wasm"
    wasm.write_bytes(probe)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    base = [sys.executable, "-m", "wasm2pyext", "run", "--dir", f"{box}::/", "--env", "A=b c"]
    done = subprocess.run([*base, str(wasm), "echo", "--not-an-option"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["argc 3", "arg probe.wasm", "arg echo", "arg --not-an-option", "env A=b c"]
    done = subprocess.run([*base, str(wasm), "cat", "file"], capture_output=True, text=True, env=env)
    assert done.stdout == "data"
    done = subprocess.run([*base, str(wasm), "exit", "9"], capture_output=True, text=True, env=env)
    assert done.returncode == 9
