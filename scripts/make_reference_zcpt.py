#!/usr/bin/env python
"""Make a Zero-Cost-PT reference folder by running the authors' code on CPU (NB201's other proxies,
DARTS cells or Macro).

    python scripts/make_reference_zcpt.py OFFICIAL_DIR OUT_DIR --space s5|macro [--seed S]
    python scripts/make_reference_zcpt.py OFFICIAL_DIR OUT_DIR --space nb201 --proxy snip --foresight DIR
    python scripts/make_reference_zcpt.py OFFICIAL_DIR OUT_DIR --space nb201 --proxy tenas --foresight DIR --batch 8

OFFICIAL_DIR is a checkout of visionbasicagent/zerocost_operation_score @55fc52b, extracted
outside the project (e.g. ``git archive``). This script imports and runs it; nothing of it is
copied. Runtime patches only: ``.cuda()`` returns its object and ``.to(cuda)`` is a no-op (Macro's
``main()`` also sees ``torch.cuda.is_available()`` true and a log-only parameter count that today's
numpy refuses is summed with ``sum``);
stand-in modules for torchvision / yacs / simplejson when they are not installed (the official
modules import them, the code paths run here use none of them); a dataset that yields the
records of ``cifar-10-batches-bin/data_batch_1.bin`` normalised without augmentation, with the
record *index* as the target, so every minibatch the official code draws is stored as indices.

``--space s5``: the official DARTS-space supernet (``sota/cnn/model_search_darts_proj.py``, tiny C
and cell count), ``pt_project`` (``sota/cnn/init_projection.py``, ``proj_crit=jacob``,
``edge_decision=random``) for each proposal, every ``Jocab_Score`` it computes (7 per op step,
the edge scores of each topology step) recorded; then the distinct candidates as official
``pycls`` ``NetworkCIFAR`` networks scored by ``Scorers/scorer.py`` ``Jocab_Scorer`` on V batches
each, as ``zerocostnas/post_validate.py`` does. ``--space macro``: ``nasbench_macro/
network_proposal.py``'s own ``main()`` (10 proposals) with a tiny stem width, every score recorded.
``--space nb201 --proxy P`` (P one of the code's other ``proj_crit``s: snip, grad_norm, fisher,
grasp, synflow, jacob_cov): the official NB201 supernet (``nasbench201/search_model_darts_proj.py``,
tiny C and N) and ``pt_project``'s branch for other proxies (``init_projection.py:348-366``), every
``find_measures`` value it computes recorded with the minibatch it drew. That branch names
``train_queue``, which ``init_projection.py`` does not define (docs/zc-pt.md); the one patch beyond
the runtime ones binds that name to the queue ``pt_project`` is given. ``--foresight`` is a checkout of
SamsungLabs/zero-cost-nas (the ``foresight`` package the code imports). Records keep their labels
here (the measures need them); a recording sampler logs the indices of each new iterator.
``--space nb201 --proxy tenas``: the code's own route for that proxy, ``tenas_project``
(``init_projection.py:389-446``), on the tiny official supernet and its one-channel-stem twin, every
NTK condition number and region count recorded with the minibatch and the crops it used (runtime
patches for it: ``torch.symeig`` as ``torch.linalg.eigvalsh``, the DataLoader iterator's ``.next``
alias, ``calc_LR``'s in-place ``res += res.T`` out of place, loaders without workers; the region
collector's 1,000 crops a batch cut to ``--lr-samples``).
The folder format is described in docs/zc-pt.md; ``nasbench verify zc-pt OUT_DIR`` checks it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nasbench.api import read_cifar_binary
from nasbench_plugins.zero_cost_pt.official_data import CIFAR_MEAN, CIFAR_STD, normalise
from nasbench_plugins.zero_cost_pt.reference import pack_state

IMAGES = "cifar-10-batches-bin/data_batch_1.bin"
COMMIT = "55fc52b"


# -- runtime patches --------------------------------------------------------------------------
def _stub(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


class _CfgNode(dict):
    """Attribute dict standing in for yacs' CfgNode (pycls' config module builds one at import)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def register_deprecated_key(self, key):
        pass


