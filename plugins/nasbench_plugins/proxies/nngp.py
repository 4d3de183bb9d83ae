"""NNGP-kernel Frobenius norm, the ranking function of ETENAS (Rumiantsev & Coates 2023), as used by
Zero-One-Shot ("Half Search Space is All You Need", Sec. 4: "the Frobenius norm of the NNGP
kernel ... estimated with 384 datapoints (three batches of size 128)").

Definition: Z = outputs of the network (logits, [B, C]) in eval mode, forward only; the empirical
NNGP kernel K = Z Z^T ([B, B]); score = ||K||_F. ETENAS' code computes K from the network
outputs the same way (einsum 'nc,mc->nm') and takes ``torch.norm(K, 'fro')``; its pruning keeps
the op whose removal lowers the score most, i.e. higher = better.
Sign: higher = better. Labels: no. Batch size: the run's minibatch; the paper's protocol is
384 images, i.e. run with batch_size 384 (the forward goes in slices of ``SLICE`` = 128 images,
the paper's batch, which also bounds memory). Precision: float32 forward, K and its norm in
float64. No backward, so no autograd graph is kept (``inference_mode``). On CUDA OOM the slices
are halved. The network's mode is restored afterwards (eval mode does not touch BN stats).
"""

from __future__ import annotations

import torch
from torch import nn

from nasbench.hookspecs import hookimpl
from nasbench.proxy_runtime import with_oom_retry

#: images per forward slice: ETENAS' batch of 128
SLICE = 128


def network_outputs(net: nn.Module, inputs: torch.Tensor, parts: int) -> torch.Tensor:
    """[B, C] float64 outputs in eval mode, computed in ceil(B / SLICE) * ``parts`` slices."""
    slices = min(inputs.shape[0], max(1, -(-inputs.shape[0] // SLICE)) * parts)
    was_training = net.training
    try:
        net.eval()
        with torch.inference_mode():
            outs = [net(x).reshape(x.shape[0], -1).double() for x in torch.tensor_split(inputs, slices)]
    finally:
        net.train(was_training)
    return torch.cat(outs)


def nngp_frobenius(outputs: torch.Tensor) -> float:
    """||Z Z^T||_F of the [B, C] outputs Z."""
    return float(torch.linalg.matrix_norm(outputs @ outputs.T, ord="fro"))


class NNGP:
    """ETENAS: Frobenius norm of the empirical NNGP kernel of the network outputs."""

    name = "nngp"
    needs_labels = False
    settings: dict = {}

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        outputs = with_oom_retry(lambda parts: network_outputs(net, inputs, parts), inputs.shape[0])
        return nngp_frobenius(outputs)


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(NNGP())
