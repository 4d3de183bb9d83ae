"""TE-NAS' two measurements of one network, with the official code's conventions.

``kappa``: the NTK condition number lambda_max / lambda_min of ``get_ntk_n``
(``lib/procedures/ntk.py:17-56``): per-sample gradients of the summed logits over every
``*weight*`` parameter, train mode (BN on batch statistics), one batch. Its eigenvalues are
computed here in float64 (``proxies.tenas.ntk_eigenvalues``; the official code uses float32).
A NaN condition number becomes 1e5 and an infinite one the largest float, as
``np.nan_to_num(..., nan=100000.0)`` does (``ntk.py:55``); a negative smallest eigenvalue gives a
negative kappa, as there.

``region_count``: the number of distinct ReLU sign patterns over a few batches
(``lib/procedures/linear_region_counter.py:120-139,178-214``): every ``nn.ReLU`` output of a
forward in train mode, batch by batch (BN statistics per batch), flattened and concatenated
per sample; a sample's pattern is "output > 0"; count = sum over samples of 1 / #samples with the
same pattern. The official code counts identical patterns in float16 (exact up to 2,048, then
rounded to even) and sums the reciprocals in float32; so does this function, so its values are
the official ones bit for bit when the patterns agree.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasbench_plugins.proxies.tenas import NAN_KAPPA, count_regions, nan_to_num_kappa, ntk_eigenvalues, relu_sign_codes


def kappa(net: nn.Module, inputs: torch.Tensor) -> float:
    """lambda_max / lambda_min of the NTK of ``net`` on ``inputs``, NaN -> 1e5, +-inf -> +-max."""
    eig = ntk_eigenvalues(net, inputs)
    if eig is None:
        return NAN_KAPPA
    value = float(eig[-1]) / float(eig[0]) if float(eig[0]) != 0 else math.copysign(math.inf, float(eig[-1]))
    return nan_to_num_kappa(value)


def sign_patterns(net: nn.Module, batches: list[torch.Tensor]) -> torch.Tensor:
    """[samples, units] float 0/1: every ReLU output > 0, forward in train mode batch by batch."""
    return relu_sign_codes(net, batches, train=True)


def region_count(net: nn.Module, batches: list[torch.Tensor]) -> float:
    """TE-NAS' linear-region count of ``net`` over ``batches`` (see the module docstring)."""
    return count_regions(sign_patterns(net, batches))
