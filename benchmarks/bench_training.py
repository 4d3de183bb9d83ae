"""One DARTS training step of the NB201 supernet on CPU (first- and second-order).

Tiny batch (8 random 32x32 images) on the full-size NB201 supernet (C=16, N=5), so the number
tracks the cost of the training engine itself: an alpha step on the valid batch, then a
clipped SGD weight step on the train batch (``SupernetTrainer.run_epoch`` with one step).
"""

from __future__ import annotations

import pytest
import torch

from nasbench.images import ImageSet
from nasbench.torchutil import torch_generator
from nasbench_plugins.nb201.space import NB201Space
from nasbench_plugins.oneshot.training import SupernetTrainer, TrainConfig

BATCH = 8


def _trainer(order: str) -> SupernetTrainer:
    gen = torch_generator(0)
    images = ImageSet(
        "random",
        torch.randn(2 * BATCH, 3, 32, 32, generator=gen),
        torch.randint(0, 10, (2 * BATCH,), generator=gen),
        10,
        "random",
    )
    space = NB201Space()
    net = space.build_supernet(10, torch_generator(1))
    config = TrainConfig(
        space="nb201",
        space_config="{}",
        seed=0,
        num_classes=10,
        data_source="random",
        epochs=1,
        order=order,
        fix_alpha=False,
        batch_size=BATCH,
        steps=1,
        lr=0.025,
        lr_min=0.001,
        momentum=0.9,
        wd=3e-4,
        grad_clip=5.0,
        arch_lr=3e-4,
        arch_wd=1e-3,
    )
    train = ImageSet("t", images.images[:BATCH], images.labels[:BATCH], 10, "random")
    valid = ImageSet("v", images.images[BATCH:], images.labels[BATCH:], 10, "random")
    return SupernetTrainer(net, config, train, valid, torch.device("cpu"), torch_generator(2))


@pytest.mark.parametrize("order", ["first", "second"])
def test_nb201_supernet_training_step(benchmark, record_peak_memory, order):
    trainer = _trainer(order)
    record = benchmark.pedantic(trainer.run_epoch, rounds=3, iterations=1, warmup_rounds=1)
    assert record["loss"] > 0
    assert record_peak_memory(trainer.run_epoch) > 0
