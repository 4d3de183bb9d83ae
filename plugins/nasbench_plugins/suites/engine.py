"""Suites: paper tables as TOML files — run specs, the paper's value per cell and a tolerance.

Why: a reproduction is only a regression test if the number it must hit is written down next
to the command that produces it. A suite file lists cells (one run spec each) and, per cell,
checks (metric, the paper's value, a tolerance). ``run`` executes what the store lacks
(resumable through the runner), ``evaluate`` puts measured values beside the paper's, and a
check that falls outside its tolerance fails ``nasbench suite check`` (CI).

File format (see ``suites/*.toml``)::

    [suite]            name, title, source, seeds ("0-3")
    [defaults]         space, dataset, strategy, scorer, proxy, benchmark, settings = {...} (applied
                       to a cell only where its components declare the setting)
    [quick]            seeds, settings = {...}: the CPU variant; a quick setting is applied to a
                       cell only where its components declare it
    [[cells]]          name, the spec keys above (override defaults), settings, quick_settings,
                       checks = [{metric, paper, tolerance, quick = false, expected, note}]

``expected`` replaces ``paper`` as the target where our definition legitimately differs from the
printed number (stated in ``note``); ``quick = true`` checks are enforced in quick mode too;
``quick_only = true`` checks are enforced in quick mode only (a count of the quick variant's work,
e.g. ``forward_passes``, has no paper value); ``info = true`` checks (metric only) are shown and
never checked (an ablation cell without a paper value). A suite, or its quick variant, that enforces no
check is an error: it would pass whatever it measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.api import BadInput, prepare_run

SPEC_KEYS = ("space", "dataset", "strategy", "scorer", "proxy", "benchmark")


@dataclass
class Check:
    metric: str
    paper: float | None
    tolerance: float
    quick: bool = False
    expected: float | None = None
    note: str = ""
    quick_only: bool = False

    def enforced(self, quick: bool) -> bool:
        return quick if self.quick_only else (self.quick or not quick)

    @property
    def target(self) -> float | None:
        return self.expected if self.expected is not None else self.paper


@dataclass
class Cell:
    name: str
    spec: dict[str, Any]
    settings: dict[str, Any]
    quick_settings: dict[str, Any]
    checks: list[Check] = field(default_factory=list)


@dataclass
class Suite:
    name: str
    title: str
    source: str
    seeds: str
    quick_seeds: str
    quick_settings: dict[str, Any]
    cells: list[Cell]
    path: Path
    default_settings: dict[str, Any] = field(default_factory=dict)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise BadInput(f"no suite file {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path} is not valid TOML: {exc}") from exc


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file; malformed files raise ``BadInput`` naming the problem."""
    path = Path(path)
    raw = _load_toml(path)
    head, defaults, quick = raw.get("suite", {}), raw.get("defaults", {}), raw.get("quick", {})
    if "name" not in head or not raw.get("cells"):
        raise BadInput(f"{path}: a suite needs [suite] name = ... and at least one [[cells]]")
    cells = []
    for i, c in enumerate(raw["cells"]):
        if "name" not in c:
            raise BadInput(f"{path}: cell #{i + 1} has no name")
        spec = {k: c.get(k, defaults.get(k)) for k in SPEC_KEYS}
        if not spec["scorer"]:
            raise BadInput(f"{path}: cell {c['name']!r} names no scorer")
        checks = []
        for ch in c.get("checks", []):
            info = bool(ch.get("info", False))  # shown, never checked (an ablation without a paper value)
            if info and ("paper" in ch or "expected" in ch or "metric" not in ch):
                raise BadInput(f"{path}: cell {c['name']!r}: an info check has a metric and no paper or expected value")
            complete = "metric" in ch and "tolerance" in ch and ("paper" in ch or "expected" in ch)
            if not info and not complete:
                raise BadInput(f"{path}: cell {c['name']!r}: a check needs metric, paper (or expected), tolerance")
            if ch["metric"].split(":")[0] not in METRICS:
                raise BadInput(f"{path}: unknown metric {ch['metric']!r}; choose one of: {', '.join(METRICS)}")
            checks.append(
                Check(
                    ch["metric"],
                    ch.get("paper"),
                    float(ch.get("tolerance", 0.0)),
                    bool(ch.get("quick", False)),
                    ch.get("expected"),
                    ch.get("note", ""),
                    bool(ch.get("quick_only", False)),
                )
            )
        cells.append(Cell(c["name"], spec, dict(c.get("settings", {})), dict(c.get("quick_settings", {})), checks))
    names = [c.name for c in cells]
    if len(set(names)) != len(names):
        raise BadInput(f"{path}: cell names must be unique")
    return Suite(
        head["name"],
        head.get("title", head["name"]),
        head.get("source", ""),
        str(head.get("seeds", "0")),
        str(quick.get("seeds", head.get("seeds", "0"))),
        dict(quick.get("settings", {})),
        cells,
        path,
        dict(defaults.get("settings", {})),
    )


