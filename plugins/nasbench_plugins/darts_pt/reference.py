"""A DARTS-PT reference folder (made by ``scripts/make_reference_darts_pt.py`` from the official code),
read and checked for form; its format is in docs/darts-pt.md.

``reference.json``: ``space`` (nb201 | s5), ``supernet`` {channels, cells, num_classes, weights,
alpha}, ``images`` {file, first, count}, ``settings`` (the official run's arguments), ``crit``,
``batches``, ``steps`` [{actions, tuning}], ``genotype``. ``batches.pt``: the image index (a record of
``images.file``), crop offset and flip of every image of every batch, batch after batch (``size``).
Weights are official state_dicts, read with torch's restricted (``weights_only``) unpickler.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from nasbench.api import DataError, ImageSet, read_cifar_binary, reference_data_file, reference_folder, reference_json
from nasbench_plugins.nb201.official import load_weights
from nasbench_plugins.oneshot.augment import BatchSpec, materialise

_REQUIRED = {"space": str, "supernet": dict, "images": dict, "settings": dict, "steps": list, "genotype": str}
_SETTINGS = ("epochs", "batch_size", "learning_rate", "momentum", "weight_decay", "grad_clip",
             "arch_learning_rate", "arch_weight_decay", "proj_intv")  # fmt: skip


@dataclass
class Reference:
    folder: Path
    spec: dict[str, Any]
    images: ImageSet  # every record of the images file (indices are record numbers)
    batches: list[BatchSpec]

    def batch(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not 0 <= int(i) < len(self.batches):
            raise DataError(f"{self.folder}: batch {i} is not in {self.spec.get('batches')}")
        return materialise(self.images, self.batches[int(i)])

    def weights(self, key: str) -> dict[str, torch.Tensor]:
        return load_weights(self.folder / str(self.spec["supernet"][key]))


def _json(folder: Path) -> dict[str, Any]:
    spec = reference_json(folder, _REQUIRED)
    path = folder / "reference.json"
    if spec["space"] not in ("nb201", "s5"):
        raise DataError(f"{path}: space {spec['space']!r}; verify darts-pt reads nb201 or s5 folders")
    missing = [k for k in _SETTINGS if k not in spec["settings"]]
    if missing:
        raise DataError(f"{path}: settings.{missing[0]} is missing")
    return spec


def _batches(folder: Path, name: str, n_images: int) -> list[BatchSpec]:
    table = load_weights(folder / name)
    if not {"index", "crop", "flip", "size"} <= set(table):
        raise DataError(f"{folder / name}: needs the tensors index, crop, flip and size")
    index, crop, flip, size = (table[k] for k in ("index", "crop", "flip", "size"))
    total = int(size.sum())
    if not len(index) == len(crop) == len(flip) == total:
        raise DataError(f"{folder / name}: index, crop and flip must have sum(size) = {total} rows")
    if total and (int(index.min()) < 0 or int(index.max()) >= n_images):
        raise DataError(f"{folder / name}: image indices outside 0..{n_images - 1}")
    if total and (int(crop.min()) < 0 or int(crop.max()) > 8):
        raise DataError(f"{folder / name}: crop offsets outside 0..8")
    out, start = [], 0
    for n in size.tolist():
        sl = slice(start, start + n)
        out.append(BatchSpec(index[sl].long(), crop[sl].long(), flip[sl].bool()))
        start += n
    return out


def load_reference(folder: str | Path, data_dirs: list[Path]) -> Reference:
    """Read and check ``folder``; its images file is looked up in ``data_dirs`` (then the folder)."""
    folder = reference_folder(folder)
    spec = _json(folder)
    image_file = reference_data_file(folder, spec["images"].get("file", ""), data_dirs)
    raw, labels = read_cifar_binary(image_file)
    images = ImageSet.from_uint8("cifar10", raw, labels, 10, str(image_file))
    return Reference(folder, spec, images, _batches(folder, str(spec.get("batches", "batches.pt")), len(labels)))
