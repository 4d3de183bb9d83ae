"""Every DARTS-cell space as data: DARTS, DARTS-PT's S1-S4, PertNAS O1/O2, the candidate-op family.

Sources:
- ``darts``: Liu et al. 2019, 8 ops on all 14 edges, normal + reduction cell, 2 inputs per node.
- ``s5``: DARTS-PT's and Zero-Cost-PT's "DARTS space" as their code runs it: the 7 DARTS ops
  without ``none`` on every edge, in the official order (``ruocwang/darts-pt:sota/cnn/spaces.py:80-92``
  ``PRIMITIVES``/``primitives_5``; same file in visionbasicagent/zerocost_operation_score).
- ``s1``-``s4``: Zela et al. 2020 (used by DARTS-PT, App. A.2). The DARTS-PT text gives S2-S4 but
  not S1's per-edge op pairs; those are taken from ``automl/RobustDARTS:src/spaces.py@07f54ba``
  (``primitives_1``, edge order = DARTS' 14 edges).
- ``o1``: PertNAS Table I, {skip_connect, max_pool_3x3, sep_conv_3x3, sep_conv_5x5}, fixed shallow
  topology (d=1: every node reads both cell inputs, 8 edges), one genotype shared by normal and
  reduction cells (PertNAS Sec. II-A).
- ``o2``: PertNAS Table I, one op per edge, 14 edges, flexible topology, "best ops for each edge
  in O1". The paper does not list them; ``O2_OPS`` are derived from the NB301 stand-in by
  ``nasbench pertnas o2-ops`` (``nasbench_plugins.pertnas.groundtruth.derive_o2_ops``): for the
  8 edges O1 has (inputs 0, 1), the op with the best average accuracy over all 65,536 O1 archs
  (the benchmark's Fig. 3a valuation); the 6 edges from intermediate nodes, which O1 lacks, take
  the op best on average over all O1 edges (sep_conv_5x5; this rule is ours). A test re-derives
  them when the data is present. ``o2_spec(ops)`` builds O2 from any other O1 result.
- ``darts-ops4``..``darts-ops8``: PertNAS Fig. 5 memory study, starting from {none, skip_connect,
  max_pool_3x3, avg_pool_3x3} and adding sep_conv_3x3, dil_conv_3x3 (both named in Fig. 5), then
  sep_conv_5x5 and dil_conv_5x5 (the order of these two is our choice), on the full DARTS cell.
"""

from __future__ import annotations

from nasbench_plugins.darts_space.ops import DARTS_OPS
from nasbench_plugins.darts_space.spec import (
    FULL_PAIRS,
    SHALLOW_PAIRS,
    SHARED_KINDS,
    SPLIT_KINDS,
    CellSpaceSpec,
)


def _uniform(ops: tuple[str, ...], pairs=FULL_PAIRS, kinds=SPLIT_KINDS) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {kind: tuple(ops for _ in pairs) for kind in kinds}


_SK, _MP, _AP = "skip_connect", "max_pool_3x3", "avg_pool_3x3"
_S3, _D3, _D5 = "sep_conv_3x3", "dil_conv_3x3", "dil_conv_5x5"

S1_OPS = {
    "normal": (
        (_SK, _D3),
        (_SK, _D5),
        (_SK, _D5),
        (_SK, _S3),
        (_SK, _D3),
        (_MP, _SK),
        (_SK, _S3),
        (_SK, _S3),
        (_SK, _D3),
        (_SK, _S3),
        (_MP, _SK),
        (_SK, _D3),
        (_D3, _D5),
        (_D3, _D5),
    ),
    "reduce": (
        (_MP, _AP),
        (_MP, _D3),
        (_MP, _AP),
        (_MP, _AP),
        (_SK, _D5),
        (_MP, _AP),
        (_MP, _S3),
        (_SK, _D3),
        (_SK, _D5),
        (_MP, _AP),
        (_MP, _AP),
        (_SK, _D5),
        (_SK, _D5),
        (_SK, _D5),
    ),
}

#: s5's ops in the official order (``PRIMITIVES`` of sota/cnn/spaces.py, ``none`` commented out)
S5_OPS = tuple(op for op in DARTS_OPS if op != "none")
O1_OPS = (_SK, _MP, _S3, "sep_conv_5x5")
OPS_FAMILY_BASE = ("none", _SK, _MP, _AP)
OPS_FAMILY_ADDED = (_S3, _D3, "sep_conv_5x5", _D5)


