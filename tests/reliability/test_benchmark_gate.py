"""benchmarks/compare.py as CI runs it (--normalize): a case that got 3x slower fails, one noisy
round or a uniformly slower machine does not, and a run that matches no baseline case is an error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

COMPARE = Path(__file__).resolve().parents[2] / "benchmarks" / "compare.py"
BASE = {"a": [1.0] * 5, "b": [2.0] * 5, "c": [0.5] * 5, "d": [0.1] * 5}


def _write(path: Path, rounds: dict[str, list[float]], folder: str = "benchmarks") -> Path:
    cases = []
    for name, times in rounds.items():
        ordered = sorted(times)
        stats = {"median": ordered[len(ordered) // 2], "min": ordered[0], "rounds": len(times)}
        cases.append({"fullname": f"{folder}/bench_x.py::test_{name}", "stats": stats, "extra_info": {}})
    path.write_text(json.dumps({"benchmarks": cases}))
    return path


def _compare(
    tmp_path: Path, current: dict[str, list[float]], folder: str = "benchmarks", *reruns: dict, extra=()
) -> subprocess.CompletedProcess:
    base = _write(tmp_path / "base.json", BASE)
    runs = [_write(tmp_path / f"now{i}.json", run, folder) for i, run in enumerate((current, *reruns))]
    args = [sys.executable, str(COMPARE), "--normalize", "--max-machine-factor", "3.0", *extra, str(base)]
    args += [str(run) for run in runs]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_an_unchanged_run_passes(tmp_path):
    assert _compare(tmp_path, BASE).returncode == 0


def test_a_case_three_times_slower_fails_and_is_named(tmp_path):
    result = _compare(tmp_path, {**BASE, "b": [6.0] * 5})
    assert result.returncode == 1
    slower = [line for line in result.stdout.splitlines() if line.endswith("SLOWER")]
    assert len(slower) == 1 and "test_b" in slower[0]


def test_one_slow_round_is_noise_not_a_regression(tmp_path):
    """Median 1.0 x but one round 10x: the fastest round is as fast as the baseline's."""
    result = _compare(tmp_path, {**BASE, "a": [1.0, 1.0, 1.0, 10.0, 10.0]})
    assert result.returncode == 0, result.stdout


def test_a_uniformly_slower_machine_passes_when_normalized(tmp_path):
    result = _compare(tmp_path, {k: [2.0 * t for t in v] for k, v in BASE.items()})
    assert result.returncode == 0, result.stdout
    assert "machine factor (median time ratio over cases): x2.00" in result.stdout


def test_everything_four_times_slower_fails_on_the_machine_factor(tmp_path):
    result = _compare(tmp_path, {k: [4.0 * t for t in v] for k, v in BASE.items()})
    assert result.returncode == 1
    assert "every case is slower at once" in result.stdout


def test_cases_match_whatever_folder_pytest_ran_from(tmp_path):
    result = _compare(tmp_path, {**BASE, "b": [6.0] * 5}, folder="/tmp/copy/of/benchmarks")
    assert result.returncode == 1


def test_a_run_with_no_case_of_the_baseline_is_an_error(tmp_path):
    result = _compare(tmp_path, {"zzz": [1.0] * 5})
    assert result.returncode == 2
    assert "nothing to compare" in result.stderr


def test_the_slower_cases_are_written_as_node_ids_to_rerun(tmp_path):
    out = tmp_path / "slower.txt"
    result = _compare(tmp_path, {**BASE, "b": [6.0] * 5}, extra=("--slower-out", str(out)))
    assert result.returncode == 1
    assert out.read_text() == "benchmarks/bench_x.py::test_b\n"


def test_a_case_slower_in_one_run_but_not_in_its_rerun_passes(tmp_path):
    """CI's box once ran one 80 ms case at 130 ms for a whole run: the gate re-runs it."""
    result = _compare(tmp_path, {**BASE, "b": [6.0] * 5}, "benchmarks", {"b": [2.1] * 5})
    assert result.returncode == 0, result.stdout


def test_a_case_slower_in_its_rerun_too_fails(tmp_path):
    result = _compare(tmp_path, {**BASE, "b": [6.0] * 5}, "benchmarks", {"b": [5.0] * 5})
    assert result.returncode == 1
    assert any(line.endswith("SLOWER") and "test_b" in line for line in result.stdout.splitlines())