def _declared(registry: Any, spec: dict[str, Any]) -> set[str]:
    """The settings a cell may set: its components' and the host's (``precision``)."""
    from nasbench.api import HOST_SETTINGS

    names: set[str] = set(HOST_SETTINGS)
    kinds = {
        "space": spec["space"],
        "scorer": spec["scorer"],
        "strategy": spec["strategy"],
        "proxy": spec.get("proxy") or None,
        "benchmark": spec.get("benchmark") or None,
    }
    for kind, name in kinds.items():
        if name:
            names |= set(getattr(registry.get(kind, name), "settings", {}) or {})
    return names


def prepare_cell(registry: Any, suite: Suite, cell: Cell, quick: bool, data_dir: str | None = None) -> Any:
    """The cell's ``PreparedRun``: suite-wide settings where declared, then the cell's own.

    Layers: [defaults] settings, [quick] settings (quick only) — both applied only where the
    cell's components declare them — then the cell's settings and quick_settings, which must
    all be known (a typo fails).
    """

    declared = _declared(registry, cell.spec)
    settings = {k: v for k, v in suite.default_settings.items() if k in declared}
    if quick:
        settings.update({k: v for k, v in suite.quick_settings.items() if k in declared})
    settings.update(cell.settings)
    if quick:
        settings.update(cell.quick_settings)
    spec = {k: v for k, v in cell.spec.items() if v}
    return prepare_run(registry, settings=settings, data_dir=data_dir, **spec)


def require_checks(suite: Suite, quick: bool) -> None:
    """A suite (or its quick variant) that enforces no check would pass whatever it measured."""
    enforced = [ch for c in suite.cells for ch in c.checks if ch.enforced(quick) and ch.target is not None]
    if not enforced:
        variant = "quick variant" if quick else "suite"
        raise BadInput(f"{suite.path}: the {variant} enforces no check (mark at least one check quick = true)")


def seeds_of(suite: Suite, quick: bool) -> list[int]:
    from nasbench.api import parse_seeds

    return parse_seeds(suite.quick_seeds if quick else suite.seeds)


def seeds_within(suite: Suite, quick: bool, text: str) -> list[int]:
    """The seeds ``text`` names, each one of the suite's (its committed tables are over those)."""
    from nasbench.api import parse_seeds

    allowed = seeds_of(suite, quick)
    chosen = parse_seeds(text)
    outside = [s for s in chosen if s not in allowed]
    if outside:
        raise BadInput(
            f"--seeds {text}: seed {outside[0]} is not one of the suite's seeds "
            f"({suite.quick_seeds if quick else suite.seeds})"
        )
    return chosen


# -- metrics ---------------------------------------------------------------------------------
def _column(name: str):
    return lambda row, _arg: row.get(name)


def _error_on(row: dict[str, Any], dataset: str) -> float | None:
    acc = row["extra"].get("accuracy", {}).get(dataset)
    return None if acc is None else 100.0 - float(acc)


def _rank_on(row: dict[str, Any], dataset: str) -> float | None:
    return row["extra"].get("rank", {}).get(dataset)


def _counter(row: dict[str, Any], _arg: str) -> float | None:
    return row["extra"].get("counters", {}).get("perturbations")


def _per_proposal(row: dict[str, Any], _arg: str) -> float | None:
    values = row["extra"].get("info", {}).get("perturbations_per_proposal")
    return float(np.mean(values)) if values else None


