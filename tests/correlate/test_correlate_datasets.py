"""CIFAR-100 and ImageNet16-120 readers on tiny files written in the official formats."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from correlate_data import write_cifar10

from nasbench.errors import DataError
from nasbench_plugins.correlate.datasets import (
    MissingImages,
    images_for,
    load_cifar100,
    load_imagenet16,
    restricted_load,
)


def write_cifar100(root, coarse, fine, seed=0):
    rng = np.random.default_rng(seed)
    folder = root / "cifar-100-binary"
    folder.mkdir(parents=True)
    n = len(fine)
    records = np.concatenate(
        [np.array(coarse)[:, None], np.array(fine)[:, None], rng.integers(0, 256, (n, 3072))], axis=1
    )
    records.astype(np.uint8).tofile(folder / "train.bin")


def write_imagenet16(root, name, labels, seed=0, protocol=2):
    rng = np.random.default_rng(seed)
    folder = root / "ImageNet16"
    folder.mkdir(exist_ok=True)
    entry = {
        "data": rng.integers(0, 256, (len(labels), 768), dtype=np.uint8),
        "labels": list(labels),
        "mean": rng.random(768),
    }
    with open(folder / name, "wb") as fh:
        pickle.dump(entry, fh, protocol=protocol)
    return entry


def test_cifar100_uses_the_fine_label(tmp_path):
    write_cifar100(tmp_path, coarse=[3, 3, 19], fine=[0, 57, 99])
    images = load_cifar100("train", str(tmp_path))
    assert images.labels.tolist() == [0, 57, 99] and images.num_classes == 100
    assert tuple(images.images.shape) == (3, 3, 32, 32)


def test_cifar100_with_a_torn_record_is_refused(tmp_path):
    write_cifar100(tmp_path, coarse=[1, 2], fine=[4, 5])
    path = tmp_path / "cifar-100-binary" / "train.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="not a CIFAR binary batch"):
        load_cifar100("train", str(tmp_path))


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_imagenet16_keeps_the_first_120_classes_zero_based(tmp_path, protocol):
    entry = write_imagenet16(tmp_path, "train_data_batch_1", [1, 121, 120, 1000, 7], protocol=protocol)
    write_imagenet16(tmp_path, "train_data_batch_2", [2], seed=1, protocol=protocol)
    images = load_imagenet16("train", str(tmp_path))
    assert images.labels.tolist() == [0, 119, 6, 1]
    assert tuple(images.images.shape) == (4, 3, 16, 16) and images.num_classes == 120
    first = torch_pixels(images.images[0])
    assert np.allclose(first, entry["data"][0].reshape(3, 16, 16), atol=1e-3)


def torch_pixels(normalised):
    from nasbench_plugins.correlate.datasets import IMAGENET16_MEAN, IMAGENET16_STD

    mean = np.array(IMAGENET16_MEAN)[:, None, None]
    std = np.array(IMAGENET16_STD)[:, None, None]
    return (normalised.numpy() * std + mean) * 255


class _Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("touch pwned",))


def test_a_malicious_pickle_is_refused_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "ImageNet16"
    folder.mkdir()
    with open(folder / "val_data", "wb") as fh:
        pickle.dump({"data": _Exploit(), "labels": [1]}, fh)
    with pytest.raises(DataError, match="refusing to unpickle"):
        load_imagenet16("val", str(tmp_path))
    assert not (tmp_path / "pwned").exists()


def test_restricted_unpickler_reports_garbage_as_data_error(tmp_path):
    path = tmp_path / "junk"
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(DataError, match="not a readable"):
        restricted_load(path)


def test_missing_sets_fall_back_to_cifar10_and_say_so(tmp_path, monkeypatch):
    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    write_cifar10(tmp_path)
    with pytest.raises(MissingImages):
        load_imagenet16("train", str(tmp_path))
    found = images_for("ImageNet16-120", str(tmp_path))
    assert found.fallback and found.num_classes == 120 and found.images.name == "cifar10"
    assert "ImageNet16-120 images not available" in found.note and "CIFAR-10" in found.note


def test_present_sets_do_not_fall_back(tmp_path):
    write_cifar100(tmp_path, coarse=[0], fine=[42])
    found = images_for("cifar100", str(tmp_path))
    assert not found.fallback and found.images.name == "cifar100"
