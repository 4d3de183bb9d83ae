"""Compare a pytest-benchmark JSON run against the committed CPU baseline.

Why a script and not ``--benchmark-compare``: pytest-benchmark files its saved runs under a
machine-specific folder, so a baseline committed from one box is not found on another. This
reads both JSON files directly and fails (exit 1) when a case's median time, or its recorded
peak memory (``extra_info.peak_memory_bytes``), exceeds the baseline's by more than
``--tolerance`` (a ratio; CI boxes are noisy, so the default is 1.5).

    python benchmarks/compare.py benchmarks/baselines/cpu.json run.json
    python benchmarks/compare.py --update benchmarks/baselines/cpu.json run.json   # new baseline
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


def medians(path: Path) -> dict[str, float]:
    """Median seconds per case, plus ``<case> [memory]`` in bytes where the case recorded it."""
    data = json.loads(path.read_text())
    values = {}
    for case in data.get("benchmarks", []):
        values[case["fullname"]] = float(case["stats"]["median"])
        memory = case.get("extra_info", {}).get("peak_memory_bytes")
        if memory:
            values[case["fullname"] + " [memory]"] = float(memory)
    return values


def _fmt(name: str, value: float) -> str:
    return f"{value / 2**20:10.1f} MiB" if name.endswith("[memory]") else f"{value * 1e3:10.2f} ms"


def compare(baseline: dict[str, float], current: dict[str, float], tolerance: float) -> tuple[list[str], bool]:
    lines, ok = [], True
    width = max((len(n) for n in current), default=10)
    for name in sorted(current):
        now = current[name]
        if name not in baseline:
            lines.append(f"{name:<{width}}  {_fmt(name, now)}  (no baseline)")
            continue
        ratio = now / baseline[name] if baseline[name] > 0 else float("inf")
        verdict = "ok" if ratio <= tolerance else "SLOWER"
        ok &= ratio <= tolerance
        lines.append(
            f"{name:<{width}}  {_fmt(name, now)}  baseline {_fmt(name, baseline[name])}  x{ratio:5.2f}  {verdict}"
        )
    for name in sorted(set(baseline) - set(current)):
        lines.append(f"{name:<{width}}  not run (in baseline)")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("current", type=Path)
    parser.add_argument("--tolerance", type=float, default=1.5, help="max median ratio current/baseline")
    parser.add_argument("--update", action="store_true", help="copy current over the baseline")
    args = parser.parse_args(argv)
    if args.update:
        shutil.copyfile(args.current, args.baseline)
        print(f"baseline {args.baseline} updated from {args.current}")
        return 0
    if not args.baseline.is_file():
        print(f"no baseline at {args.baseline}; record one with --update", file=sys.stderr)
        return 2
    lines, ok = compare(medians(args.baseline), medians(args.current), args.tolerance)
    print("\n".join(lines))
    print("all within tolerance" if ok else f"some cases are more than {args.tolerance}x slower than the baseline")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