def patch_runtime() -> None:
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self
    to = nn.Module.to

    def to_cpu(self, *args, **kwargs):
        if any(isinstance(a, torch.device) and a.type == "cuda" for a in args):
            return self
        return to(self, *args, **kwargs)

    nn.Module.to = to_cpu
    tensor_to = torch.Tensor.to

    def tensor_to_cpu(self, *args, **kwargs):
        if any(isinstance(a, torch.device) and a.type == "cuda" for a in args):
            return self
        return tensor_to(self, *args, **kwargs)

    torch.Tensor.to = tensor_to_cpu
    try:
        import torchvision  # noqa: F401
    except ImportError:
        noop = type("Transform", (), {"__init__": lambda self, *a, **k: None})
        tv = _stub("torchvision")
        tv.transforms = _stub("torchvision.transforms", **{n: noop for n in ("Compose", "RandomCrop", "ToTensor")})
        tv.transforms.__dict__.update(RandomHorizontalFlip=noop, Normalize=noop, RandomResizedCrop=noop)
        tv.datasets = _stub("torchvision.datasets", VisionDataset=object, CIFAR10=None)
        tv.datasets.utils = _stub("torchvision.datasets.utils")
    for name, attrs in (("yacs", {}), ("yacs.config", {"CfgNode": _CfgNode}), ("simplejson", json.__dict__)):
        try:
            __import__(name)
        except ImportError:
            _stub(name, **{k: v for k, v in attrs.items() if not k.startswith("__")})


class IndexedImages(torch.utils.data.Dataset):
    """The 1,000 records as the official loaders see them (no augmentation), target = record index."""

    def __init__(self, data_dir: Path, *_args, **_kwargs) -> None:
        images, _labels = read_cifar_binary(data_dir / IMAGES)
        self.x = normalise(images)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return self.x[i], i


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _indices(target: torch.Tensor) -> list[int]:
    return [int(i) for i in target]


# -- DARTS cells ------------------------------------------------------------------------------
DARTS_EDGES = [(j, k) for k in range(2, 6) for j in range(k)]


def _edge_name(cell: str, eid: int) -> str:
    j, k = DARTS_EDGES[int(eid)]
    return f"{cell}:{j}->{k}"


def _record_darts(init_projection, log: list) -> None:
    """Wrap ``Jocab_Score``, ``project_op`` and ``project_edge`` so every call is logged."""
    score, project_op, project_edge = (
        init_projection.Jocab_Score,
        init_projection.project_op,
        init_projection.project_edge,
    )
    calls: list = []

    def jocab(model, cell_type, input, target, weights=None):
        value = float(score(model, cell_type, input, target, weights=weights))
        calls.append((value, weights.detach().clone()))
        return value

    def op(model, input, target, args, cell_type, selected_eid=None):
        calls.clear()
        eid, opid = project_op(model, input, target, args, cell_type, selected_eid)
        names = model.PRIMITIVES["primitives_normal" if cell_type == "normal" else "primitives_reduct"][eid]
        log.append({"kind": "op", "edge": _edge_name(cell_type, eid), "batch": _indices(target),
                    "scores": [c[0] for c in calls], "chosen": names[opid]})  # fmt: skip
        return eid, opid

    def edge(model, input, target, args, cell_type):
        calls.clear()
        nid, eids = project_edge(model, input, target, args, cell_type)
        rounds: list[dict] = []
        for value, weights in calls:  # the removed edge is the node's edge with an all-zero row
            eid = next(e for e in model.nid2eids[nid] if not bool(weights[e].any()))
            if not rounds or _edge_name(cell_type, eid) in rounds[-1]:
                rounds.append({})
            rounds[-1][_edge_name(cell_type, eid)] = value
        log.append({"kind": "topology", "node": f"{cell_type}:{int(nid) + 3}", "batch": _indices(target),
                    "rounds": rounds, "kept": [_edge_name(cell_type, e) for e in eids]})  # fmt: skip
        return nid, eids

    init_projection.Jocab_Score, init_projection.project_op, init_projection.project_edge = jocab, op, edge


def _genotype_json(genotype) -> dict:
    return {
        "normal": [[op, int(j)] for op, j in genotype.normal],
        "reduce": [[op, int(j)] for op, j in genotype.reduce],
    }


