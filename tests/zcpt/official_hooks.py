"""The official Zero-Cost-PT score written literally, as the tests' yardstick for ``code_kernel``.

Forward hooks on every module whose class name contains "ReLU" (``op_score.py:34-36``), each adding
c c^T + (1-c)(1-c)^T of its input code; the network in eval mode; the supernet in ``blocked`` mode
with the given op weights (weight-0 ops run on x*0). Slow on purpose: one hook call per module.
"""

from __future__ import annotations

import torch
from torch import nn


def hooked_kernel(net: nn.Module, x: torch.Tensor, relu_class_rule: bool = True) -> torch.Tensor:
    batch = x.shape[0]
    kernel = torch.zeros(batch, batch, dtype=torch.float64)

    def hook(_module, args, _out):
        nonlocal kernel
        c = (args[0].reshape(batch, -1) > 0).double()
        kernel = kernel + c @ c.T + (1 - c) @ (1 - c).T

    chosen = [m for m in net.modules() if ("ReLU" in type(m).__name__ if relu_class_rule else isinstance(m, nn.ReLU))]
    handles = [m.register_forward_hook(hook) for m in chosen]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for h in handles:
            h.remove()
    return kernel


def supernet_hooked_kernel(net, x: torch.Tensor, weights: torch.Tensor, relu_class_rule: bool = True) -> torch.Tensor:
    saved = (net.removed_ops, net.op_weights, net.op_mask.clone(), net.training)
    net.removed_ops, net.op_weights = "blocked", weights
    net.op_mask.fill_(True)  # weights alone say what is removed; a row with one 1 is a decided edge
    net.eval()
    try:
        return hooked_kernel(net, x, relu_class_rule)
    finally:
        net.removed_ops, net.op_weights = saved[0], saved[1]
        net.op_mask.copy_(saved[2])
        net.train(saved[3])


def darts_hooked_kernel(net, x: torch.Tensor, weights: torch.Tensor, relu_class_rule: bool = True) -> torch.Tensor:
    """The official DARTS-space score on nasbench's supernet: ops of weight 0 are not run
    (``sota/cnn/model_search.py:23-25``), the others scaled by their weight, hooks as above."""
    saved = (net.op_mask.clone(), net.op_weights, net.training)
    net.op_mask.copy_(weights != 0)
    net.op_weights = weights
    net.eval()
    try:
        return hooked_kernel(net, x, relu_class_rule)
    finally:
        net.op_mask.copy_(saved[0])
        net.op_weights = saved[1]
        net.train(saved[2])


def macro_hooked_kernel(net, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The official Macro score on nasbench's supernet: every op runs, a weight-0 one on x*0
    (``nasbench_macro/model.py:89``), scaled by its weight; hooks on every nn.ReLU."""
    blocked = [
        op.register_forward_pre_hook(lambda _m, args: (args[0] * 0,))
        for i, layer in enumerate(net.features)
        for k, op in enumerate(layer)
        if weights[i, k] == 0
    ]
    saved = (net.op_mask.clone(), net.op_weights, net.training)
    net.op_mask.fill_(True)
    net.op_weights = weights
    net.eval()
    try:
        return hooked_kernel(net, x)
    finally:
        for h in blocked:
            h.remove()
        net.op_mask.copy_(saved[0])
        net.op_weights = saved[1]
        net.train(saved[2])