#: metric name (``name`` or ``name:argument``) -> value of one trial row
METRICS = {
    "test_error": _column("test_error"),
    "test_accuracy": _column("test_accuracy"),
    "rank": _column("rank"),
    "percentile": _column("percentile"),
    "edge_spearman_initial": _column("edge_spearman_initial"),
    "edge_spearman_initial_avg_acc": _column("edge_spearman_initial_avg_acc"),
    "edge_spearman_progressive": _column("edge_spearman_progressive"),
    "edge_spearman_progressive_avg_acc": _column("edge_spearman_progressive_avg_acc"),
    "search_seconds": _column("search_seconds"),
    "forward_passes": _column("forward_passes"),
    "perturbations": _counter,
    "error": _error_on,
    "rank_on": _rank_on,
    "perturbations_per_proposal": _per_proposal,
}


def metric_values(rows: list[dict[str, Any]], metric: str) -> list[float]:
    name, _, arg = metric.partition(":")
    out = []
    for row in rows:
        value = METRICS[name](row, arg) if row["status"] == "ok" else None
        if value is not None and math.isfinite(float(value)):
            out.append(float(value))
    return out


@dataclass
class Outcome:
    cell: str
    check: Check
    values: list[float]
    status: str  # "ok" | "FAIL" | "missing" | "info"
    failed_trials: int = 0  # the cell's failed rows among the suite's seeds
    search_seconds: float | None = None  # mean search wall time of the cell's ok trials
    peak_bytes: float | None = None  # largest peak memory (CUDA allocator or CPU RSS) of those trials

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.values)) if self.values else None

    @property
    def std(self) -> float | None:
        return float(np.std(self.values)) if self.values else None


def evaluate(registry: Any, suite: Suite, store: Any, quick: bool, data_dir: str | None = None) -> list[Outcome]:
    """Measured value of every check of every cell, beside its target; status per check."""
    seeds = set(seeds_of(suite, quick))
    outcomes = []
    for cell in suite.cells:
        key = prepare_cell(registry, suite, cell, quick, data_dir).run_key
        rows = [r for r in store.rows("run_key=?", (key,)) if r["seed"] in seeds]
        failed = sum(r["status"] != "ok" for r in rows)
        seconds = metric_values(rows, "search_seconds")
        peaks = [float(r["peak_memory_bytes"]) for r in rows if r["status"] == "ok" and r.get("peak_memory_bytes")]
        cost = (float(np.mean(seconds)) if seconds else None, max(peaks) if peaks else None)
        for check in cell.checks:
            values = metric_values(rows, check.metric)
            enforced = check.enforced(quick)
            if not values:
                status = "missing" if enforced else "info"
            elif not enforced or check.target is None:
                status = "info"
            else:
                status = "ok" if abs(float(np.mean(values)) - float(check.target)) <= check.tolerance + 1e-9 else "FAIL"
            outcomes.append(Outcome(cell.name, check, values, status, failed, *cost))
    return outcomes


def _cells(o: Outcome) -> list[str]:
    """The table's cells of one outcome, as ``render`` and the PNG print them."""
    fmt = lambda v: "-" if v is None else f"{v:,.2f}"  # noqa: E731
    measured = "-" if o.mean is None else (fmt(o.mean) + (f" ± {o.std:.2f}" if len(o.values) > 1 else ""))
    target = "-" if o.check.target is None else f"{fmt(o.check.target)} ± {o.check.tolerance:g}"
    seconds = "-" if o.search_seconds is None else f"{o.search_seconds:,.1f}"
    mib = "-" if o.peak_bytes is None else f"{o.peak_bytes / 2**20:,.0f}"
    return [o.cell, o.check.metric, fmt(o.check.paper), measured, str(len(o.values)), target, o.status, seconds, mib]


HEADER = ["cell", "metric", "paper", "measured", "n", "target ± tol", "status", "search s", "peak MiB"]


def render(suite: Suite, outcomes: list[Outcome], quick: bool) -> str:
    """Markdown table, one row per check: the paper's value beside this harness's mean ± std over
    n seeds, the target and tolerance, whether it is within, and the cell's cost (mean search
    seconds, peak memory); then the checks' notes."""
    head = f"## {suite.title}{' (quick)' if quick else ''}\n\nsource: {suite.source}\n\n"
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(o)) + " |" for o in outcomes]
    notes = [f"- {o.cell} / {o.check.metric}: {o.check.note}" for o in outcomes if o.check.note]
    return head + "\n".join(lines) + "\n" + ("\n" + "\n".join(notes) + "\n" if notes else "")


def rows_of(outcomes: list[Outcome]) -> list[list[str]]:
    """The table body as strings (for plots and other renderings)."""
    return [_cells(o) for o in outcomes]