def make_darts(official: Path, out: Path, data_dir: Path, a: argparse.Namespace) -> dict:
    from sota.cnn import init_projection
    from sota.cnn.model_search_darts_proj import DartsNetworkProj
    from sota.cnn.spaces import spaces_dict

    args = argparse.Namespace(
        learning_rate=0.025, momentum=0.9, weight_decay=3e-4, nesterov=False, edge_decision="random",
        proj_crit_normal="jacob", proj_crit_reduce="jacob", proj_crit_edge="jacob",
    )  # fmt: skip
    _seed(a.seed)
    model = DartsNetworkProj(a.channels, 10, a.layers, nn.CrossEntropyLoss(), spaces_dict[a.space], args)
    torch.save(pack_state(model.state_dict()), out / "supernet.pt")
    torch.save({"normal": model.alphas_normal.detach(), "reduce": model.alphas_reduce.detach()}, out / "alphas.pt")
    data = IndexedImages(data_dir)
    queue = torch.utils.data.DataLoader(data, batch_size=a.batch, shuffle=True)
    log: list = []
    _record_darts(init_projection, log)
    proposals = []
    for _ in range(a.proposals):
        log.clear()
        init_projection.pt_project(queue, model, args)
        proposals.append({"steps": list(log), "genotype": _genotype_json(model.genotype())})
        model.reset_arch_parameters()
    validation = _validate_darts(official, out, data, proposals, a)
    return {
        "supernet": {"C": a.channels, "layers": a.layers, "num_classes": 10, "weights": "supernet.pt",
                     "alphas": "alphas.pt"},
        "proposals": proposals,
        "validation": validation,
    }  # fmt: skip


def _validate_darts(official: Path, out: Path, data, proposals: list, a: argparse.Namespace) -> dict:
    """``post_validate.py:200-234``: each distinct candidate a pycls NetworkCIFAR, V batches of the
    first V*B images (one shuffled pass), official ``Jocab_Scorer``; nanargmax of the sums."""
    from pycls.models.nas.genotypes import Genotype
    from pycls.models.nas.nas import NetworkCIFAR
    from Scorers.scorer import Jocab_Scorer

    _seed(a.seed)
    subset = torch.utils.data.Subset(data, list(range(a.val_batches * a.batch)))
    queue = torch.utils.data.DataLoader(subset, batch_size=a.batch, shuffle=True)
    nets = []
    for proposal in proposals:
        g = proposal["genotype"]
        if any(n["genotype"] == g for n in nets):
            continue
        genotype = Genotype(normal=[tuple(p) for p in g["normal"]], normal_concat=range(2, 6),
                            reduce=[tuple(p) for p in g["reduce"]], reduce_concat=range(2, 6))  # fmt: skip
        network = NetworkCIFAR(a.channels, 10, a.layers, False, genotype)
        network.drop_path_prob = 0.0
        scorer = Jocab_Scorer(0)
        scorer.setup_hooks(network, a.batch)
        name = f"val_{len(nets)}.pt"
        torch.save(pack_state(network.state_dict()), out / name)
        entry = {"genotype": g, "weights": name, "batches": [], "scores": []}
        for x, target in queue:
            entry["batches"].append(_indices(target))
            entry["scores"].append(float(scorer.score(network, x, target)))
        total = 0.0
        for value in entry["scores"]:  # crit_list[-1] += score, in batch order
            total += value
        entry["total"] = total
        nets.append(entry)
    choice = int(np.nanargmax([n["total"] for n in nets]))
    return {"C": a.channels, "layers": a.layers, "networks": nets, "choice": nets[choice]["genotype"]}


# -- NB201, proxies other than nwot (the find_measures branch) ---------------------------------
FORESIGHT_COMMIT = "a43bfbc"
NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


class LabelledImages(torch.utils.data.Dataset):
    """The records with their labels (the measures' loss needs them), no augmentation."""

    def __init__(self, data_dir: Path) -> None:
        images, labels = read_cifar_binary(data_dir / IMAGES)
        self.x, self.y = normalise(images), torch.as_tensor(np.asarray(labels), dtype=torch.long)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return self.x[i], self.y[i]


class RecordingSampler(torch.utils.data.Sampler):
    """``SubsetRandomSampler`` over every record (a fresh ``torch.randperm`` of the global generator
    per iterator), logging each permutation: a batch drawn by ``next(iter(loader))`` is its head."""

    def __init__(self, n: int, log: list) -> None:
        self.n, self.log = n, log

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        perm = torch.randperm(self.n).tolist()
        self.log.append(perm)
        return iter(perm)


