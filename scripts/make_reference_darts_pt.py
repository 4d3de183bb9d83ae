#!/usr/bin/env python
"""Make a DARTS-PT reference folder by running the official code (ruocwang/darts-pt) on CPU.

    PYTHONPATH=TORCHVISION_DIR python scripts/make_reference_darts_pt.py OFFICIAL_DIR OUT_DIR \
        --space nb201|s5 --seed 0 --first 0 --train 128 --valid 100 --channels 4 --cells 1 --epochs 2

OFFICIAL_DIR is an extracted checkout of the official repository (never copied into nasbench). Its
``train_search.py`` (``nasbench201/`` or ``sota/cnn/``) is imported with ``--method darts-proj
--dev proj`` arguments and its ``main()`` runs: supernet training, then ``pt_project``. Run-time
patches only: ``.cuda()`` returns self, ``torch.cuda.is_available`` is True, thread count and NB201
API queries are no-ops, TensorBoard is a stub, and ``dset.CIFAR10`` is a dataset over records
``first .. first+train+valid-1`` of ``cifar-10-batches-bin/data_batch_1.bin`` whose torchvision
training transform records every crop offset and flip. When ``pt_project`` starts, the supernet
(official state_dict), alpha and the architecture Adam's state are saved; then every batch the
projection draws, every perturbation accuracy/loss (``infer`` with ``eval=False``), every decision
and every tuning step's (weight batch, alpha batch) are written to ``reference.json`` +
``batches.pt`` (format: docs/darts-pt.md). torchvision must be importable (``pip install --no-deps
--target DIR torchvision`` and PYTHONPATH=DIR; a build for another torch is imported without its
compiled ops, which the official code does not use).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

BIN = "cifar-10-batches-bin/data_batch_1.bin"
RECORDS: list[tuple[int, int, int, bool]] = []  # (index, dy, dx, flip) per image fetched


def import_torchvision():
    try:
        import torchvision  # noqa: F401
    except RuntimeError:  # a build for another torch: skip registering its compiled ops
        original = torch.library.register_fake
        torch.library.register_fake = lambda *a, **k: lambda f: f
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        import torchvision  # noqa: F401

        torch.library.register_fake = original
    from torchvision import transforms

    return transforms


def patch_runtime() -> None:
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self
    torch.cuda.is_available = lambda: True
    torch.cuda.set_device = lambda *a, **k: None
    torch.set_num_threads = lambda *a, **k: None
    board = types.ModuleType("torch.utils.tensorboard")
    board.SummaryWriter = type(
        "SummaryWriter", (), {"__init__": lambda s, *a, **k: None, "__getattr__": lambda s, n: lambda *a, **k: None}
    )
    sys.modules["torch.utils.tensorboard"] = board
    api = types.ModuleType("nas_201_api")
    api.NASBench201API = lambda *a, **k: None
    sys.modules["nas_201_api"] = api


def recording_dataset(transforms, images: np.ndarray, labels: np.ndarray, first: int):
    """``dset.CIFAR10`` stand-in: PIL images through the official transform, crops/flips recorded."""
    from PIL import Image

    class RecCrop(transforms.RandomCrop):
        def get_params(self, img, output_size):  # the torchvision method, its draw recorded
            i, j, h, w = transforms.RandomCrop.get_params(img, output_size)
            self.last = (i, j)
            return i, j, h, w

    class RecFlip(transforms.RandomHorizontalFlip):
        def forward(self, img):
            self.last = bool(torch.rand(1) < self.p)
            return transforms.functional.hflip(img) if self.last else img

    class Dataset(torch.utils.data.Dataset):
        def __init__(self, root=None, train=True, download=False, transform=None):
            steps, self.train = transform.transforms, train
            self.crop, self.flip = RecCrop(32, padding=4), RecFlip()
            if train:  # the official training transform, its two random steps recorded
                assert [type(t).__name__ for t in steps[:2]] == ["RandomCrop", "RandomHorizontalFlip"]
                transform = transforms.Compose([self.crop, self.flip, *steps[2:]])
            self.transform = transform

        def __len__(self):
            return len(labels)

        def __getitem__(self, i):
            x = self.transform(Image.fromarray(images[i].transpose(1, 2, 0)))
            if self.train:
                RECORDS.append((first + i, *self.crop.last, self.flip.last))
            return x, int(labels[i])

    return Dataset


class Queue:
    """A DataLoader whose batches are logged as (start, stop) ranges of ``RECORDS`` and as events."""

    def __init__(self, loader, log: list, name: str):
        self.loader, self.log, self.name = loader, log, name

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            self.log.append((len(RECORDS) - len(batch[1]), len(RECORDS)))
            EVENTS.append(("batch", self.name, len(self.log) - 1))
            yield batch


EVENTS: list[tuple] = []  # what the projection did, in order (see ``wrap_projection``)


def load_images(data_dir: str, first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    raw = np.fromfile(Path(data_dir) / BIN, dtype=np.uint8).reshape(-1, 3073)[first : first + count]
    if len(raw) != count:
        raise SystemExit(f"{BIN} has fewer than {first + count} records")
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def argv_for(a) -> list[str]:
    common = ["--method", "darts-proj", "--seed", str(a.seed), "--gpu", "0", "--epochs", str(a.epochs),
              "--init_channels", str(a.channels), "--batch_size", str(a.batch_size), "--dev", "proj",
              "--edge_decision", "random", "--proj_intv", str(a.proj_intv), "--log_tag", "debug"]  # fmt: skip
    if a.space == "nb201":
        return ["train_search.py", *common, "--proj_crit", a.crit]
    crit = ["--proj_crit_normal", a.crit, "--proj_crit_reduce", a.crit, "--proj_crit_edge", a.crit]
    return ["train_search.py", *common, *crit, "--search_space", "s5", "--layers", str(a.cells), "--expid_tag", "debug"]


def save(tensors: dict, path: Path) -> None:
    """torch's legacy (non-zip) format: a file of many small tensors stays small."""
    torch.save(tensors, path, _use_new_zipfile_serialization=False)


