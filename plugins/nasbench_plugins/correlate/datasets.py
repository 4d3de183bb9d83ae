"""Image sets for proxies beyond CIFAR-10: CIFAR-100 and ImageNet16-120, in their official formats.

CIFAR-100 binary records carry 2 label bytes (coarse, fine) before the 3,072 pixel bytes; the fine
label is the class. ImageNet16-120 uses the downsampled-ImageNet batch files (``train_data_batch_1``
.. ``10``, ``val_data``): pickled dicts with ``data`` (uint8 [n, 3*s*s], s = 16) and ``labels``
(1-based); NAS-Bench-201 keeps the labels <= 120. Those files are pickles from a third party, so
they are read with a restricted unpickler that builds only numpy arrays and plain containers.

``images_for(dataset)`` picks the set that matches a benchmark dataset; when its files are not in
the data dir it falls back to CIFAR-10 and says so in the returned note.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nasbench import api as data
from nasbench.api import DataError, ImageSet, load_cifar10, read_cifar_binary

CIFAR100_DIR = "cifar-100-binary"
CIFAR100_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
CIFAR100_MEAN = (129.3 / 255, 124.1 / 255, 112.4 / 255)
CIFAR100_STD = (68.2 / 255, 65.4 / 255, 70.4 / 255)

IMAGENET16_DIR = "ImageNet16"
IMAGENET16_URL = "https://image-net.org/download-images.php (Imagenet16_train.npz / downsampled 16x16 batches)"
IMAGENET16_MEAN = (122.68 / 255, 116.66 / 255, 104.01 / 255)
IMAGENET16_STD = (63.22 / 255, 61.26 / 255, 65.09 / 255)
IMAGENET16_CLASSES = 120


class MissingImages(DataError):
    """The files of an image set are not in any data dir (as opposed to present but corrupt)."""


def _find(relative: str, data_dir: str | None) -> Path | None:
    for root in data.data_dirs(data_dir):
        candidate = root / relative
        if candidate.exists():
            return candidate
    return None


def load_cifar100(split: str = "train", data_dir: str | None = None) -> ImageSet:
    """CIFAR-100 ``train`` or ``test`` from ``cifar-100-binary/{split}.bin`` (fine labels)."""
    relative = f"{CIFAR100_DIR}/{split}.bin"
    path = _find(relative, data_dir)
    if path is None:
        raise MissingImages(f"missing data file {relative}: download {CIFAR100_URL} and unpack it in the data dir")
    images, labels = read_cifar_binary(path, label_bytes=2, label_index=1)
    source = f"CIFAR-100 {split}, {len(labels):,} images from {path}"
    return ImageSet.from_uint8("cifar100", images, labels, 100, source, CIFAR100_MEAN, CIFAR100_STD)


# (module, name) pairs numpy needs to rebuild arrays and scalars from a pickle; nothing else loads.
_ALLOWED_GLOBALS = {
    (mod, name) for mod in ("numpy.core.multiarray", "numpy._core.multiarray") for name in ("_reconstruct", "scalar")
} | {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # protocol-2 pickles carry bytes as latin-1 text
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that admits numpy arrays, lists, dicts and plain scalars, and nothing else."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise DataError(f"refusing to unpickle {module}.{name}: only numpy arrays and plain data are allowed")


def restricted_load(path: Path) -> object:
    """Unpickle ``path`` with ``RestrictedUnpickler`` (latin-1 for Python 2 pickles)."""
    try:
        with open(path, "rb") as fh:
            return RestrictedUnpickler(io.BufferedReader(fh), encoding="latin1").load()
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a corrupt file
        raise DataError(f"{path} is not a readable downsampled-ImageNet batch ({type(exc).__name__}: {exc})") from exc


def read_imagenet16_batch(path: Path, max_label: int = IMAGENET16_CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [n, 3, s, s], 0-based labels) of one batch file, labels <= ``max_label`` kept."""
    entry = restricted_load(path)
    if not isinstance(entry, dict) or "data" not in entry or "labels" not in entry:
        raise DataError(f"{path} is not a downsampled-ImageNet batch: expected a dict with 'data' and 'labels'")
    raw = entry["data"]
    if not isinstance(raw, np.ndarray) or raw.dtype != np.uint8 or raw.ndim != 2:
        raise DataError(f"{path}: 'data' must be a uint8 array [n, 3*s*s]")
    side = int(round((raw.shape[1] / 3) ** 0.5))
    if 3 * side * side != raw.shape[1]:
        raise DataError(f"{path}: rows of {raw.shape[1]} bytes are not 3 square colour planes")
    labels = np.asarray(entry["labels"], dtype=np.int64)
    if labels.shape != (raw.shape[0],):
        raise DataError(f"{path}: {labels.size} labels for {raw.shape[0]} images")
    if labels.size and labels.min() < 1:
        raise DataError(f"{path}: labels must be 1-based")
    keep = labels <= max_label
    return raw[keep].reshape(-1, 3, side, side), labels[keep] - 1