def _without_mask_buffers(state: dict) -> dict:
    """The official masked layers' constant buffers (``weight_mask`` = 1, ``score`` = 0) left out, as in
    the shared NB201 folder; checked to be those constants first."""
    for name, value in state.items():
        if name.endswith(".weight_mask") or name.endswith(".score"):
            assert bool((value == (1 if name.endswith(".weight_mask") else 0)).all()), name
    return {k: v for k, v in state.items() if not (k.endswith(".weight_mask") or k.endswith(".score"))}


def make_nb201_measures(official: Path, out: Path, data_dir: Path, a: argparse.Namespace) -> dict:
    """``pt_project``'s branch for ``a.proxy`` on a tiny official NB201 supernet, ``a.proposals`` times
    (α redrawn between them as ``networks_proposal.py`` does), every value and minibatch recorded."""
    sys.path[:0] = [str(official / "nasbench201"), str(a.foresight.resolve())]
    import foresight.pruners.predictive as predictive
    from nasbench201 import init_projection
    from nasbench201.search_model_darts_proj import TinyNetworkDartsProj

    args = argparse.Namespace(
        learning_rate=0.025, momentum=0.9, weight_decay=3e-4, nesterov=False, edge_decision="random",
        proj_crit=a.proxy, dataset="cifar10",
    )  # fmt: skip
    _seed(a.seed)
    model = TinyNetworkDartsProj(a.channels, a.cells, 4, 10, nn.CrossEntropyLoss(), NB201_OPS, args)
    torch.save(pack_state(_without_mask_buffers(model.state_dict())), out / "supernet.pt")
    drawn: list = []
    data = LabelledImages(data_dir)
    queue = torch.utils.data.DataLoader(data, batch_size=a.batch, sampler=RecordingSampler(len(data), drawn))
    init_projection.train_queue = queue  # the name pt_project's branch uses (undefined there)
    values: list = []
    measure = predictive.find_measures

    def recorded(*args, **kwargs):
        result = measure(*args, **kwargs)
        values.append(float(result[a.proxy]))
        return result

    predictive.find_measures = recorded
    steps: list = []
    project_op = model.project_op
    edge_names = {i: name for name, i in model.edge2index.items()}  # "to<-from", as nasbench names them

    def op(eid, opid):  # a step ends: its edge batch, then one minibatch per find_measures call
        edge_batch, *op_batches = drawn[-(1 + model.num_op) :]
        steps.append({"edge": edge_names[int(eid)], "edge_batch": edge_batch[: a.batch],
                      "op_batches": [b[: a.batch] for b in op_batches], "scores": list(values[-model.num_op :]),
                      "chosen": NB201_OPS[int(opid)]})  # fmt: skip
        return project_op(eid, opid)

    model.project_op = op
    alphas, proposals = {}, []
    for p in range(a.proposals):
        alphas[f"proposal_{p}"] = model.arch_parameters()[0].detach().clone()
        steps.clear()
        init_projection.pt_project(queue, model, args)
        proposals.append({"alpha": f"proposal_{p}", "steps": list(steps), "arch": model.genotype().tostr()})
        model.reset_arch_parameters()
    torch.save(alphas, out / "alphas.pt")
    return {
        "proxy": a.proxy,
        "foresight": f"SamsungLabs/zero-cost-nas@{FORESIGHT_COMMIT}",
        "supernet": {"C": a.channels, "N": a.cells, "num_classes": 10, "weights": "supernet.pt", "alphas": "alphas.pt"},
        "ops": NB201_OPS,
        "proposals": proposals,
    }


# -- NB201, tenas (tenas_project) ------------------------------------------------------------
LR_PAD, LR_CROP = 4, 3  # linear_region.py get_datasets: RandomCrop(input_size[1], padding=4)
LR_MEAN = tuple(x / 255 for x in (125.3, 123.0, 113.9))  # linear_region.py get_datasets, cifar10
LR_STD = tuple(x / 255 for x in (63.0, 62.1, 66.7))


