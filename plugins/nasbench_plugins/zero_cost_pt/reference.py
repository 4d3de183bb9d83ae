"""A Zero-Cost-PT reference folder: numbers made with the official code, read and checked for form.

Format (``reference.json`` beside the weight files; see ``shared/data/reference/zcpt_official_nb201``):
``supernet`` {C, N, num_classes, weights, arch_parameters}, ``ops``, ``edges`` ("i<-j"), ``images``
{file, mean, std}, ``proposals`` [{edge_order, steps: [{edge, batch, scores, chosen}], arch}],
``validation`` [{arch, weights, batches, scores, total}]. Weights are official state_dicts, loaded
with torch's restricted (``weights_only``) unpickler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench.api import BadInput, DataError, read_cifar_binary
from nasbench_plugins.nb201.official import load_weights
from nasbench_plugins.zero_cost_pt.official_data import normalise


@dataclass
class Reference:
    folder: Path
    spec: dict[str, Any]
    images: np.ndarray  # uint8 [n, 3, 32, 32] of the file the indices point into

    def batch(self, indices: list[int]) -> torch.Tensor:
        if not indices or min(indices) < 0 or max(indices) >= len(self.images):
            raise DataError(f"{self.folder}: image indices outside 0..{len(self.images) - 1}")
        info = self.spec["images"]
        return normalise(self.images[np.asarray(indices)], tuple(info["mean"]), tuple(info["std"]))

    def weights(self, name: str) -> dict[str, torch.Tensor]:
        """The state_dict a field names: its first word is the file ("supernet.pt (state_dict, ...)")."""
        words = str(name).split()
        if not words:
            raise DataError(f"{self.folder}/reference.json names an empty weights file")
        return load_weights(self.folder / words[0])


_REQUIRED = {"supernet": dict, "ops": list, "edges": list, "images": dict, "proposals": list, "validation": list}


def load_reference(folder: str | Path, data_dirs: list[Path]) -> Reference:
    """Read and check ``folder``; its images file is looked up in ``data_dirs`` (then the folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"reference folder {folder} does not exist")
    path = folder / "reference.json"
    if not path.is_file():
        raise DataError(f"missing reference file {path}")
    try:
        spec = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None
    for key, kind in _REQUIRED.items():
        if not isinstance(spec.get(key), kind):
            raise DataError(f"{path}: '{key}' is missing or not a {kind.__name__}")
    for key in ("file", "mean", "std"):
        if key not in spec["images"]:
            raise DataError(f"{path}: images.{key} is missing")
    rel = spec["images"]["file"]
    candidates = [root / rel for root in data_dirs] + [folder / rel]
    image_file = next((c for c in candidates if c.is_file()), None)
    if image_file is None:
        where = ", ".join(str(c.parent) for c in candidates) or str(folder)
        raise DataError(f"missing image file {rel} of the reference: looked in {where}")
    images, _labels = read_cifar_binary(image_file)
    return Reference(folder, spec, images)
