"""The NASWOT code kernel K = sum_c c c^T + (1 - c)(1 - c)^T, accumulated exactly.

Why one module: the official Zero-Cost-PT score adds K_c of the binary input code c = (input > 0)
of every hooked ReLU (``nasbench201/op_score.py:25-33``, ``sota/cnn/init_projection.py:253-263``,
``nasbench_macro/network_proposal.py:176-186`` of visionbasicagent/zerocost_operation_score
@55fc52b). The NB201, DARTS-cell and Macro kernels of this family walk their networks without
hooks and hand every code to one ``CodeKernel``; codes are 0/1, so c c^T is computed exactly as an
integer Gram matrix and K is kept in float64 (the official code accumulates float32).
"""

from __future__ import annotations

import torch


def gram(c: torch.Tensor) -> torch.Tensor:
    """c c^T of a 0/1 int8 matrix, exactly (int64): int8 matmul with int32 accumulation where torch
    has one for the device (2.5x fp32's speed on a VNNI CPU; ``c.T`` as a view: a copy cost 3x the
    product), else float32 (exact below 2^24), never autocast to bf16 (whose 8-bit mantissa would
    round the counts) when a bf16 run's forward is the caller."""
    if c.device.type == "cpu":
        try:
            return torch._int_mm(c, c.T).to(torch.int64)
        except (RuntimeError, AttributeError):
            pass
    with torch.autocast(c.device.type, enabled=False):
        f = c.to(torch.float32)
        return (f @ f.T).to(torch.int64)


def flat(x: torch.Tensor) -> torch.Tensor:
    """x as [batch, units] without a copy in either memory layout: K does not depend on the order
    of an image's units, so a channels-last tensor is flattened in its own (H, W, C) order."""
    if not x.is_contiguous() and x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last):
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
    return x.reshape(x.shape[0], -1)


class CodeKernel:
    """K of one forward, fed code by code."""

    def __init__(self, batch: int, device: torch.device) -> None:
        self.batch = batch
        self.k = torch.zeros(batch, batch, dtype=torch.float64, device=device)

    def codes(self, x: torch.Tensor, times: int) -> None:
        """Add ``times`` K_c of x's binary code."""
        if times == 0:
            return
        c = (flat(x) > 0).view(torch.int8)
        g = gram(c)
        ones = g.diagonal()  # s_i = sum_u c_iu = sum_u c_iu^2 for 0/1 codes
        # c c^T + (1-c)(1-c)^T = 2 c c^T - s_i - s_j + D, all integers
        agree = 2 * g - ones[:, None] - ones[None, :] + c.shape[1]
        self.k += times * agree.double()

    def zeros(self, x: torch.Tensor, times: int) -> None:
        """Add ``times`` K_c of a code that is the same for every image, of x's size: D 11^T
        (an all-zero code, or any op run on x*0, which sees identical inputs)."""
        if times:
            self.k += float(times * (x.numel() // self.batch))

    def units(self, units: int, times: int = 1) -> None:
        """Add ``times`` D 11^T for a code of ``units`` units per image that every image shares."""
        if times:
            self.k += float(times * units)


def logdet(kernel: torch.Tensor) -> float:
    """The score: log|det K| (``np.linalg.slogdet(K)[1]`` in the official code)."""
    return float(torch.linalg.slogdet(kernel)[1])
