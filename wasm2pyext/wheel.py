"""A Wasm module as an installable wheel (PEP 427): the built extension as the package's
__init__, its type stubs and a py.typed marker. The wheel is tagged for the interpreter
it was built for and, on Linux with glibc, manylinux (PEP 600) for the oldest glibc its
extensions run on, as PyPI requires; it needs nothing at run time."""
from __future__ import annotations

import base64
import hashlib
import platform as host
import re
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from typing import Optional

from . import __version__, elf
from .build import BuildOptions, build_extension, front_end
from .stubs import generate_stub
from .toolchain import ext_suffix

_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*([._-]?(a|b|rc|post|dev)[0-9]*)*(\+[A-Za-z0-9.]+)?$")


def wheel_tags(abi3: bool = False) -> tuple[str, str, str]:
    """(python, abi, platform) of this interpreter, e.g. ("cp311", "cp311", "linux_x86_64");
    for a stable-ABI build ("cp311", "abi3", ...): any CPython from 3.11 on."""
    python = "cp311" if abi3 else f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = "abi3" if abi3 else python + getattr(sys, "abiflags", "")
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return python, abi, platform


# The system libraries a manylinux wheel may need (of the manylinux policies' lists, the
# ones C code links with); versions of glibc's symbols come from these.
MANYLINUX_LIBRARIES = frozenset({"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                                 "libgcc_s.so.1"})
_GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(\.\d+)?$")
# The oldest glibc a manylinux tag of the architecture names (manylinux1 on x86, 2014 else).
_OLDEST_GLIBC = {"x86_64": (2, 5), "i686": (2, 5)}


def platform_tag(extensions: list[bytes], platform: str) -> str:
    """The platform tag of a wheel of these extensions, built on `platform` ("linux_x86_64"
    ...): manylinux_2_Y_ARCH when they need only libraries of MANYLINUX_LIBRARIES and this
    is a glibc system, Y the newest glibc symbol version any requires (as auditwheel
    decides it); else `platform` itself (musl, another system library, another OS)."""
    if not platform.startswith("linux_") or host.libc_ver()[0] != "glibc":
        return platform
    arch = platform[len("linux_"):]
    newest = _OLDEST_GLIBC.get(arch, (2, 17))
    for data in extensions:
        needed = elf.needs(data)
        if not set(needed.libraries) <= MANYLINUX_LIBRARIES:
            return platform
        for version in set().union(*needed.versions.values()):
            found = _GLIBC_VERSION.match(version)
            if version.startswith("GLIBC_") and not found:  # GLIBC_PRIVATE
                return platform
            if found:
                newest = max(newest, (int(found.group(1)), int(found.group(2))))
    return f"manylinux_{newest[0]}_{newest[1]}_{arch}"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _metadata(distribution: str, version: str, summary: str, abi3: bool) -> str:
    requires = ">=3.11" if abi3 else f"=={sys.version_info.major}.{sys.version_info.minor}.*"
    return (f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\nSummary: {summary}\n"
            f"Requires-Python: {requires}\n")


def normalized_distribution(name: str) -> str:
    """The distribution name as wheel file names spell it (PEP 427 / PEP 503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def build_wheel(wasm: bytes, name: str, version: str, dist_dir: Path, options: Optional[BuildOptions] = None,
                summary: Optional[str] = None) -> Path:
    """Writes DIST/NAME-VERSION-TAGS.whl holding package `name` and returns its path."""
    return write_wheel(name, version, {name: wasm}, dist_dir, options, summary)


def write_wheel(distribution: str, version: str, modules: dict[str, bytes], dist_dir: Path,
                options: Optional[BuildOptions] = None, summary: Optional[str] = None) -> Path:
    """A wheel of distribution `distribution` holding one package per module (import name
    -> Wasm bytes); returns its path."""
    for name in modules:
        if not name.isidentifier() or not name.isascii():
            raise ValueError(f"module name {name!r} must be a Python identifier (it is the import name)")
    if not _VERSION.match(version):
        raise ValueError(f"{version!r} is not a valid version")
    abi3 = bool(options and options.abi3)
    dist_name = normalized_distribution(distribution)
    dist_info = f"{dist_name}-{version}.dist-info"
    summary = summary or f"WebAssembly compiled by wasm2pyext: {', '.join(modules)}"
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="w2p-wheel-") as tmp:
        for name, wasm in modules.items():
            module = front_end(wasm)
            # The extension is the package's __init__: `import NAME` loads it, and the
            # package can carry py.typed (PEP 561) beside the stubs.
            ext = build_extension(wasm, name, Path(tmp) / name / f"__init__{ext_suffix(abi3)}", options)
            files[f"{name}/__init__{ext_suffix(abi3)}"] = ext.read_bytes()
            files[f"{name}/__init__.pyi"] = generate_stub(module, name).encode()
            files[f"{name}/py.typed"] = b""
    python, abi, platform = wheel_tags(abi3)
    extensions = [data for path, data in files.items() if path.endswith(ext_suffix(abi3))]
    tag = f"{python}-{abi}-{platform_tag(extensions, platform)}"
    files[f"{dist_info}/METADATA"] = _metadata(distribution, version, summary, abi3).encode()
    files[f"{dist_info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: wasm2pyext {__version__}\n"
                                   f"Root-Is-Purelib: false\nTag: {tag}\n").encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    dist_dir = Path(dist_dir)
    dist_dir.mkdir(parents=True, exist_ok=True)
    wheel_path = dist_dir / f"{dist_name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel_path, "w", zipfile.ZIP_DEFLATED) as whl:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible
            info.external_attr = (0o755 if path.endswith(ext_suffix(abi3)) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(info, data)
    return wheel_path
