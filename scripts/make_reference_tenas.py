#!/usr/bin/env python3
"""Make a TE-NAS reference folder by running the official TE-NAS code on this CPU.

    python scripts/make_reference_tenas.py OFFICIAL_DIR OUT_DIR --seed 0 [--space nb201|darts]
        [--batch-size 72] [--lr-samples 100] [--data DIR] [--commit SHA] [--stop-after-calls N]

OFFICIAL_DIR is a checkout of github.com/VITA-Group/TENAS (e.g. ``git archive`` of 9df78ff
extracted outside this project). Nothing of it is copied: this script imports its
``prune_tenas.py`` and runs its ``main`` with patches applied at run time only:

- CUDA calls become CPU no-ops; ``torch.symeig`` (removed from torch) is ``torch.linalg.eigvalsh``;
  stand-ins for ``torchvision``, ``easydict`` and tensorboard's ``SummaryWriter`` (their code paths
  are replaced, see below, or only log); ``res += res.T`` of the region counter, which torch now
  refuses (a tensor added in place to its own transpose), is computed out of place.
- Data: its NTK loader (``train_loader``: shuffled CIFAR-10 train set, horizontal flip then a
  4-padded random 32 crop) and its region counter's loader (3x3 crops of one random channel of
  shuffled train images, ``linear_region_counter.py:192``) are replaced by loaders that draw the
  same kind of samples from ``cifar-10-batches-bin`` with a generator seeded by ``--seed`` and
  record every image index, flip, crop offset and channel they hand out.
- ``--lr-samples``: the region counter's batch (official 1000, ``prune_tenas.py:396``), smaller
  so that the recorded crops stay small; everything else is the official protocol
  (``prune_launch.py``: precision 3, repeat 3, init kaiming_normal, batch 72 / 14, prune 1 / 3).

Recorded: every NTK condition number ``get_ntk_n`` returns (origin and candidate, per repeat),
every region count ``forward_batch_sample`` returns, the networks' masks at each call, the NTK
network of each round and the thin network of each candidate (state_dicts), each round's
``ntk_all``, ``regions_all``, ``rankings_sum`` and pruned ops (read from the official function's
locals), and the final arch. Output: OUT_DIR/reference.json, data.npz, weights.npz
(format: docs/tenas.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

MEAN = [x / 255 for x in (125.3, 123.0, 113.9)]  # get_dataset_with_transform.py:93-94
STD = [x / 255 for x in (63.0, 62.1, 66.7)]
INF = 1000


def train_files(data: Path) -> list[Path]:
    """The CIFAR-10 training batches present (all five, or the subset a data dir has)."""
    files = sorted((data / "cifar-10-batches-bin").glob("data_batch_*.bin"))
    if not files:
        raise SystemExit(f"no cifar-10-batches-bin/data_batch_*.bin under {data}")
    return files


def cifar_train(files: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """The training images (uint8 [n, 3, 32, 32]) and labels, files concatenated in name order."""
    raw = np.concatenate([np.fromfile(f, np.uint8) for f in files]).reshape(-1, 3073)
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def normalise(x: np.ndarray, channels: np.ndarray | None = None) -> torch.Tensor:
    """uint8 [n, c, h, w] -> float32 as torchvision's ToTensor + Normalize compute it: x / 255,
    minus mean, over std, in float32 (``channels``: the channel each sample was taken from)."""
    t = torch.from_numpy(np.ascontiguousarray(x)).float().div(255)
    mean = torch.tensor(MEAN, dtype=torch.float32)
    std = torch.tensor(STD, dtype=torch.float32)
    if channels is None:
        return t.sub(mean[:, None, None]).div(std[:, None, None])
    c = torch.from_numpy(channels)
    return t.sub(mean[c][:, None, None, None]).div(std[c][:, None, None, None])


class NTKLoader:
    """``train_loader`` as ``get_ntk_n`` uses it: every ``iter`` is a fresh shuffle; records batches."""

    def __init__(self, images, labels, batch: int, rng: np.random.Generator) -> None:
        self.images, self.labels, self.batch, self.rng = images, labels, batch, rng
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:  # only logged
        return len(self.labels) // self.batch

    def __iter__(self):
        idx = self.rng.permutation(len(self.labels))[: self.batch]
        flip = self.rng.random(self.batch) < 0.5
        off = self.rng.integers(0, 9, size=(self.batch, 2))
        self.rows.append((idx, flip, off))
        x = self.images[idx]
        x = np.where(flip[:, None, None, None], x[:, :, :, ::-1], x)  # RandomHorizontalFlip first
        padded = np.pad(x, ((0, 0), (0, 0), (4, 4), (4, 4)))  # then RandomCrop(32, padding=4)
        x = np.stack([p[:, dy : dy + 32, dx : dx + 32] for p, (dy, dx) in zip(padded, off)])
        yield normalise(x), torch.from_numpy(self.labels[idx])


class LRLoader:
    """The region counter's loader: shuffled epochs of ``batch`` 3x3 crops of one random channel."""

    def __init__(self, images, batch: int, rng: np.random.Generator) -> None:
        self.images, self.batch, self.rng = images, batch, rng
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __iter__(self):
        loader = self

        class Epoch:
            order = loader.rng.permutation(len(loader.images))
            start = 0

            def next(self):
                if self.start + loader.batch > len(self.order):  # drop_last
                    raise StopIteration
                idx = self.order[self.start : self.start + loader.batch]
                self.start += loader.batch
                return loader.draw(idx)

            __next__ = next

        return Epoch()

    def draw(self, idx: np.ndarray):
        pos = self.rng.integers(0, 30, size=(len(idx), 2))
        chan = self.rng.integers(0, 3, size=len(idx))
        self.rows.append((idx, pos, chan))
        x = np.stack([self.images[i, c, t : t + 3, s : s + 3] for i, (t, s), c in zip(idx, pos, chan)])
        return normalise(x[:, None], chan), torch.zeros(len(idx), dtype=torch.long)


