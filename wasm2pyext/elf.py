"""What an ELF shared object needs from the system: the libraries it names (DT_NEEDED) and
the symbol versions it requires of each (.gnu.version_r), read from its bytes. The wheel
writer tags a wheel manylinux by these, as auditwheel would."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SHT_DYNAMIC = 6
SHT_GNU_VERNEED = 0x6FFFFFFE
DT_NEEDED = 1


@dataclass
class Needs:
    libraries: list[str] = field(default_factory=list)
    versions: dict[str, set[str]] = field(default_factory=dict)  # library -> e.g. {"GLIBC_2.14"}


@dataclass(frozen=True)
class _Section:
    type: int
    offset: int
    size: int
    link: int
    info: int


def _string(data: bytes, at: int) -> str:
    return data[at:data.index(b"\0", at)].decode("ascii", "replace")


def needs(data: bytes) -> Needs:
    """The libraries and symbol versions an ELF shared object requires; ValueError if the
    bytes are not ELF."""
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ValueError("not an ELF file")
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    word, addr = "I", "Q" if wide else "I"
    shoff, = struct.unpack_from(order + addr, data, 0x28 if wide else 0x20)
    shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A if wide else 0x2E)
    header = order + (f"{word}{word}{addr}{addr}{addr}{addr}{word}{word}{addr}{addr}")
    sections = []
    for i in range(shnum):
        _, type_, _, _, offset, size, link, info, _, _ = struct.unpack_from(header, data, shoff + i * shentsize)
        sections.append(_Section(type_, offset, size, link, info))

    result = Needs()
    for s in sections:
        strings = sections[s.link] if s.link < len(sections) else None
        if strings is None:
            continue
        text = data[strings.offset:strings.offset + strings.size]
        if s.type == SHT_DYNAMIC:
            entry = order + ("qQ" if wide else "iI")
            for at in range(s.offset, s.offset + s.size, struct.calcsize(entry)):
                tag, value = struct.unpack_from(entry, data, at)
                if tag == DT_NEEDED:
                    result.libraries.append(_string(text, value))
        elif s.type == SHT_GNU_VERNEED:
            at = s.offset
            for _ in range(s.info):  # Verneed entries, each with its chain of Vernaux
                _, count, file, aux, next_ = struct.unpack_from(order + "HHIII", data, at)
                names = result.versions.setdefault(_string(text, file), set())
                here = at + aux
                for _ in range(count):
                    _, _, _, name, aux_next = struct.unpack_from(order + "IHHII", data, here)
                    names.add(_string(text, name))
                    here += aux_next
                at += next_
    return result
