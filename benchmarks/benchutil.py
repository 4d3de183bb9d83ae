"""Helpers shared by benchmark files: ratio timing and the real CIFAR-10 minibatch."""

import time

import numpy as np
import pytest


def median_seconds(fn, repeat=5, warmup=False):
    """Median wall time of ``repeat`` calls of ``fn`` (after one untimed call when ``warmup``)."""
    if warmup:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def cifar_minibatch(size):
    """The first ``size``-image minibatch (generator seed 0) of the real CIFAR-10 images in the data
    dir; skips the test when they are absent."""
    import torch

    from nasbench.images import load_cifar10

    try:
        images = load_cifar10("train")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"needs CIFAR-10 in NASBENCH_DATA ({exc})")
    gen = torch.Generator().manual_seed(0)
    return next(images.minibatches(size, gen))
