"""NASWOT (Mellor et al. 2021, v2 "hook_logdet"): log|K_H| of binary ReLU activation codes.

Definition: for a minibatch of B inputs, every ``nn.ReLU`` module r yields a binary code
c_r(x) = 1[input of r > 0] per sample; K_H = sum_r [c_r c_r^T + (1 - c_r)(1 - c_r)^T] counts, for
each pair of samples, the units where their codes agree. Score = log|det K_H| (slogdet).
Sign: higher = better. Labels: not needed. Batch size: the run's ``batch_size``.
Precision: codes are 0/1, so c c^T is exact in float32 up to 2^24 units per layer; K_H is
accumulated and its log-determinant taken in float64.

``nwot_eval`` is the same kernel with the network in eval mode, as the Zero-Cost-PT NB201 code
(the copy in HamsterMimi/MeCo, ``nasbench201/op_score.py``: ``Jocab_Score`` calls ``model.eval()``)
scores perturbations: with fresh running statistics BatchNorm divides by ~1 instead of
normalising the batch. Kept for that comparison; on our supernet it picks all-skip cells
(docs/zc-pt.md), so ``nwot`` (train mode, as NASWOT) stays the default.

Works on any network whose nonlinearities are ``nn.ReLU`` modules, discrete or supernet.
Forward only, under ``torch.inference_mode()``: no autograd graph is kept; the network's
mode and BN running statistics are put back afterwards (``untouched``). A ReLU input that
reaches several ReLU modules (the same node feeding several conv ops of a supernet) is coded
once and counted once per module, which is exactly the sum above, computed faster.
"""

from __future__ import annotations

import weakref

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import exact, forward, units_of, untouched


def nwot_kernel(net: nn.Module, inputs: torch.Tensor, train: bool = True) -> torch.Tensor:
    """K_H (float64 [B, B]) of ``net`` on ``inputs``; the network is run in train mode unless
    ``train`` is False."""
    batch = inputs.shape[0]
    kernel = torch.zeros(batch, batch, dtype=torch.float64, device=inputs.device)
    alive: weakref.WeakValueDictionary[int, torch.Tensor] = weakref.WeakValueDictionary()
    contribution: dict[int, torch.Tensor] = {}

    def hook(_module: nn.Module, args: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
        x = args[0]
        key = id(x)
        if alive.get(key) is not x:
            with exact():  # codes are 0/1: c c^T is exact in float32, never in bf16
                codes = (units_of(x) > 0).to(torch.float32)
                agree = codes @ codes.T
                ones = codes.sum(dim=1)
                units = codes.shape[1]
                # c c^T + (1-c)(1-c)^T = 2 c c^T - s_i - s_j + D
                contribution[key] = (2 * agree - ones[:, None] - ones[None, :] + units).double()
            alive[key] = x
        nonlocal kernel
        kernel = kernel + contribution[key]

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    try:
        # untouched: a train-mode forward updates BN running statistics, which eval-mode users
        # of the same network (nwot_eval, tenas_lr, evaluation) would otherwise see drift
        with untouched(net, train=train), torch.inference_mode():
            out = forward(net, inputs)
    finally:
        for h in handles:
            h.remove()
    if not bool(torch.isfinite(out).all()):
        # NaN codes as "not > 0" and would give a finite kernel (score -inf); a network whose
        # activations are not finite has no score: NaN, recorded as such
        kernel = torch.full_like(kernel, float("nan"))
    return kernel


class NWOT:
    """NASWOT: log-determinant of the binary ReLU-code kernel (Mellor et al. 2021)."""

    needs_labels = False
    settings: dict = {}
    #: the score is slogdet of the ReLU-code kernel: a scorer that computes that kernel its own
    #: (exact, faster) way may do so instead of calling ``score`` (Zero-Cost-PT's official path)
    relu_code_kernel = True

    def __init__(self, train: bool = True) -> None:
        self.train = train
        self.name = "nwot" if train else "nwot_eval"

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        _sign, logdet = torch.linalg.slogdet(nwot_kernel(net, inputs, self.train))
        return float(logdet)


class NWOTEval(NWOT):
    """NASWOT kernel with the network in eval mode (as Zero-Cost-PT's NB201 code scores perturbations)."""

    def __init__(self) -> None:
        super().__init__(train=False)


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(NWOT())
    register(NWOTEval())