#: O2's op per DARTS edge (0->2, 1->2, 0->3, 1->3, 2->3, 0->4, ..., 4->5), derived as said above
#: (YAHPO nb301 surrogate, source e7168d495cf7; re-derive with `nasbench pertnas o2-ops`)
O2_OPS = (
    _S3, "sep_conv_5x5", "sep_conv_5x5", "sep_conv_5x5", "sep_conv_5x5",
    _SK, "sep_conv_5x5", "sep_conv_5x5", "sep_conv_5x5",
    _S3, "sep_conv_5x5", "sep_conv_5x5", "sep_conv_5x5", "sep_conv_5x5",
)  # fmt: skip


def o2_spec(best_ops: tuple[str, ...], name: str = "o2") -> CellSpaceSpec:
    """PertNAS O2: one op per edge (14 of them, from an O1 search), topology searched."""
    if len(best_ops) != len(FULL_PAIRS):
        raise ValueError(f"O2 needs one op per DARTS edge ({len(FULL_PAIRS)}), got {len(best_ops)}")
    return CellSpaceSpec(
        name,
        "PertNAS O2: one op per edge (O1's best, see O2_OPS), topology searched",
        SHARED_KINDS,
        FULL_PAIRS,
        {"cell": tuple((op,) for op in best_ops)},
        True,
        source="PertNAS Table I",
    )


def _ops_family(n: int) -> CellSpaceSpec:
    ops = OPS_FAMILY_BASE + OPS_FAMILY_ADDED[: n - len(OPS_FAMILY_BASE)]
    return CellSpaceSpec(
        f"darts-ops{n}",
        f"DARTS cell with {n} candidate ops per edge (PertNAS Fig. 5 memory study)",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform(ops),
        True,
        source="PertNAS Sec. IV-D, Fig. 5",
    )


SPECS: tuple[CellSpaceSpec, ...] = (
    CellSpaceSpec(
        "darts",
        "DARTS cell space: normal + reduction cell, 14 edges each, 8 ops, 2 inputs per node",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform(DARTS_OPS),
        True,
        source="Liu et al. 2019",
    ),
    CellSpaceSpec(
        "s5",
        "DARTS-PT/Zero-Cost-PT DARTS space as their code runs it: the 7 DARTS ops, no none",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform(S5_OPS),
        True,
        source="ruocwang/darts-pt sota/cnn/spaces.py:80-92@4ec3149",
    ),
    CellSpaceSpec(
        "s1",
        "DARTS-PT/RobustDARTS S1: 2 pre-optimised ops per edge (from RobustDARTS code)",
        SPLIT_KINDS,
        FULL_PAIRS,
        S1_OPS,
        True,
        source="automl/RobustDARTS src/spaces.py@07f54ba",
    ),
    CellSpaceSpec(
        "s2",
        "DARTS-PT/RobustDARTS S2: {skip_connect, sep_conv_3x3} on every edge",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform((_SK, _S3)),
        True,
        source="DARTS-PT App. A.2",
    ),
    CellSpaceSpec(
        "s3",
        "DARTS-PT/RobustDARTS S3: {none, skip_connect, sep_conv_3x3} on every edge",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform(("none", _SK, _S3)),
        True,
        source="DARTS-PT App. A.2",
    ),
    CellSpaceSpec(
        "s4",
        "DARTS-PT/RobustDARTS S4: {noise, sep_conv_3x3} on every edge",
        SPLIT_KINDS,
        FULL_PAIRS,
        _uniform(("noise", _S3)),
        True,
        source="DARTS-PT App. A.2",
    ),
    CellSpaceSpec(
        "o1",
        "PertNAS O1: {skip, max_pool, sep3x3, sep5x5}, fixed shallow topology, shared cell",
        SHARED_KINDS,
        SHALLOW_PAIRS,
        _uniform(O1_OPS, SHALLOW_PAIRS, SHARED_KINDS),
        False,
        source="PertNAS Table I",
    ),
    o2_spec(O2_OPS),
    *(_ops_family(n) for n in range(4, 9)),
)
