"""A Zero-Cost-PT reference folder: numbers made with the official code, read and checked for form.

``reference.json`` beside the weight files. Its ``space`` says which official path made it:

- none (NB201; see ``shared/data/reference/zcpt_official_nb201``): ``supernet`` {C, N, num_classes,
  weights, arch_parameters}, ``ops``, ``edges`` ("i<-j"), ``images`` {file, mean, std},
  ``proposals`` [{edge_order, steps: [{edge, batch, scores, chosen}], arch}], ``validation``
  [{arch, weights, batches, scores, total}].
- ``s5`` (DARTS cells) and ``macro``: the format ``scripts/make_reference_zcpt.py`` writes, described
  in docs/zc-pt.md (``verify_darts``, ``verify_macro`` read it).
- ``nb201`` with a ``proxy``: the official branch for proxies other than nwot, ``supernet`` {C, N,
  num_classes, weights, alphas}, ``proposals`` [{alpha, steps: [{edge, edge_batch, op_batches,
  scores, chosen}], arch}] (``verify_measures``; the records' labels come from the data file).

Weights are official state_dicts, plain or packed (``pack_state``: one flat tensor per dtype and
the names and shapes beside them, so a folder of many small tensors stays small), loaded with
torch's restricted (``weights_only``) unpickler. Images are record indices into the data file.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench.api import (
    DataError,
    read_cifar_binary,
    reference_data_file,
    reference_folder,
    reference_json,
    require_keys,
)
from nasbench_plugins.nb201.official import load_weights
from nasbench_plugins.zero_cost_pt.official_data import normalise


@dataclass
class Reference:
    folder: Path
    spec: dict[str, Any]
    images: np.ndarray  # uint8 [n, 3, 32, 32] of the file the indices point into
    labels: np.ndarray | None = None  # their classes (folders of proxies whose loss needs them)

    def _rows(self, indices: list[int], n: int) -> np.ndarray:
        """``indices`` as an index array, each a record of the data file (``n`` of them)."""
        if not indices or min(indices) < 0 or max(indices) >= n:
            raise DataError(f"{self.folder}: image indices outside 0..{n - 1}")
        return np.asarray(indices)

    def batch(self, indices: list[int]) -> torch.Tensor:
        info = self.spec["images"]
        rows = self._rows(indices, len(self.images))
        return normalise(self.images[rows], tuple(info["mean"]), tuple(info["std"]))

    def targets(self, indices: list[int]) -> torch.Tensor:
        """The classes of the records ``indices`` names (a find_measures folder's losses need them)."""
        if self.labels is None:
            raise DataError(f"{self.folder}: the data file has no labels")
        rows = self._rows(indices, len(self.labels))
        return torch.as_tensor(np.asarray(self.labels)[rows], dtype=torch.long)

    @property
    def space(self) -> str:
        return str(self.spec.get("space", "nb201"))

    def weights(self, name: str) -> dict[str, torch.Tensor]:
        """The state_dict a field names: its first word is the file ("supernet.pt (state_dict, ...)")."""
        words = str(name).split()
        if not words:
            raise DataError(f"{self.folder}/reference.json names an empty weights file")
        state = load_weights(self.folder / words[0])
        return unpack_state(state, self.folder / words[0]) if "packed:float32" in state else state


def pack_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state_dict as one flat tensor per dtype (``packed:<dtype>``) plus ``packed:index``, a uint8
    tensor holding the zlib-compressed JSON list of (name, dtype, shape): a few zip records instead
    of thousands (a DARTS supernet has ~2,600 tensors)."""
    index, flat = [], {}
    for name, value in state.items():
        dtype = str(value.dtype).removeprefix("torch.")
        index.append([name, dtype, list(value.shape)])
        flat.setdefault(dtype, []).append(value.detach().reshape(-1).cpu())
    out = {f"packed:{dtype}": torch.cat(parts) for dtype, parts in flat.items()}
    out.setdefault("packed:float32", torch.zeros(0))
    out["packed:index"] = torch.tensor(list(zlib.compress(json.dumps(index).encode(), 9)), dtype=torch.uint8)
    return out


def unpack_state(packed: dict[str, torch.Tensor], path: Path) -> dict[str, torch.Tensor]:
    try:
        index = json.loads(zlib.decompress(bytes(packed["packed:index"].tolist())).decode())
        at: dict[str, int] = {}
        state = {}
        for name, dtype, shape in index:
            n = int(np.prod(shape)) if shape else 1
            start = at.get(dtype, 0)
            state[name] = packed[f"packed:{dtype}"][start : start + n].reshape(shape).clone()
            at[dtype] = start + n
    except (KeyError, ValueError, TypeError, RuntimeError, UnicodeDecodeError, zlib.error) as exc:
        raise DataError(f"{path} is not a packed state_dict ({type(exc).__name__})") from None
    return state


_REQUIRED = {"supernet": dict, "ops": list, "edges": list, "images": dict, "proposals": list, "validation": list}
_REQUIRED_V2 = {"space": str, "supernet": dict, "images": dict, "proposals": list}


def load_reference(folder: str | Path, data_dirs: list[Path]) -> Reference:
    """Read and check ``folder``; its images file is looked up in ``data_dirs`` (then the folder)."""
    folder = reference_folder(folder)
    spec = reference_json(folder, {})
    require_keys(folder / "reference.json", spec, _REQUIRED_V2 if "space" in spec else _REQUIRED)
    for key in ("file", "mean", "std"):
        if key not in spec["images"]:
            raise DataError(f"{folder / 'reference.json'}: images.{key} is missing")
    image_file = reference_data_file(folder, spec["images"]["file"], data_dirs)
    images, labels = read_cifar_binary(image_file)
    return Reference(folder, spec, images, np.asarray(labels))
