"""A TE-NAS reference folder: numbers made with the official code, read and checked for form.

Format (``scripts/make_reference_tenas.py`` writes it; docs/tenas.md documents it):
``reference.json`` {format, official, space ("nb201" | "darts"), cell_types, ops (official order),
edges (official "i<-j" keys), settings {batch_size, repeat, precision, prune_number, lr_samples,
lr_batches, rand_seed}, layouts {ntk, thin: [[official parameter name, shape]]}, images {files},
calls, rounds, arch}; ``data.npz`` (the drawn batches: ``ntk_index/flip/offset`` per NTK batch,
``lr_index/pos/channel`` per crop batch, indices into the concatenated ``images.files`` of the
data dir); ``weights.npz`` (per network one float32 vector of its parameters in layout order:
``ntkN`` the NTK network of each phase, ``thinN`` the thin network of each candidate; BN buffers
are not stored: every forward is in train mode). Every ``calls`` entry is one official ``get_ntk_n`` (kind "ntk":
weights, batch, masks [before, after], values [kappa before, kappa after]) or
``forward_batch_sample`` (kind "lr": weights, batches, masks, values [regions before, after]);
masks are per cell type, per edge, "1"/"0" per op. Every ``rounds`` entry is the official
ranking after call ``after_call``: ``ntk_all`` / ``regions_all`` [[mean change, [cell, edge, op]]],
``rankings_sum`` [[[cell, edge, op], [ntk rank, regions rank]]], ``pruned`` [[cell, edge, op]].
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench.api import DataError, read_cifar_binary, reference_data_file, reference_folder, reference_json
from nasbench_plugins.tenas.data import CropDraw, NTKDraw

FORMAT = "nasbench-tenas-reference/1"
_REQUIRED = {"space": str, "ops": list, "edges": list, "cell_types": list, "settings": dict, "images": dict}
_REQUIRED |= {"layouts": dict, "calls": list, "rounds": list, "arch": str}
_ARRAYS = ("ntk_index", "ntk_flip", "ntk_offset", "lr_index", "lr_pos", "lr_channel")


@dataclass
class Reference:
    folder: Path
    spec: dict[str, Any]
    raw: np.ndarray  # uint8 [n, 3, 32, 32]: the concatenated image files
    arrays: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]

    def ntk_draw(self, row: int) -> NTKDraw:
        self._row(row, "ntk_index")
        index = self.arrays["ntk_index"][row]
        self._indices(index)
        return NTKDraw(index, self.arrays["ntk_flip"][row], self.arrays["ntk_offset"][row])

    def crop_draw(self, row: int) -> CropDraw:
        self._row(row, "lr_index")
        index = self.arrays["lr_index"][row]
        self._indices(index)
        return CropDraw(index, self.arrays["lr_pos"][row], self.arrays["lr_channel"][row])

    def parameters(self, name: str) -> dict[str, torch.Tensor]:
        """The parameters of network ``name`` (e.g. ``thin3``) under their official names."""
        kind = name.rstrip("0123456789")
        layout = self.spec["layouts"].get(kind)
        flat = self.weights.get(name)
        if flat is None or not isinstance(layout, list):
            raise DataError(f"{self.folder}: weights.npz has no network {name!r} (or no layout {kind!r})")
        try:
            total = sum(int(np.prod(shape)) for _name, shape in layout)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{self.folder}: layout {kind!r} is malformed ({exc})") from None
        if total != flat.size:
            raise DataError(f"{self.folder}: network {name!r} has {flat.size} values, its layout {total}")
        out, at = {}, 0
        try:
            for pname, shape in layout:
                n = int(np.prod(shape))
                out[str(pname)] = torch.from_numpy(np.array(flat[at : at + n], dtype=np.float32)).reshape(shape)
                at += n
        except (ValueError, TypeError, RuntimeError) as exc:
            raise DataError(f"{self.folder}: network {name!r} does not fit its layout ({exc})") from None
        return out

    def _row(self, row: Any, name: str) -> None:
        if not isinstance(row, int) or not 0 <= row < len(self.arrays[name]):
            raise DataError(f"{self.folder}: batch {row!r} is not a row of data.npz {name}")

    def _indices(self, index: np.ndarray) -> None:
        if index.size and (index.min() < 0 or index.max() >= len(self.raw)):
            raise DataError(f"{self.folder}: image indices outside 0..{len(self.raw) - 1}")


def _json(folder: Path) -> dict[str, Any]:
    spec = reference_json(folder, _REQUIRED, (FORMAT, "TE-NAS reference"))
    if spec["space"] not in ("nb201", "darts"):
        raise DataError(f"{folder / 'reference.json'}: space {spec['space']!r} is not nb201 or darts")
    return spec


def _npz(path: Path, names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays of an .npz (``names``, or all), read without unpickling."""
    if not path.is_file():
        raise DataError(f"missing reference file {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: np.asarray(data[name]) for name in (names or data.files)}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path} is not a readable {path.name} ({type(exc).__name__}: {exc})") from None


def _images(folder: Path, files: Any, data_dirs: list[Path]) -> np.ndarray:
    if not isinstance(files, list) or not files:
        raise DataError(f"{folder}/reference.json: images.files must name the image files")
    return np.concatenate([read_cifar_binary(reference_data_file(folder, rel, data_dirs))[0] for rel in files])


def load_reference(folder: str | Path, data_dirs: list[Path]) -> Reference:
    """Read and check ``folder``; its image files are looked up in ``data_dirs`` (then the folder)."""
    folder = reference_folder(folder)
    spec = _json(folder)
    arrays = _npz(folder / "data.npz", _ARRAYS)
    weights = _npz(folder / "weights.npz")
    raw = _images(folder, spec["images"].get("files"), data_dirs)
    return Reference(folder, spec, raw, arrays, weights)