class RecordingCrops(torch.utils.data.Dataset):
    """Stand-in for ``linear_region.get_datasets``' training set at input size (1, 3, 3): each item is
    a random 3x3 crop of the record padded by 4 zero pixels, normalised, then one random channel
    (``RandomCrop``, ``ToTensor``, ``Normalize``, ``RandChannel(1)``). Positions and channels come
    from a numpy generator seeded by ``--seed`` and are logged as (record, top, left, channel)."""

    def __init__(self, data_dir: Path, seed: int) -> None:
        images, _labels = read_cifar_binary(data_dir / IMAGES)
        self.images = np.pad(images, ((0, 0), (0, 0), (LR_PAD, LR_PAD), (LR_PAD, LR_PAD)))
        self.rng = np.random.default_rng(seed)
        self.log: list[tuple[int, int, int, int]] = []

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        top, left = (int(v) for v in self.rng.integers(0, self.images.shape[2] - LR_CROP + 1, size=2))
        ch = int(self.rng.integers(0, 3))
        self.log.append((int(i), top, left, ch))
        crop = self.images[i, ch, top : top + LR_CROP, left : left + LR_CROP].astype(np.float32) / 255
        return torch.from_numpy((crop - LR_MEAN[ch]) / LR_STD[ch])[None], 0


def _lr_count_out_of_place(self) -> None:
    """``LinearRegionCount.calc_LR`` with its ``res += res.T`` written out of place (torch now refuses
    adding a tensor in place to its own transpose); the same float16 counts, float32 reciprocals."""
    a = self.activations.half()
    res = torch.matmul(a, (1 - a).T)
    res = res + res.T
    res = 1 - torch.sign(res)
    self.n_LR = (1.0 / res.sum(1).float()).sum().item()
    self.activations = None


def make_nb201_tenas(official: Path, out: Path, data_dir: Path, a: argparse.Namespace) -> dict:
    """``tenas_project`` (``init_projection.py:389-446``) on a tiny official NB201 supernet and its
    one-channel-stem twin (``networks_proposal.py:133-134``), ``a.proposals`` times, every NTK
    condition number and region count recorded with the minibatch and crops it used."""
    sys.path[:0] = [str(official / "nasbench201"), str(a.foresight.resolve())]
    from nasbench201 import init_projection, linear_region
    from nasbench201.search_model_darts_proj import TinyNetworkDartsProj

    torch.symeig = lambda m, eigenvectors=False: (torch.linalg.eigvalsh(m), None)  # removed from torch
    torch.cuda.current_device = lambda: 0
    dl_iter = torch.utils.data.dataloader._BaseDataLoaderIter
    dl_iter.next = dl_iter.__next__  # the Python 2 alias forward_batch_sample calls (``self.loader.next()``)
    linear_region.LinearRegionCount.calc_LR = _lr_count_out_of_place
    crops = RecordingCrops(data_dir, a.seed)
    linear_region.get_datasets = lambda *_args, **_kw: (crops, None, 10)
    loader = torch.utils.data.DataLoader
    torch.utils.data.DataLoader = lambda *args, **kw: loader(*args, **{**kw, "num_workers": 0, "pin_memory": False})
    collector = init_projection.Linear_Region_Collector

    def small_collector(*args, input_size=(1000, 1, 3, 3), **kw):  # fewer crops, so the folder stays small
        return collector(*args, input_size=(a.lr_samples, *input_size[1:]), **kw)

    init_projection.Linear_Region_Collector = small_collector

    args = argparse.Namespace(
        learning_rate=0.025, momentum=0.9, weight_decay=3e-4, nesterov=False, edge_decision="random",
        proj_crit="tenas", dataset="cifar10", data=str(data_dir), seed=a.seed,
    )  # fmt: skip
    _seed(a.seed)
    model = TinyNetworkDartsProj(a.channels, a.cells, 4, 10, nn.CrossEntropyLoss(), NB201_OPS, args)
    thin = TinyNetworkDartsProj(a.channels, a.cells, 4, 10, nn.CrossEntropyLoss(), NB201_OPS, args, stem_channels=1)
    torch.save(pack_state(_without_mask_buffers(model.state_dict())), out / "supernet.pt")
    torch.save(pack_state(_without_mask_buffers(thin.state_dict())), out / "thin.pt")
    drawn: list = []
    queue = torch.utils.data.DataLoader(
        LabelledImages(data_dir), batch_size=a.batch, sampler=RecordingSampler(1000, drawn)
    )
    edge_names = {i: name for name, i in model.edge2index.items()}
    ntks: list = []
    ntk_n = init_projection.get_ntk_n

    def recorded_ntk(xloader, networks, **kw):
        conds = ntk_n(xloader, networks, **kw)
        ntks.append((float(conds[0]), drawn[-1][: a.batch]))
        return conds

    init_projection.get_ntk_n = recorded_ntk
    lrs: list = []
    sample = linear_region.Linear_Region_Collector.forward_batch_sample

    def recorded_lr(self):
        start = len(crops.log)
        (value,) = sample(self)
        lrs.append((float(value), crops.log[start:]))
        return [value]

    linear_region.Linear_Region_Collector.forward_batch_sample = recorded_lr
    decisions: list = []
    all_crops: list = []
    project_op = model.project_op

    def op(eid, opid):  # a decision ends: its pairs are the values logged since the last one
        remaining = [int(e) for e in torch.nonzero(model.candidate_flags).flatten()]
        pairs = [(edge_names[e], NB201_OPS[k]) for e in remaining for k in range(model.num_op)]
        assert len(ntks) == len(lrs) == len(pairs), (len(ntks), len(lrs), len(pairs))
        decisions.append({"edges": [edge_names[e] for e in remaining], "pairs": [list(p) for p in pairs],
                          "ntk_batches": [b for _, b in ntks], "ntks": [v for v, _ in ntks],
                          "crops": len(all_crops), "lrs": [v for v, _ in lrs],
                          "edge": edge_names[int(eid)], "chosen": NB201_OPS[int(opid)]})  # fmt: skip
        all_crops.extend(c for _, c in lrs)
        ntks.clear()
        lrs.clear()
        return project_op(eid, opid)

    model.project_op = op
    alphas, proposals = {}, []
    try:
        for p in range(a.proposals):
            alphas[f"proposal_{p}"] = model.arch_parameters()[0].detach().clone()
            decisions.clear()
            init_projection.tenas_project(queue, model, thin, args)
            proposals.append({"alpha": f"proposal_{p}", "decisions": list(decisions), "arch": model.genotype().tostr()})
            model.reset_arch_parameters()
    finally:
        torch.utils.data.DataLoader = loader
    torch.save(alphas, out / "alphas.pt")
    torch.save({"crops": torch.tensor(all_crops, dtype=torch.int16)}, out / "crops.pt")
    return {
        "proxy": "tenas",
        "route": "tenas_project",
        "supernet": {"C": a.channels, "N": a.cells, "num_classes": 10, "weights": "supernet.pt",
                     "thin_weights": "thin.pt", "alphas": "alphas.pt"},
        "regions": {"crops": "crops.pt", "samples": a.lr_samples, "batches": 3, "pad": LR_PAD, "size": LR_CROP,
                    "mean": list(LR_MEAN), "std": list(LR_STD)},
        "ops": NB201_OPS,
        "proposals": proposals,
    }  # fmt: skip