def stub_modules() -> None:
    """torchvision / easydict / tensorboard stand-ins: the official code imports them; the code
    paths that use them are replaced (data) or only log (its Logger's SummaryWriter)."""
    board = types.ModuleType("torch.utils.tensorboard")
    board.SummaryWriter = lambda *a, **k: types.SimpleNamespace(close=lambda: None)
    sys.modules["torch.utils.tensorboard"] = board
    tv = types.ModuleType("torchvision")
    tv.transforms = types.ModuleType("torchvision.transforms")
    tv.datasets = types.ModuleType("torchvision.datasets")
    sys.modules.update(
        {"torchvision": tv, "torchvision.transforms": tv.transforms, "torchvision.datasets": tv.datasets}
    )
    if "easydict" not in sys.modules:
        ed = types.ModuleType("easydict")

        class EasyDict(dict):
            def __getattr__(self, k):
                try:
                    return self[k]
                except KeyError:
                    raise AttributeError(k) from None

            def __setattr__(self, k, v):
                self[k] = v

        ed.EasyDict = EasyDict
        sys.modules["easydict"] = ed


def cpu_patches() -> None:
    """The official code asks for CUDA everywhere; on this CPU those calls become no-ops."""
    torch.cuda.is_available = lambda: True  # main() asserts it
    torch.cuda.current_device = lambda: 0
    nn.Module.cuda = lambda self, *a, **k: self
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.symeig = lambda a, eigenvectors=False, upper=True: (
        torch.linalg.eigvalsh(a, UPLO="U" if upper else "L"),
        torch.empty(0),
    )


class _OutOfPlaceAdd(torch.Tensor):
    """``res += res.T`` in ``linear_region_counter.py:132`` adds a tensor to its own transpose in
    place, which torch now refuses (overlapping memory); computed out of place here. Only the
    result's zero pattern is used, and any order of the in-place reads gives the same one."""

    def __iadd__(self, other):
        return self.copy_(torch.Tensor.add(self, other))


def lr_counter_patch(lrc_module) -> None:
    proxy = types.ModuleType("torch")
    proxy.__getattr__ = lambda name: getattr(torch, name)
    proxy.matmul = lambda a, b: torch.matmul(a, b).as_subclass(_OutOfPlaceAdd)
    lrc_module.torch = proxy


def masks_of(net) -> list[list[str]]:
    """Per cell type, per edge: '1'/'0' per op (alpha above -INF = still on)."""
    return [["".join("1" if v > -INF / 2 else "0" for v in row) for row in a.detach()] for a in net.get_alphas()]


def parameters_of(net) -> list[tuple[str, torch.Tensor]]:
    """The network's parameters (architecture weights left out; BN buffers too: every forward here
    is in train mode, where BN uses batch statistics)."""
    return [(k, v.detach().clone()) for k, v in net.named_parameters() if "arch_" not in k]


class Enough(Exception):
    """Raised once ``--stop-after-calls`` calls are recorded: the folder then holds those only."""


