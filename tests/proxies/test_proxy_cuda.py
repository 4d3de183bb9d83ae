"""Every proxy on CUDA gives the CPU value (skipped without a GPU)."""

from __future__ import annotations

import math

import pytest
import torch
from proxy_testnets import gen, image_batch, tiny_nb201
from test_proxy_suite import NAMES, PROXIES

from nasbench.supernet import removed

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("name", NAMES)
def test_cuda_matches_cpu_on_masked_supernet(name):
    proxy = PROXIES[name]
    _, supernet = tiny_nb201()
    x, y = image_batch()
    with removed(supernet, "0->2", "nor_conv_3x3"):
        on_cpu = proxy.score(supernet, x, y, gen(3))
        supernet.cuda()
        on_gpu = proxy.score(supernet, x.cuda(), y.cuda(), gen(3))
    assert math.isfinite(on_gpu)
    assert on_gpu == pytest.approx(on_cpu, rel=2e-3, abs=1e-6)
