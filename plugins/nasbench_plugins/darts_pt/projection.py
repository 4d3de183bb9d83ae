"""DARTS-PT's projection on a trained supernet, one implementation for ``nasbench run`` and
``nasbench verify darts-pt``: measure A - (e, o) for every op of an edge, keep the op whose removal
hurts most, eliminate a node's inputs, tune between steps (``schedule``). Where the data comes from
is a ``ProjectionData``: random draws for a run (``RandomData``), recorded batches for verify.

Measurement (``semantics.measure``): ``oneshot.perturbation.measure``, BN in batch statistics, on
the batches of one ``measure_batches()`` call. Choice: ``acc`` keeps the op with the lowest
accuracy after its removal, the first on ties (``nasbench201/projection.py:28-50``); ``loss`` the
highest loss. Node step (``semantics.topology``): while more than ``keep`` inputs remain, remove
each remaining input in turn and drop the one whose removal leaves the highest accuracy (the last
on ties: ``not compare``, ``sota/cnn/projection.py:95``) or lowest loss.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from nasbench.api import active_ops, discretize, removed
from nasbench_plugins.darts_pt.schedule import Step
from nasbench_plugins.oneshot import augment
from nasbench_plugins.oneshot.perturbation import measure


class ProjectionData(Protocol):
    def measure_batches(self) -> list[tuple[torch.Tensor, torch.Tensor]]: ...
    def tune_pairs(self) -> Any: ...


class RandomData:
    """A run's projection data, drawn from ``generator`` (see ``semantics`` ``measure``, ``train-data``)."""

    def __init__(
        self, trainer: Any, generator: torch.Generator, measure_all: bool, official_tuning: bool, eval_batches: int
    ):
        self.trainer, self.generator = trainer, generator
        self.measure_all, self.official_tuning, self.eval_batches = measure_all, official_tuning, eval_batches

    def measure_batches(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        t, valid = self.trainer, self.trainer.valid_set
        bs = t.config.batch_size
        if self.measure_all:
            specs = augment.epoch(len(valid), bs, self.generator)
        else:
            specs = augment.fixed(len(valid), bs, self.eval_batches)
        return [t.batch(valid, s) for s in specs]

    def tune_pairs(self) -> Any:
        t = self.trainer
        if not self.official_tuning:
            return t.epoch_pairs()
        bs, n_valid = t.config.batch_size, len(t.valid_set)
        weights = augment.epoch(len(t.train_set), bs, self.generator)[: t.config.steps or None]
        return (
            (t.batch(t.train_set, s), t.batch(t.valid_set, augment.iid(n_valid, bs, self.generator))) for s in weights
        )


class Projection:
    """The projection state of one supernet: decided edges, the data, the criterion, the log."""

    def __init__(
        self, trainer: Any, data: ProjectionData, crit: str = "acc", two_op: bool = True, counters: Any = None
    ):
        self.trainer, self.net, self.data, self.crit, self.counters = trainer, trainer.net, data, crit, counters
        self.decided = torch.zeros(len(self.net.edges), dtype=torch.bool)
        if two_op:
            trainer.driver.decided = self.decided

    # -- measuring ---------------------------------------------------------------------------
    def value(self) -> tuple[float, float]:
        """(accuracy %, loss) of the supernet in its current state on one measurement's batches."""
        batches = self.data.measure_batches()
        if self.counters is not None:
            self.counters.forward_passes += len(batches)
            self.counters.supernet_forwards += len(batches)
        return measure(self.net, batches)

    def score(self, value: tuple[float, float]) -> float:
        """Higher = removing it hurts more = keep: -accuracy, or the loss."""
        return -value[0] if self.crit == "acc" else value[1]

    def op_values(self, edge: str) -> dict[str, tuple[float, float]]:
        out = {}
        for op in active_ops(self.net, edge):
            with removed(self.net, edge, op):
                out[op] = self.value()
            if self.counters is not None:
                self.counters.perturbations += 1
        return out

    def decide(self, edge: str, op: str) -> None:
        discretize(self.net, edge, op)
        self.decided[self.net.edges.index(edge)] = True

    # -- topology ----------------------------------------------------------------------------
    def _edge_removed_value(self, edge: str) -> tuple[float, float]:
        row = self.net.op_mask[self.net.edges.index(edge)]
        saved = row.clone()
        row.zero_()
        try:
            return self.value()
        finally:
            row.copy_(saved)
            if self.counters is not None:
                self.counters.perturbations += 1

    def eliminate(self, edges: list[str], keep: int, greedy: bool = True) -> tuple[list[str], list[dict]]:
        """The ``keep`` inputs a node keeps, and each round's {edge: (acc, loss)} (see module doc)."""
        left, rounds = list(edges), []
        while len(left) > keep:
            values = {e: self._edge_removed_value(e) for e in left}
            rounds.append(values)
            # weakest first; on ties the later input first (the code drops the last of the weakest)
            ranked = sorted(left, key=lambda e: (self.score(values[e]), -left.index(e)))
            drop = ranked[: 1 if greedy else len(left) - keep]
            left = [e for e in left if e not in drop]
        for e in edges:
            if e not in left:
                self.net.op_mask[self.net.edges.index(e)].zero_()
        return left, rounds

    # -- tuning ------------------------------------------------------------------------------
    def tune(self, epochs: int) -> None:
        for _ in range(epochs):
            self.trainer.run_epoch(counters=self.counters, pairs=self.data.tune_pairs())

    def run_step(self, step: Step, choose: Any, node_edges: Any, keep: int, greedy: bool) -> None:
        """Every action of ``step`` in order (``choose(edge) -> (op, scores)`` decides an op), then
        the step's tuning; what happened goes to ``step.log``."""
        for what, name in step.actions:
            if what == "op":
                op, scores = choose(name)
                self.decide(name, op)
                step.log.append({"edge": name, "scores": scores, "chosen": op})
            else:
                kept, rounds = self.eliminate(node_edges(name), keep, greedy)
                step.log.append({"node": name, "rounds": rounds, "kept": kept})
        self.tune(step.tune)
