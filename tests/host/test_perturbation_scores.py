"""perturbation_scores: the one loop behind every perturbation policy (zc-pt's nasbench-v1 path,
disc-zc): one value per active op, measured with the op removed (or kept alone), mask restored."""

from nasbench.measure import Counters
from nasbench.supernet import active_ops, perturbation_scores
from nasbench.torchutil import torch_generator


def _masks_seen(net, edge, keep):
    seen = {}

    def value():
        row = net.op_mask[net.edges.index(edge)]
        seen[len(seen)] = tuple(bool(v) for v in row)
        return float(row.sum())

    return seen, perturbation_scores(net, edge, value, keep=keep, counters=(counters := Counters())), counters


def test_removal_measures_each_op_switched_off_and_restores_the_mask(toy_space):
    net = toy_space.build_supernet(10, torch_generator(0))
    edge = net.edges[0]
    before = net.op_mask.clone()
    seen, values, counters = _masks_seen(net, edge, keep=False)
    ops = active_ops(net, edge)
    assert list(values) == list(ops) and counters.perturbations == len(ops)
    assert all(sum(mask) == len(ops) - 1 and not mask[i] for i, mask in seen.items())
    assert (net.op_mask == before).all()


def test_keep_measures_the_edge_discretized_to_each_op(toy_space):
    net = toy_space.build_supernet(10, torch_generator(0))
    edge = net.edges[1]
    seen, values, _ = _masks_seen(net, edge, keep=True)
    assert set(values.values()) == {1.0}
    assert all(mask[i] and sum(mask) == 1 for i, mask in seen.items())