class Recorder:
    """Everything the official run computes, in call order."""

    def __init__(self, ntk_loader: NTKLoader, lr_loader: LRLoader, stop_after: int = 0) -> None:
        self.ntk_loader, self.lr_loader, self.stop_after = ntk_loader, lr_loader, stop_after
        self.calls: list[dict] = []
        self.rounds: list[dict] = []
        self.weights: dict[str, np.ndarray] = {}
        self.layouts: dict[str, list] = {}
        self._named: list[tuple[object, str]] = []  # networks kept alive so that identity is unambiguous
        self.arch = None

    def _name(self, net, kind: str) -> str:
        for other, name in self._named:
            if other is net:
                return name
        name = f"{kind}{sum(1 for _, n in self._named if n.startswith(kind))}"
        self._named.append((net, name))
        params = parameters_of(net)
        self.layouts.setdefault(kind, [[k, list(v.shape)] for k, v in params])
        self.weights[name] = torch.cat([v.reshape(-1) for _, v in params]).numpy().astype(np.float32)
        return name

    def ntk(self, networks, conds) -> None:
        self.calls.append(
            {
                "kind": "ntk",
                "weights": self._name(networks[0], "ntk"),  # one NTK network per round (per edge phase)
                "batch": len(self.ntk_loader.rows) - 1,
                "masks": [masks_of(networks[0]), masks_of(networks[1])],
                "values": [float(c) for c in conds],
            }
        )

    def lr(self, models, first_row: int, counts) -> None:
        self.calls.append(
            {
                "kind": "lr",
                "weights": self._name(models[0], "thin"),  # one thin network per candidate
                "batches": list(range(first_row, len(self.lr_loader.rows))),
                "masks": [masks_of(models[0]), masks_of(models[1])],
                "values": [float(c) for c in counts],
            }
        )
        if self.stop_after and len(self.calls) >= self.stop_after:
            raise Enough

    def ranking(self, kind: str, loc: dict, pruned) -> None:
        self.rounds.append(
            {
                "kind": kind,
                "after_call": len(self.calls),
                "ntk_all": [[float(v), list(map(int, k))] for v, k in loc["ntk_all"]],
                "regions_all": [[float(v), list(map(int, k))] for v, k in loc["regions_all"]],
                "rankings_sum": [[list(map(int, k)), list(map(int, r))] for k, r in loc["rankings_sum"]],
                "pruned": [list(map(int, c)) for c in pruned],
            }
        )


def trace_locals(official, rec: Recorder) -> None:
    """Read each round's rankings from the official functions' locals (no code of theirs copied)."""
    rank_code = official.prune_func_rank.__code__
    group_code = official.prune_func_rank_group.__code__
    main_code = official.main.__code__

    def local(frame, event, arg):
        code = frame.f_code
        if code is rank_code and event == "return" and "choices_edges" in frame.f_locals:
            rec.ranking("ops", frame.f_locals, [c for choices in frame.f_locals["choices_edges"] for c in choices])
        elif code is group_code and event == "line":
            loc = frame.f_locals
            if "choices" in loc and loc.get("ntk_all") and id(loc["choices"]) != getattr(local, "seen", None):
                local.seen = id(loc["choices"])
                rec.ranking("edges", loc, loc["choices"])
        elif code is main_code and event == "return" and "network" in frame.f_locals:
            genotype = frame.f_locals["network"].genotype()
            rec.arch = genotype.tostr() if hasattr(genotype, "tostr") else str(genotype)
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code in (rank_code, group_code, main_code) else None

    sys.settrace(tracer)


def install(official, lrc_module, rec: Recorder, lr_samples: int) -> None:
    real_ntk = official.get_ntk_n

    def get_ntk_n(loader, networks, **kw):
        conds = real_ntk(loader, networks, **kw)
        rec.ntk(networks, conds)
        return conds

    class RecordingCollector(lrc_module.Linear_Region_Collector):
        def __init__(self, input_size, sample_batch, dataset, data_path, seed):
            super().__init__(input_size=(lr_samples,) + tuple(input_size[1:]), sample_batch=sample_batch, seed=seed)
            self.train_loader = rec.lr_loader
            self.loader = iter(rec.lr_loader)

        def forward_batch_sample(self):
            first = len(rec.lr_loader.rows)
            counts = super().forward_batch_sample()
            rec.lr(self.models, first, counts)
            return counts

    lr_counter_patch(lrc_module)
    official.get_ntk_n = get_ntk_n
    official.Linear_Region_Collector = RecordingCollector
    official.get_datasets = lambda *a, **k: (None, None, (1, 3, 32, 32), 10)
    official.get_nas_search_loaders = lambda *a, **k: (None, rec.ntk_loader, None)
    official.get_model_infos = lambda *a, **k: (0.0, 0.0)


