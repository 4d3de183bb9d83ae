"""Tiny hand-checkable networks for the proxy tests: a 2-layer ReLU MLP with fixed weights."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

W1 = np.array(
    [[0.5, -0.3, 0.8, 0.1, -0.6], [-0.2, 0.7, 0.4, -0.9, 0.3], [0.6, 0.2, -0.5, 0.4, 0.9], [-0.4, -0.8, 0.1, 0.5, 0.2]]
)  # hidden 4 x input 5
W2 = np.array([[0.3, -0.7, 0.5, 0.2], [-0.6, 0.4, 0.9, -0.1], [0.8, 0.1, -0.3, 0.6]])  # 3 classes x hidden 4
X = np.array(
    [
        [1.0, -0.5, 0.3, 2.0, -1.2],
        [-0.7, 1.1, 0.9, -0.4, 0.5],
        [0.2, 0.3, -1.5, 0.8, 1.0],
        [1.3, -0.9, 0.4, -0.2, 0.7],
        [-1.1, 0.6, 0.8, 1.4, -0.3],
        [0.5, 1.2, -0.6, -1.0, 0.9],
    ]
)
Y = np.array([0, 2, 1, 2, 0, 2])
ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|"


class MLP(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(nn.Linear(5, 4, bias=False), nn.ReLU(), nn.Linear(4, 3, bias=False))
        with torch.no_grad():
            self[0].weight.copy_(torch.tensor(W1))
            self[2].weight.copy_(torch.tensor(W2))


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(X, dtype=torch.float32), torch.tensor(Y)


def tiny_nb201(seed: int = 0, arch: str = ARCH):
    """(tiny discrete NB201 network, tiny masked supernet) from the real space."""
    from nasbench_plugins.nb201.space import NB201Space

    space = NB201Space(channels=4, cells_per_stage=1)
    return space.build_network(space.parse(arch), 10, gen(seed)), space.build_supernet(10, gen(seed + 1))


def image_batch(n: int = 8, seed: int = 0, size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Random labelled images; 8x8 keeps every NB201 proxy test around a second on a shared CPU."""
    g = gen(seed)
    return torch.randn(n, 3, size, size, generator=g), torch.randint(0, 10, (n,), generator=g)


def mlp_forward(w1: np.ndarray, w2: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(h, a, z): pre-activation, ReLU output and logits, all [N, .]."""
    h = x @ w1.T
    a = np.maximum(h, 0)
    return h, a, a @ w2.T


def mlp_grads(w1: np.ndarray, w2: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Hand-derived gradients of the mean cross-entropy: (dW1, dW2, h, dh, z, dz)."""
    h, a, z = mlp_forward(w1, w2, x)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz = (p - np.eye(3)[y]) / len(y)
    dw2 = dz.T @ a
    dh = (dz @ w2) * (h > 0)
    dw1 = dh.T @ x
    return dw1, dw2, h, dh, z, dz


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