def export_state(model, architect, out: Path) -> None:
    """The supernet, alpha and the architecture Adam's state as the projection starts."""
    stats = ("running_mean", "running_var", "num_batches_tracked")  # train-mode BN never reads them
    weights = {k: v.detach().clone() for k, v in model.state_dict().items() if k.rsplit(".", 1)[-1] not in stats}
    save(weights, out / "supernet.pt")
    alphas = list(model.arch_parameters())
    state = [architect.optimizer.state.get(p, {}) for p in alphas]
    adam = {
        "alpha": torch.cat([p.detach() for p in alphas]),
        "exp_avg": torch.cat([s["exp_avg"] for s in state]),
        "exp_avg_sq": torch.cat([s["exp_avg_sq"] for s in state]),
        "step": torch.tensor(float(state[0]["step"])),
    }
    save(adam, out / "alpha.pt")


def wrap_projection(ts, real, out: Path, log: list):
    """``pt_project`` that exports the state, then runs the official one on logged queues/infer."""
    import inspect

    sig = inspect.signature(real)

    def infer(queue, model, *args, **kwargs):
        mark = len(EVENTS)
        acc, loss = ts_infer(queue, model, *args, **kwargs)
        measured = not kwargs.get("eval", kwargs.get("_eval", True))
        used = [e[2] for e in EVENTS[mark:]]
        del EVENTS[mark:]
        EVENTS.append(("measure" if measured else "log", used, float(acc), float(loss)))
        return acc, loss

    def project(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        model, architect = bound.arguments["model"], bound.arguments["architect"]
        export_state(model, architect, out)
        for name in ("train_queue", "valid_queue"):
            bound.arguments[name] = Queue(bound.arguments[name], log, name)
        bound.arguments["infer"] = infer
        op, edge = model.project_op, getattr(model, "project_edge", None)
        model.project_op = lambda *x, **k: (EVENTS.append(("op", *x, *k.values())), op(*x, **k))[1]
        if edge is not None:
            model.project_edge = lambda *x, **k: (EVENTS.append(("edge", *x, *k.values())), edge(*x, **k))[1]
        real(*bound.args, **bound.kwargs)
        geno = model.genotype()
        EVENTS.append(("genotype", geno.tostr() if hasattr(geno, "tostr") else str(geno)))

    ts_infer = ts.infer
    return project


#: DARTS-PT's nodes with more than 2 inputs and their edge ids (``sota/cnn/model_search_darts_proj.py:22``)
NID2EIDS = {0: [2, 3, 4], 1: [5, 6, 7, 8], 2: [9, 10, 11, 12, 13]}


def run_official(a, out: Path) -> tuple[object, list]:
    """Import the official ``train_search`` with this run's arguments and run its ``main()``."""
    transforms = import_torchvision()
    patch_runtime()
    sys.path.insert(0, str(Path(a.official_dir).resolve()))
    images, labels = load_images(a.data_dir, a.first, a.images)
    work = Path(tempfile.mkdtemp(prefix="dartspt-ref-"))
    run_dir = work / "run" if a.space == "nb201" else work / "a" / "run"
    run_dir.mkdir(parents=True)
    (work / "exp_scripts").mkdir()
    (work / "exp_scripts" / "exp.sh").touch()
    os.chdir(run_dir)
    sys.argv = argv_for(a)
    ts = importlib.import_module("nasbench201.train_search" if a.space == "nb201" else "sota.cnn.train_search")
    ts.dset.CIFAR10 = recording_dataset(transforms, images, labels, a.first)
    ts.query = lambda *x, **k: (0.0,) * 8
    ts.ig_utils.count_parameters_in_MB = lambda *x, **k: 0.0  # logging only; np.sum(generator) fails on numpy 2
    ts.ig_utils.count_parameters_in_Compact = lambda *x, **k: 0.0
    top1 = ts.ig_utils.accuracy  # its top-5 (logged only) fails on torch 2 (view of a transposed tensor)
    ts.ig_utils.accuracy = lambda output, target, topk=(1,): top1(output, target, topk=(1,)) * len(topk)
    if a.space == "nb201":  # main() hardcodes N=5 cells per stage
        base = ts.TinyNetworkDartsProj
        ts.TinyNetworkDartsProj = lambda C, N, *x, **k: base(C, a.cells, *x, **k)
    log: list = []
    ts.pt_project = wrap_projection(ts, ts.pt_project, out, log)
    ts.main()
    return ts.args, log


def node_rounds(measures: list, eids: list[int], crit: str) -> list[list]:
    """Label a node step's measurements with their edges: the code re-measures the remaining edges
    each round and drops the last edge with the best accuracy (lowest loss)."""
    left, rounds, it = list(eids), [], iter(measures)
    while len(left) > 2:
        row = [[e, *next(it)[1:]] for e in left]  # [edge, batch ids, acc, loss]
        key = (lambda r: r[2]) if crit == "acc" else (lambda r: -r[3])
        best = max(key(r) for r in row)
        drop = [r[0] for r in row if key(r) == best][-1]
        rounds.append([[r[0], r[2], r[3], r[1]] for r in row])
        left.remove(drop)
    return rounds


def build_steps(crit: str) -> tuple[list[dict], str]:
    """Steps (decisions between two tunings) with their measurements and tuning (weight, alpha) pairs."""
    steps: list[dict] = []
    pending: list = []
    pairs: list = []
    weight, genotype = None, ""
    for ev in EVENTS:
        if ev[0] == "measure":
            pending.append(ev)
        elif ev[0] == "log" and pairs:
            steps[-1]["tuning"].append(pairs)
            pairs = []
        elif ev[0] == "batch":
            if ev[1] == "train_queue":
                weight = ev[2]
            else:
                pairs.append([weight, ev[2]])
        elif ev[0] in ("op", "edge"):
            if not steps or steps[-1]["tuning"]:
                steps.append({"actions": [], "tuning": []})
            cell = ev[3] if len(ev) > 3 else None
            if ev[0] == "op":
                values = [[m[2], m[3], m[1]] for m in pending]
                action = {"op": {"cell": cell, "edge": int(ev[1]), "values": values, "chosen": int(ev[2])}}
            else:
                rounds = node_rounds(pending, NID2EIDS[int(ev[1])], crit)
                action = {"node": {"cell": cell, "node": int(ev[1]), "rounds": rounds, "kept": [int(e) for e in ev[2]]}}
            steps[-1]["actions"].append(action)
            pending = []
        elif ev[0] == "genotype":
            genotype = ev[1]
    return steps, genotype


def _batch_ids(step: dict) -> set[int]:
    ids = {b for ep in step["tuning"] for pair in ep for b in pair}
    for act in step["actions"]:
        if "op" in act:
            ids |= {b for v in act["op"]["values"] for b in v[2]}
        else:
            ids |= {b for r in act["node"]["rounds"] for e in r for b in e[3]}
    return ids


def _renumber(steps: list[dict], new: dict) -> None:
    for s in steps:
        s["tuning"] = [[[new[w], new[v]] for w, v in ep] for ep in s["tuning"]]
        for act in s["actions"]:
            for v in act["op"]["values"] if "op" in act else []:
                v[2] = [new[b] for b in v[2]]
            for r in act["node"]["rounds"] if "node" in act else []:
                for e in r:
                    e[3] = [new[b] for b in e[3]]


def write_folder(a, args, log: list, steps: list[dict], genotype: str, out: Path) -> None:
    used = sorted(set().union(*(_batch_ids(s) for s in steps)))
    new = {b: i for i, b in enumerate(used)}
    recs = [RECORDS[i] for b in used for i in range(*log[b])]
    save(
        {
            "index": torch.tensor([r[0] for r in recs], dtype=torch.int16),
            "crop": torch.tensor([[r[1], r[2]] for r in recs], dtype=torch.int8),
            "flip": torch.tensor([r[3] for r in recs], dtype=torch.bool),
            "size": torch.tensor([log[b][1] - log[b][0] for b in used], dtype=torch.int32),
        },
        out / "batches.pt",
    )
    _renumber(steps, new)
    keys = ("seed", "epochs", "batch_size", "learning_rate", "momentum", "weight_decay", "grad_clip",
            "arch_learning_rate", "arch_weight_decay", "proj_intv")  # fmt: skip
    spec = {
        "format": "darts-pt-reference/1",
        "official": {"repository": "ruocwang/darts-pt", "commit": a.commit, "argv": argv_for(a)},
        "space": a.space,
        "supernet": {
            "channels": a.channels,
            "cells": a.cells,
            "num_classes": 10,
            "weights": "supernet.pt",
            "alpha": "alpha.pt",
        },  # fmt: skip
        "images": {"file": BIN, "first": a.first, "count": a.images},
        "settings": {k: getattr(args, k) for k in keys},
        "crit": a.crit,
        "batches": "batches.pt",
        "steps": steps,
        "genotype": genotype,
    }
    (out / "reference.json").write_text(json.dumps(spec, indent=1) + "\n")


README = """# DARTS-PT reference: {space}, made with the official code

Made by `scripts/make_reference_darts_pt.py` from github {repo} @{commit} (`{entry}`,
`--method darts-proj --dev proj`), run on CPU in fp32 with the run-time patches that script lists.
Format and how to replay it: docs/darts-pt.md (`nasbench verify darts-pt THIS_FOLDER`).

- Images: records {first}-{last} of `{file}` (shared CIFAR-10 batch; the first half trains the
  weights, the second half is the valid queue, `train_portion` 0.5); recorded as indices, crop
  offsets and flips (`batches.pt`), never as images.
- Supernet: {net}; trained {epochs} epochs (batch {batch_size}, seed {seed}) by the official
  `main()`, then `pt_project` with `proj_intv` {proj_intv}, criterion `{crit}`.
- Contents: {n_steps} projection steps, {n_measure} perturbation measurements (accuracy and loss),
  {n_tune} tuning epochs on {n_pairs} recorded (weight, alpha) batch pairs, genotype `{genotype}`.
- Tolerance: `--rtol 1e-5` (relative; absolute below 1). nasbench replays the projection bit for
  bit in the weights; the official code averages per-batch float32 accuracies and losses, nasbench
  sums exactly, which differ by about 1e-7. Any real difference (one image, one op weight, one
  optimizer setting) shows as 1e-3 or more.
"""


def write_readme(out: Path) -> None:
    spec = json.loads((out / "reference.json").read_text())
    st, sn, im, steps = spec["settings"], spec["supernet"], spec["images"], spec["steps"]
    n_measure = sum(len(a["op"]["values"]) if "op" in a else sum(len(r) for r in a["node"]["rounds"])
                    for s in steps for a in s["actions"])  # fmt: skip
    kind = (
        "NB201 supernet C={channels}, N={cells} cell per stage"
        if spec["space"] == "nb201"
        else "s5 supernet C={channels}, {cells} cells"
    )
    text = README.format(
        space=spec["space"], repo=spec["official"]["repository"], commit=spec["official"]["commit"],
        entry="nasbench201/train_search.py" if spec["space"] == "nb201" else "sota/cnn/train_search.py",
        first=im["first"], last=im["first"] + im["count"] - 1, file=im["file"], net=kind.format(**sn),
        crit=spec["crit"], n_steps=len(steps), n_measure=n_measure, genotype=spec["genotype"],
        n_tune=sum(len(s["tuning"]) for s in steps), n_pairs=sum(len(e) for s in steps for e in s["tuning"]), **st,
    )  # fmt: skip
    (out / "README.md").write_text(text)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("official_dir")
    p.add_argument("out_dir")
    p.add_argument("--space", choices=("nb201", "s5"), required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--first", type=int, default=0, help="first record of the .bin file")
    p.add_argument("--images", type=int, default=200, help="images, split in halves: train / valid")
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--cells", type=int, default=1, help="NB201: N cells per stage; s5: layers")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--proj-intv", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--crit", choices=("acc", "loss"), default="acc")
    p.add_argument("--commit", default="4ec3149", help="the official checkout's commit, for the record")
    p.add_argument("--data-dir", default=os.environ.get("NASBENCH_DATA", ""))
    a = p.parse_args()
    out = Path(a.out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    a.data_dir = str(Path(a.data_dir).resolve())
    args, log = run_official(a, out)
    steps, genotype = build_steps(a.crit)
    write_folder(a, args, log, steps, genotype, out)
    write_readme(out)
    print(f"{out}: {len(steps)} steps, genotype {genotype}")


if __name__ == "__main__":
    main()