def run(args: argparse.Namespace) -> tuple[Recorder, dict]:
    stub_modules()
    cpu_patches()
    sys.path.insert(0, str(args.official))
    sys.path.insert(0, str(args.official / "lib"))
    import prune_tenas as official  # noqa: PLC0415 - the checkout given on the command line
    from procedures import linear_region_counter as lrc_module  # noqa: PLC0415

    images, labels = cifar_train(train_files(args.data))
    rng = np.random.default_rng(args.seed)
    darts = args.space == "darts"
    batch = args.batch_size or (14 if darts else 72)
    rec = Recorder(NTKLoader(images, labels, batch, rng), LRLoader(images, args.lr_samples, rng), args.stop_after_calls)
    install(official, lrc_module, rec, args.lr_samples)
    xargs = argparse.Namespace(
        data_path=str(args.data), dataset="cifar10", search_space_name="darts" if darts else "nas-bench-201",
        max_nodes=4, track_running_stats=1, workers=0, batch_size=batch, save_dir=tempfile.mkdtemp(),
        arch_nas_dataset=None, rand_seed=args.seed, precision=3, prune_number=3 if darts else 1, repeat=3,
        timestamp="reference", init="kaiming_normal", super_type="nasnet-super" if darts else "basic",
    )  # fmt: skip
    trace_locals(official, rec)
    try:
        official.main(xargs)
    except Enough:
        rec.arch = None  # main's frame was left by the exception: its network is not the final one
        print(f"stopped after {len(rec.calls)} calls (--stop-after-calls): no final arch")
    finally:
        sys.settrace(None)
    space = official.get_search_spaces("cell", xargs.search_space_name)
    settings = {k: getattr(xargs, k) for k in ("rand_seed", "batch_size", "precision", "prune_number", "repeat")}
    return rec, {"ops": list(space), "settings": settings | {"lr_samples": args.lr_samples, "lr_batches": 3}}


def write(out: Path, rec: Recorder, meta: dict, args: argparse.Namespace) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stack = lambda rows, i: np.stack([r[i] for r in rows]) if rows else np.zeros((0,))  # noqa: E731
    ntk, lr = rec.ntk_loader.rows, rec.lr_loader.rows
    np.savez_compressed(
        out / "data.npz",
        ntk_index=stack(ntk, 0).astype(np.int32), ntk_flip=stack(ntk, 1).astype(np.uint8),
        ntk_offset=stack(ntk, 2).astype(np.uint8), lr_index=stack(lr, 0).astype(np.int32),
        lr_pos=stack(lr, 1).astype(np.uint8), lr_channel=stack(lr, 2).astype(np.uint8),
    )  # fmt: skip
    np.savez_compressed(out / "weights.npz", **rec.weights)
    edges = (
        ["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"]
        if args.space == "nb201"
        else sorted(f"{i}<-{j}" for i in range(4) for j in range(i + 2))
    )
    spec = {
        "format": "nasbench-tenas-reference/1",
        "official": {"repository": "VITA-Group/TENAS", "commit": args.commit},
        "space": args.space,
        "cell_types": ["normal"] if args.space == "nb201" else ["normal", "reduce"],
        "ops": meta["ops"],
        "edges": edges,
        "settings": meta["settings"],
        "layouts": rec.layouts,
        "images": {"files": [f"cifar-10-batches-bin/{f.name}" for f in train_files(args.data)]},
        "calls": rec.calls,
        "rounds": rec.rounds,
        "arch": rec.arch or "",
    }
    (out / "reference.json").write_text(json.dumps(spec, indent=1) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("official", type=Path, help="checkout of VITA-Group/TENAS")
    parser.add_argument("out", type=Path, help="folder to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--space", choices=("nb201", "darts"), default="nb201")
    parser.add_argument("--batch-size", type=int, default=0, help="NTK batch (0: official 72 / 14)")
    parser.add_argument("--lr-samples", type=int, default=100, help="region-count batch (official 1000)")
    parser.add_argument("--data", type=Path, default=None, help="data dir with cifar-10-batches-bin")
    parser.add_argument("--stop-after-calls", type=int, default=0, help="stop once this many calls are recorded")
    parser.add_argument("--commit", default=None, help="official commit (default: git rev-parse in OFFICIAL)")
    args = parser.parse_args(argv)
    import os  # noqa: PLC0415

    args.data = args.data or Path(os.environ.get("NASBENCH_DATA", "../shared/data"))
    if args.commit is None:
        proc = subprocess.run(["git", "-C", str(args.official), "rev-parse", "HEAD"], capture_output=True, text=True)
        args.commit = proc.stdout.strip() or "unknown"
    torch.set_num_threads(1)
    rec, meta = run(args)
    write(args.out, rec, meta, args)
    print(f"wrote {args.out}: {len(rec.calls)} calls, {len(rec.rounds)} rankings, arch {rec.arch}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