# -- NAS-Bench-Macro --------------------------------------------------------------------------
def make_macro(official: Path, out: Path, data_dir: Path, a: argparse.Namespace) -> dict:
    """``nasbench_macro/network_proposal.py`` ``main()`` itself, in a scratch directory (it writes
    logs there and reads ``../data/nas-bench-macro_cifar10.json``), with a tiny stem width."""
    work = Path(tempfile.mkdtemp(prefix="zcpt-macro-"))
    (work / "data").mkdir()
    (work / "data" / "nas-bench-macro_cifar10.json").symlink_to(data_dir / "nas-bench-macro_cifar10.json")
    (work / "run").mkdir()
    os.chdir(work / "run")
    sys.path.insert(0, str(official / "nasbench_macro"))
    sys.argv = ["network_proposal.py", "--batch_size", str(a.batch), "--seed", str(a.seed), "--save", "search"]
    import model as macro_model
    import network_proposal as proposal

    made: list = []

    def network(*args, **kwargs):
        made.append(macro_model.Network(*args, init_channels=a.channels, **kwargs))
        return made[-1]

    calls: list = []
    score = proposal.Jocab_Scorer.score

    def recorded(self, model, input, target, weights):
        value = float(score(self, model, input, target, weights))
        calls.append({"weights": np.asarray(weights).tolist(), "batch": _indices(target), "score": value})
        return value

    loader = torch.utils.data.DataLoader
    proposal.Network, proposal.Jocab_Scorer.score = network, recorded
    # a log-only helper that today's numpy refuses (np.sum of a generator): the same count, summed
    proposal.utils.count_parameters_in_MB = lambda m: sum(int(np.prod(v.size())) for _, v in m.named_parameters())
    proposal.dset.CIFAR10 = functools.partial(IndexedImages, data_dir)
    proposal.torch.utils.data.DataLoader = lambda *args, **kw: loader(
        *args, **{**kw, "num_workers": 0, "pin_memory": False}
    )
    available = torch.cuda.is_available
    torch.cuda.is_available = lambda: True  # main() exits without a GPU; nothing here uses one
    random.seed(a.seed)  # the official edge orders come from the unseeded `random` module
    try:
        proposal.main()
    finally:
        torch.utils.data.DataLoader, torch.cuda.is_available = loader, available
    (model,) = made
    torch.save(pack_state(model.state_dict()), out / "supernet.pt")
    return {
        "supernet": {"init_channels": a.channels, "num_classes": 10, "weights": "supernet.pt"},
        "proposals": _macro_proposals(calls),
        "validation": None,
    }


