"""Genotype -> the ``x_cat`` row of YAHPO's NB301 surrogate (see shared/data/MANIFEST.md, nb301_yahpo).

Columns (prefix ``NetworkSelectorDatasetInfo_COLON_darts_COLON_``): ``edge_normal_0..13``,
``edge_reduce_0..13``, ``inputs_node_normal_3..5``, ``inputs_node_reduce_3..5``, in that order
(not the string-sorted key order of encoding_v2.json). Codes are read from encoding_v2.json:
ops alphabetical with ``#na#`` = 0 for inactive edges; node inputs ``"a_b"`` (the node's two
sources, sorted). Edge index = offset[node] + source, offset {2: 0, 3: 2, 4: 5, 5: 9}.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from nasbench.api import BadInput, DataError

PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
CELLS = ("normal", "reduce")
COLUMNS = tuple(f"edge_{cell}_{i}" for cell in CELLS for i in range(14)) + tuple(
    f"inputs_node_{cell}_{k}" for cell in CELLS for k in (3, 4, 5)
)
OFFSET = {2: 0, 3: 2, 4: 5, 5: 9}
INACTIVE = "#na#"
#: the epoch fed as ``x_cont`` (the last one the surrogate was fitted on)
EPOCH = 98.0


@lru_cache(maxsize=4)
def load_codes(path: Path) -> tuple[dict[str, int], ...]:
    """One code table per ``x_cat`` column, in column order."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not the YAHPO NB301 encoding JSON ({exc})") from exc
    tables = []
    for column in COLUMNS:
        table = raw.get(PREFIX + column) if isinstance(raw, dict) else None
        if not isinstance(table, dict) or table.get(INACTIVE) != 0:
            raise DataError(f"{path}: no code table for {column!r}; not YAHPO's nb301 encoding_v2.json")
        tables.append({str(k): int(v) for k, v in table.items()})
    return tuple(tables)


def encode(genotype: dict[str, list[tuple[str, int]]], codes: tuple[dict[str, int], ...]) -> np.ndarray:
    """int32 [34] for one genotype (8 (op, source) pairs per cell, 2 per node)."""
    row = np.zeros(len(COLUMNS), dtype=np.int32)
    for c, cell in enumerate(CELLS):
        pairs = genotype[cell]
        for m, (op, source) in enumerate(pairs):
            node = 2 + m // 2
            col = c * 14 + OFFSET[node] + source
            if op not in codes[col] or op == INACTIVE:
                raise BadInput(
                    f"op {op!r} has no NB301 code; NB301 covers: {', '.join(k for k in codes[col] if k != INACTIVE)}"
                )
            row[col] = codes[col][op]
        for i, node in enumerate((3, 4, 5)):
            sources = sorted(j for _op, j in pairs[2 * (node - 2) : 2 * (node - 2) + 2])
            col = 28 + 3 * c + i
            key = f"{sources[0]}_{sources[1]}"
            if key not in codes[col]:
                raise BadInput(f"{cell} node {node} inputs {key} have no NB301 code")
            row[col] = codes[col][key]
    return row


def nb301_ops(codes: tuple[dict[str, int], ...]) -> set[str]:
    return {k for k in codes[0] if k != INACTIVE}