def load_imagenet16(split: str = "train", data_dir: str | None = None) -> ImageSet:
    """ImageNet16-120 ``train`` (every ``train_data_batch_*`` present) or ``val`` (``val_data``)."""
    folder = _find(IMAGENET16_DIR, data_dir)
    names = "train_data_batch_*" if split == "train" else "val_data"
    files = (
        sorted(folder.glob(names), key=lambda p: int(p.name.rsplit("_", 1)[-1]) if split == "train" else 0)
        if folder is not None
        else []
    )
    if not files:
        raise MissingImages(
            f"missing data files {IMAGENET16_DIR}/{names}: get the 16x16 downsampled ImageNet batches from "
            f"{IMAGENET16_URL} and put them in {IMAGENET16_DIR}/ under the data dir"
        )
    parts = [read_imagenet16_batch(f) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    source = f"ImageNet16-120 {split}, {len(labels):,} images from {len(files)} file(s) in {files[0].parent}"
    return ImageSet.from_uint8(
        "ImageNet16-120", images, labels, IMAGENET16_CLASSES, source, IMAGENET16_MEAN, IMAGENET16_STD
    )


@dataclass
class DatasetImages:
    """The images proxies see for a benchmark dataset, the classes its networks have, and a note."""

    images: ImageSet
    num_classes: int
    note: str
    fallback: bool


#: benchmark dataset -> (loader, number of classes of the network's head)
LOADERS = {
    "cifar10": (load_cifar10, 10),
    "cifar10-valid": (load_cifar10, 10),
    "cifar100": (load_cifar100, 100),
    "ImageNet16-120": (load_imagenet16, IMAGENET16_CLASSES),
}


def images_for(dataset: str, data_dir: str | None = None, split: str = "train") -> DatasetImages:
    """Training images of ``dataset``; CIFAR-10 stands in (and the note says so) when they are absent."""
    loader, classes = LOADERS.get(dataset, (None, 10))
    if loader is not None:
        try:
            images = loader(split, data_dir)
            return DatasetImages(images, classes, images.source, fallback=False)
        except MissingImages as exc:
            reason = str(exc)
    else:
        reason = f"no image loader for dataset {dataset!r}"
    images = load_cifar10(split, data_dir)
    note = f"{dataset} images not available ({reason}); proxies ran on {images.source}{STAND_IN_SUFFIX}"
    return DatasetImages(images, classes, note, fallback=True)


#: how a stand-in's note ends, so stored notes can be told apart later (``report-proxies``)
STAND_IN_SUFFIX = " instead"


def is_stand_in(note: str | None) -> bool:
    """True for the note of images that stood in for a dataset's own (see ``images_for``); reads rows
    stored before ``proxy_correlations.images_stand_in`` existed."""
    return bool(note) and note.endswith(STAND_IN_SUFFIX) and " images not available (" in note
