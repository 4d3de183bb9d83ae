"""NNGP-kernel Frobenius norm, the ranking function of ETENAS (Rumiantsev & Coates 2023), as used by
Zero-One-Shot ("Half Search Space is All You Need", Sec. 4: "the Frobenius norm of the NNGP
kernel ... estimated with 384 datapoints (three batches of size 128)").

Definition (ETENAS' ``NNGP_frob`` ranker: ``get_nngp_n_v2(..., metric=FRO, as_correlation=True,
use_logits=True)`` with its default ``train_mode=True``): Z = the network's logits [B, C], forward
only, train mode (BN uses the statistics of each slice of ``SLICE`` = 128 images, ETENAS' batch);
K = corrcoef(Z), the B x B correlation matrix between the samples' logit vectors; score = ||K||_F.
Sign: higher = better. ETENAS' pruning (sign +1 by default) scores an op by
(r(N) - r(N without op)) / r(N) and prunes the lowest, i.e. it moves towards higher r.
Labels: no. Batch size: the run's minibatch; the paper's protocol is 384 images (run with
batch_size 384). Precision: float32 forward, K and its norm in float64. No backward, no autograd
graph (``inference_mode``). On CUDA OOM the slices are halved. BN running statistics updated by
the train-mode forward are put back (``untouched``).

Degenerate networks: when every sample gets the very same logits (the output does not depend on
the input, e.g. an NB201 cell with no input-to-output path, whose logits are the classifier bias),
K is all ones and ETENAS' formula gives the maximum, B. Such a network carries no information
about its inputs, so we return NaN (ranked worst, like jacov and epe_nas on the same archs).
ETENAS never meets this case: it prunes a supernet, which always has a path. On 1,000 random NB201
archs it decides the correlation (26 such archs at the top: Spearman 0.43 vs 0.55 without them).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import forward, untouched, with_oom_retry

#: images per forward slice: ETENAS' batch of 128
SLICE = 128


def network_logits(net: nn.Module, inputs: torch.Tensor, parts: int) -> torch.Tensor:
    """[B, C] float64 logits in train mode, computed in ceil(B / SLICE) * ``parts`` slices."""
    slices = min(inputs.shape[0], max(1, -(-inputs.shape[0] // SLICE)) * parts)
    with untouched(net, train=True), torch.inference_mode():
        outs = [forward(net, x).reshape(x.shape[0], -1).double() for x in torch.tensor_split(inputs, slices)]
    return torch.cat(outs)


def nngp_frobenius(logits: torch.Tensor) -> float:
    """||corrcoef(Z)||_F for the [B, C] logits Z (rows = samples)."""
    return float(torch.linalg.matrix_norm(torch.corrcoef(logits), ord="fro"))


class NNGP:
    """ETENAS: Frobenius norm of the correlation-normalised NNGP kernel of the logits."""

    name = "nngp"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        logits = with_oom_retry(lambda parts: network_logits(net, inputs, parts), inputs.shape[0])
        if bool((logits == logits[0]).all()):
            return math.nan  # output independent of the input: K = 1 carries no information
        return nngp_frobenius(logits)


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(NNGP())
