"""The authors' Zero-Cost-PT route for the tenas proxy: ``tenas_project`` (NB201).

``networks_proposal.py:191-195`` sends ``proj_crit=tenas`` to ``tenas_project``
(``init_projection.py:389-446`` @55fc52b), not to ``pt_project``. At each decision it measures,
for every (remaining edge, op) pair in edge-then-op order, the supernet with that op's weight set
to 0 (the other weights as ``get_projected_weights`` gives them: softmax(alpha) on undecided
edges, one-hot on decided ones):

- ``kappa``: the NTK condition number of ``get_ntk_n`` (``op_score.py:68-113``) on a deep copy in
  train mode, one fresh minibatch of the projection queue: per-sample gradients of the summed
  logits over every ``*weight*`` parameter, NTK and its eigenvalues in float32; NaN -> 1e5;
- ``regions``: ``Linear_Region_Collector`` (``linear_region.py``) on a copy of the supernet's twin
  with a one-channel stem (``networks_proposal.py:134``, its own initialisation, never projected:
  the copy takes the pair's op weights), in eval mode, over the next 3 batches of 1-channel 3x3
  crops: the number of distinct ``nn.ReLU`` sign patterns.

The pairs are ranked together (``init_projection.py:424-432``): kappa by ``n - int(rankdata)``
(the largest kappa ranks 0), regions by ``rankdata`` (the fewest rank 1; average ranks for ties),
summed; the kept op is the ``nanargmin`` of the sums of the *first remaining edge's* ops, and that
edge is decided. So edges are decided in index order and a pair's rank depends on every other
remaining pair, not only on its own edge's.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import rankdata
from torch import nn

from nasbench.api import reset_parameters
from nasbench_plugins.proxies.runtime import untouched
from nasbench_plugins.proxies.tenas import (
    CropSampler,
    count_regions,
    crop_rows,
    nan_to_num_kappa,
    ntk_grads,
    relu_sign_codes,
)

#: the region counter's crops (``init_projection.py:404``: input size (1000, 1, 3, 3), 3 batches)
#: and its loader's transform (``linear_region.py`` ``get_datasets``: ``RandomCrop(3, padding=4)``,
#: ``Normalize`` with ``proxies.tenas.TENAS_MEAN``/``TENAS_STD``, ``RandChannel(1)``)
SAMPLES, BATCHES, CROP, PAD = 1000, 3, 3, 4


class RegionCrops:
    """The region counter's loader, drawn from an explicit generator: ``restart()`` at each decision
    (``tenas_project`` builds a new collector, hence a new loader, per decision), then shuffled epochs
    of ``samples`` crops (the last partial batch dropped), each batch of the next ``samples`` records."""

    def __init__(self, raw: np.ndarray, generator: torch.Generator, samples: int = SAMPLES) -> None:
        self.raw = raw
        self.sampler = CropSampler(raw.shape, min(samples, len(raw)), generator, pad=PAD, size=CROP)

    def restart(self) -> None:
        self.sampler.restart()

    def next(self) -> list[torch.Tensor]:
        """One region count's ``BATCHES`` batches."""
        return [crop_rows(self.raw, self.sampler.rows(), PAD, CROP) for _ in range(BATCHES)]


def kappa_fp32(net: nn.Module, inputs: torch.Tensor) -> float:
    """``get_ntk_n``'s condition number: float32 NTK and eigenvalues, NaN -> 1e5, +-inf -> +-max
    (``np.nan_to_num``), in train mode on ``inputs``; ``net`` is left as it was."""
    with untouched(net):
        grads = ntk_grads(net, inputs, 1).float()  # float32 gradients, exactly (float64 holds them)
    ntk = torch.einsum("nc,mc->nm", grads, grads)
    eig = torch.linalg.eigvalsh(ntk)
    return nan_to_num_kappa(float((eig[-1] / eig[0]).item()))


def regions_eval(net: nn.Module, batches: list[torch.Tensor]) -> float:
    """``Linear_Region_Collector``'s count on ``batches``: eval-mode forwards, ``nn.ReLU`` patterns."""
    return count_regions(relu_sign_codes(net, batches, train=False))


def pair_ranks(kappas: list[float], regions: list[float]) -> np.ndarray:
    """Each pair's rank sum as ``tenas_project`` forms it (lower = keep)."""
    k = np.asarray(kappas, dtype=np.float64)
    r = np.asarray(regions, dtype=np.float64)
    kappa_ranks = len(k) - rankdata(k).astype(int)
    return kappa_ranks + rankdata(r)


def kept_op(kappas: list[float], regions: list[float], num_op: int) -> int:
    """The index, among the first remaining edge's ``num_op`` ops, of the op ``tenas_project`` keeps."""
    return int(np.nanargmin(pair_ranks(kappas, regions)[:num_op]))


class ProjectRoute:
    """One trial's state of the route: the supernet's one-channel-stem twin (built on first use,
    from its own generator: the official twin is a separately initialised network), the crop
    stream, and the ranks of the decision measured last (``key``: which proposal, which edges
    decided), so the edges of one supernet state share one measurement, as ``independent``'s
    reading of A_0 needs."""

    def __init__(self, raw: np.ndarray, thin_generator: torch.Generator, crop_generator: torch.Generator) -> None:
        self.thin: nn.Module | None = None
        self.thin_generator = thin_generator
        self.crops = RegionCrops(raw, crop_generator)
        self.key: tuple | None = None
        self.scores: dict[tuple[int, int], float] = {}

    def twin(self, supernet: nn.Module, device: torch.device) -> nn.Module:
        if self.thin is None:
            self.thin = reset_parameters(supernet.twin(in_channels=1), self.thin_generator).to(device)
        return self.thin

    def decide(self, key: tuple, pairs: list[tuple[int, int]], measure) -> dict[tuple[int, int], float]:
        """Minus each pair's rank sum (higher = keep), measuring every pair once per ``key``:
        ``measure(pair, crops)`` -> (kappa, regions), with ``crops`` this decision's stream."""
        if key != self.key:
            self.crops.restart()
            measured = [measure(pair, self.crops) for pair in pairs]
            ranks = pair_ranks([m[0] for m in measured], [m[1] for m in measured])
            self.key, self.scores = key, {pair: -float(r) for pair, r in zip(pairs, ranks)}
        return self.scores
