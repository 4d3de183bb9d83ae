"""Compare a pytest-benchmark JSON run against the committed CPU baseline.

Why a script and not ``--benchmark-compare``: pytest-benchmark files its saved runs under a
machine-specific folder, so a baseline committed from one box is not found on another. This
reads both JSON files directly and fails (exit 1) only on a clear slowdown: a case is SLOWER
when its median time exceeds the baseline median by more than ``--tolerance`` (a ratio,
default 1.5) *and* its fastest round exceeds the baseline's fastest by as much, so one noisy
round never fails CI. Peak memory (``extra_info.peak_memory_bytes``) fails on its ratio alone.

A case that looks slower is only a suspect: a busy CI box can slow one small case by 1.6x for a
whole run (seen: a 80 ms DARTS forward at 130 ms, every other case at x1.0). ``--slower-out F``
writes the suspects' pytest node ids to F; ``.ci/gate`` re-runs just those and passes the
re-run as a second ``current`` file. With several ``current`` files each case keeps its faster
run (lower median), so a case fails only when it is slower in every run.

``--normalize`` divides every time ratio by the machine factor (the median of all cases' time
ratios): a box that is uniformly slower or busier than the baseline's does not fail, a case
that got slower relative to the others does. The factor is always printed, and
``--max-machine-factor F`` fails when it exceeds F (everything slower at once: a wholesale
regression, or a machine too slow to compare with this baseline). CI (``.ci/gate``) normalizes
with F = 3.0, because its machine is not the one that recorded the baseline.

    python benchmarks/compare.py benchmarks/baselines/cpu.json run.json
    python benchmarks/compare.py --normalize benchmarks/baselines/cpu.json run.json
    python benchmarks/compare.py --normalize baseline.json run.json rerun.json  # best run per case
    python benchmarks/compare.py --update benchmarks/baselines/cpu.json run.json   # new baseline
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

MEMORY = " [memory]"


def case_name(fullname: str) -> str:
    """``benchmarks/bench_x.py::test[a]`` -> ``bench_x.py::test[a]``: the same case whatever
    directory pytest ran from (a copy of ``benchmarks/`` elsewhere names its cases alike)."""
    file, sep, rest = fullname.partition("::")
    return Path(file).name + sep + rest


def load(path: Path) -> dict[str, tuple[float, float]]:
    """Per case: (median, min) seconds over its rounds; ``<case> [memory]``: (bytes, bytes)."""
    data = json.loads(path.read_text())
    values = {}
    for case in data.get("benchmarks", []):
        stats, name = case["stats"], case_name(case["fullname"])
        values[name] = (float(stats["median"]), float(stats.get("min", stats["median"])))
        memory = case.get("extra_info", {}).get("peak_memory_bytes")
        if memory:
            values[name + MEMORY] = (float(memory), float(memory))
    return values


def best_of(runs: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """Per case, the run with the lower median (its own fastest round kept with it): a case
    re-run after looking slower keeps the re-run only if that was faster."""
    best: dict[str, tuple[float, float]] = {}
    for run in runs:
        for name, pair in run.items():
            if name not in best or pair[0] < best[name][0]:
                best[name] = pair
    return best


def medians(path: Path) -> dict[str, float]:
    """Median seconds per case, plus ``<case> [memory]`` in bytes where the case recorded it."""
    return {name: pair[0] for name, pair in load(path).items()}


def _fmt(name: str, value: float) -> str:
    return f"{value / 2**20:10.1f} MiB" if name.endswith(MEMORY) else f"{value * 1e3:10.2f} ms"


def _ratio(now: float, base: float) -> float:
    return now / base if base > 0 else float("inf")


def machine_factor(baseline: dict[str, tuple[float, float]], current: dict[str, tuple[float, float]]) -> float:
    """Median over the timed cases in both runs of current / baseline median (1.0 when none)."""
    ratios = [_ratio(current[n][0], baseline[n][0]) for n in current if n in baseline and not n.endswith(MEMORY)]
    return statistics.median(ratios) if ratios else 1.0


def compare(
    baseline: dict[str, tuple[float, float]],
    current: dict[str, tuple[float, float]],
    tolerance: float,
    normalize: bool = False,
) -> tuple[list[str], bool]:
    factor = machine_factor(baseline, current)
    scale = factor if normalize else 1.0
    lines, ok = [f"machine factor (median time ratio over cases): x{factor:.2f}"], True
    slower_cases: list[str] = []
    width = max((len(n) for n in current), default=10)
    for name in sorted(current):
        now, fastest = current[name]
        if name not in baseline:
            lines.append(f"{name:<{width}}  {_fmt(name, now)}  (no baseline)")
            continue
        base, base_fastest = baseline[name]
        if name.endswith(MEMORY):
            ratio = _ratio(now, base)
            slower = ratio > tolerance
            detail = f"x{ratio:5.2f}"
        else:
            ratio, fast_ratio = _ratio(now, base) / scale, _ratio(fastest, base_fastest) / scale
            slower = ratio > tolerance and fast_ratio > tolerance
            detail = f"x{ratio:5.2f} (fastest x{fast_ratio:5.2f}){' normalized' if normalize else ''}"
        ok &= not slower
        if slower:
            slower_cases.append(name)
        verdict = "SLOWER" if slower else "ok"
        lines.append(f"{name:<{width}}  {_fmt(name, now)}  baseline {_fmt(name, base)}  {detail}  {verdict}")
    for name in sorted(set(baseline) - set(current)):
        lines.append(f"{name:<{width}}  not run (in baseline)")
    return lines, ok, slower_cases


def node_id(case: str, bench_dir: str = "benchmarks") -> str:
    """``bench_x.py::test[a] [memory]`` -> ``benchmarks/bench_x.py::test[a]`` (what pytest re-runs)."""
    return f"{bench_dir}/{case.removesuffix(MEMORY)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("current", type=Path, nargs="+", help="one run, or a run and its re-runs")
    parser.add_argument("--tolerance", type=float, default=1.5, help="max ratio current/baseline")
    parser.add_argument("--normalize", action="store_true", help="divide time ratios by the machine factor")
    parser.add_argument(
        "--max-machine-factor", type=float, default=None, help="fail when the machine factor exceeds this"
    )
    parser.add_argument("--update", action="store_true", help="copy current over the baseline")
    parser.add_argument("--slower-out", type=Path, default=None, help="write the slower cases' node ids here")
    parser.add_argument("--bench-dir", default="benchmarks", help="folder the node ids in --slower-out start with")
    args = parser.parse_args(argv)
    if args.update:
        shutil.copyfile(args.current[0], args.baseline)
        print(f"baseline {args.baseline} updated from {args.current[0]}")
        return 0
    for path in (args.baseline, *args.current):
        if not path.is_file():
            print(f"no benchmark JSON at {path}" + (" (record one with --update)" if path == args.baseline else ""))
            return 2
    try:
        baseline, current = load(args.baseline), best_of([load(path) for path in args.current])
    except (ValueError, KeyError, TypeError) as exc:
        print(f"not a pytest-benchmark JSON file: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if not set(current) & set(baseline):
        print(f"no case of {args.current[0]} is in the baseline {args.baseline}: nothing to compare", file=sys.stderr)
        return 2
    lines, ok, slower_cases = compare(baseline, current, args.tolerance, args.normalize)
    factor = machine_factor(baseline, current)
    if args.max_machine_factor is not None and factor > args.max_machine_factor:
        lines.append(f"machine factor x{factor:.2f} > {args.max_machine_factor:g}: every case is slower at once")
        ok = False
    if args.slower_out is not None:
        ids = dict.fromkeys(node_id(case, args.bench_dir) for case in slower_cases)
        args.slower_out.write_text("".join(f"{i}\n" for i in ids))
    print("\n".join(lines))
    print("all within tolerance" if ok else f"some cases are more than {args.tolerance}x slower than the baseline")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
