"""What a correlate study scores: the proxies named by ``--proxy`` and the archs of ``--archs``
or ``--sample``, each checked so that a bad name or count is a one-line ``BadInput``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.api import Arch, BadInput, Benchmark, SearchSpace


def select_proxies(registry: Any, text: str) -> list[str]:
    """``all`` = every registered proxy; otherwise a comma list, each name checked."""
    if text.strip() == "all":
        names = registry.names("proxy")
        if not names:
            raise BadInput("no proxy is registered (see `nasbench plugins`)")
        return names
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise BadInput("--proxy is empty: name one or more proxies, or `all`")
    for name in names:
        registry.get("proxy", name)
    return names


def _enumerable(bench: Benchmark, dataset: str) -> int | None:
    """Number of archs when the benchmark can list them by index (``arch_at``), else None."""
    if not hasattr(bench, "arch_at"):
        return None
    table = bench.table(dataset)
    return None if table is None else len(table[1])


def read_archs(space: SearchSpace, path: str) -> list[Arch]:
    """Arch strings one a line (blank lines and ``#`` comments skipped), duplicates dropped."""
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read --archs {path}: {exc}") from exc
    archs: dict[Arch, None] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            archs[space.parse(text)] = None
        except BadInput as exc:
            raise BadInput(f"{path}:{number}: {exc}") from None
    if not archs:
        raise BadInput(f"--archs {path} lists no architecture")
    return list(archs)


def select_archs(space: SearchSpace, bench: Benchmark, dataset: str, sample: str, seed: int) -> list[Arch]:
    """``all`` archs of an enumerable benchmark, or ``sample`` distinct ones drawn with ``seed``."""
    total = _enumerable(bench, dataset)
    if sample.strip() == "all":
        if total is None:
            raise BadInput(f"--sample all needs a benchmark that lists its archs; {bench.name!r} does not")
        return [bench.arch_at(i) for i in range(total)]
    try:
        size = int(sample)
    except ValueError:
        raise BadInput(f"bad --sample {sample!r}: a number of archs or `all`") from None
    if size < 2:
        raise BadInput(f"--sample must be at least 2 to correlate, got {size}")
    rng = np.random.default_rng(seed)
    if total is not None:
        if size > total:
            raise BadInput(f"--sample {size} is more than the {total:,} archs of {bench.name!r}")
        return [bench.arch_at(int(i)) for i in rng.choice(total, size=size, replace=False)]
    found: dict[Arch, None] = {}
    for _ in range(100 * size):
        found[space.sample(rng)] = None
        if len(found) == size:
            return list(found)
    raise BadInput(f"could not draw {size} distinct archs from space {space.name!r}")


def archs_and_label(
    space: SearchSpace, bench: Benchmark, dataset: str, sample: str, seed: int, archs_file: str | None
) -> tuple[list[Arch], str]:
    """The archs to score and the study's sample label (``file:NAME:N:DIGEST``, ``all``, ``random:N``)."""
    if archs_file:
        archs = read_archs(space, archs_file)
        digest = hashlib.sha1("\n".join(space.format(a) for a in archs).encode()).hexdigest()[:8]
        return archs, f"file:{Path(archs_file).name}:{len(archs)}:{digest}"
    archs = select_archs(space, bench, dataset, sample, seed)
    return archs, "all" if sample.strip() == "all" else f"random:{len(archs)}"