def _macro_proposals(calls: list) -> list:
    """Group the scores into proposals (8 layers x 3 ops each) and steps; the official kept op is
    ``np.nanargmin``; ``arch_official`` is the code's string (kept ops in decision order)."""
    proposals = []
    per = 8 * 3
    for p in range(0, len(calls), per):
        steps, ops = [], {}
        for s in range(p, p + per, 3):
            trio = calls[s : s + 3]
            layer = next(i for i, row in enumerate(trio[0]["weights"]) if min(row) == 0 and max(row) < 1)
            kept = int(np.nanargmin([c["score"] for c in trio]))
            steps.append({"layer": layer, "batch": trio[0]["batch"], "weights": trio[0]["weights"],
                          "scores": [c["score"] for c in trio], "chosen": kept})  # fmt: skip
            ops[layer] = kept
        proposals.append(
            {
                "steps": steps,
                "arch": "".join(str(ops[i]) for i in range(8)),
                "arch_official": "".join(str(s["chosen"]) for s in steps),
            }  # fmt: skip
        )
    return proposals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("official_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--space", choices=("s5", "macro", "nb201"), required=True)
    parser.add_argument("--proxy", default="snip", help="nb201: the official proj_crit (not jacob)")
    parser.add_argument("--foresight", type=Path, help="nb201: a checkout of SamsungLabs/zero-cost-nas")
    parser.add_argument("--cells", type=int, default=1, help="nb201: cells per stage N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("NASBENCH_DATA", "../shared/data")))
    parser.add_argument("--channels", type=int, default=None, help="C (s5: 2, nb201: 4) or the Macro stem width (4)")
    parser.add_argument("--layers", type=int, default=5, help="DARTS cells")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--proposals", type=int, default=2, help="DARTS proposals (Macro: its code's 10)")
    parser.add_argument("--val-batches", type=int, default=2, help="DARTS validation batches V")
    parser.add_argument("--lr-samples", type=int, default=20, help="nb201 tenas: crops a region batch (official 1000)")
    a = parser.parse_args()
    a.channels = a.channels or (4 if a.space in ("macro", "nb201") else 2)
    if a.space == "nb201" and (a.foresight is None or a.proxy == "jacob"):
        parser.error("--space nb201 needs --foresight DIR and a --proxy other than jacob (nwot)")
    official, out, data_dir = a.official_dir.resolve(), a.out_dir.resolve(), a.data_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    patch_runtime()
    sys.path.insert(0, str(official))
    make = {"macro": make_macro, "nb201": make_nb201_measures}.get(a.space, make_darts)
    if a.space == "nb201" and a.proxy == "tenas":
        make = make_nb201_tenas
    made = make(official, out, data_dir, a)
    spec = {
        "format": "zcpt-reference/2",
        "space": a.space,
        "official": f"visionbasicagent/zerocost_operation_score@{COMMIT}",
        "seed": a.seed,
        "batch_size": a.batch,
        "images": {"file": IMAGES, "mean": list(CIFAR_MEAN), "std": list(CIFAR_STD)},
        **made,
    }
    (out / "reference.json").write_text(json.dumps(spec, indent=1) + "\n")
    print(f"wrote {out}/reference.json")


if __name__ == "__main__":
    main()
