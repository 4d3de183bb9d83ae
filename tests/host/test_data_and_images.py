"""Data files resolved by name with checksums; CIFAR binary batches read as published."""

import numpy as np
import pytest
import torch

from nasbench import data
from nasbench.errors import DataError
from nasbench.images import ImageSet, load_cifar10, read_cifar_binary
from nasbench_plugins.nb201.data_files import NB201_CIFAR10_VALID_AVG


def _write_cifar(path, labels, label_bytes=1, seed=0):
    rng = np.random.default_rng(seed)
    records = []
    for label in labels:
        head = np.array([label] * label_bytes, dtype=np.uint8)
        records.append(np.concatenate([head, rng.integers(0, 256, 3072, dtype=np.uint8)]))
    np.concatenate(records).tofile(path)
    return np.stack(records)


def test_cifar_binary_records_are_label_then_planar_rgb(tmp_path):
    raw = _write_cifar(tmp_path / "b.bin", [3, 7])
    images, labels = read_cifar_binary(tmp_path / "b.bin")
    assert labels.tolist() == [3, 7]
    assert images.shape == (2, 3, 32, 32)
    assert images[1, 0, 0, 0] == raw[1, 1]  # first red pixel follows the label byte
    assert images[1, 1, 0, 0] == raw[1, 1 + 1024]  # green plane starts 1,024 bytes later
    assert images[1, 2, 31, 31] == raw[1, 3072]


def test_cifar100_records_carry_two_label_bytes(tmp_path):
    _write_cifar(tmp_path / "c.bin", [5, 9], label_bytes=2)
    _, fine = read_cifar_binary(tmp_path / "c.bin", label_bytes=2, label_index=1)
    assert fine.tolist() == [5, 9]


def test_truncated_batch_is_a_data_error(tmp_path):
    (tmp_path / "t.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(DataError, match="not a whole number of 3073-byte records"):
        read_cifar_binary(tmp_path / "t.bin")


def test_cifar_loader_reads_a_data_dir_in_the_official_layout(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    _write_cifar(folder / "data_batch_1.bin", list(range(10)))
    _write_cifar(folder / "data_batch_2.bin", [1, 2])
    images = load_cifar10("train", str(tmp_path))
    assert len(images) == 12 and images.num_classes == 10
    assert "12 images (subset)" in images.source


def test_minibatches_reshuffle_each_epoch_and_never_repeat_within_a_batch():
    x = torch.arange(10).float().view(10, 1, 1, 1).expand(10, 3, 1, 1)
    images = ImageSet("t", x.contiguous(), torch.arange(10), 10, "test")
    stream = images.minibatches(5, torch.Generator().manual_seed(0))
    seen = [next(stream)[1].tolist() for _ in range(4)]
    assert sorted(seen[0] + seen[1]) == list(range(10))
    assert all(len(set(batch)) == 5 for batch in seen)
    assert seen[:2] != seen[2:]


def test_known_file_is_found_and_checksummed(tmp_path, monkeypatch):
    payload = b"index,acc\n0,1\n"
    entry = data.DataFile(
        "tiny",
        "tiny.csv",
        "https://example.org/tiny.csv",
        __import__("hashlib").sha256(payload).hexdigest(),
        len(payload),
        "CC0",
    )
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path))
    (tmp_path / "tiny.csv").write_bytes(payload)
    assert data.resolve(entry) == tmp_path / "tiny.csv"
    (tmp_path / "tiny.csv").write_bytes(payload.replace(b"1", b"2"))
    with pytest.raises(DataError, match="tiny.csv is corrupt: sha256 differs"):
        data.resolve(entry)


def test_missing_file_offline_says_what_to_fetch_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_DATA", str(tmp_path))
    with pytest.raises(DataError) as err:
        data.resolve(NB201_CIFAR10_VALID_AVG)
    message = str(err.value)
    assert message.startswith("missing data file nb201_cifar10_valid_avg.csv: download https://raw.githubusercontent")
    assert str(tmp_path / "nb201_cifar10_valid_avg.csv") in message


def test_a_name_that_is_not_a_host_file_is_one_clear_error():
    with pytest.raises(DataError, match="unknown data file 'nb201_test_acc': pass its DataFile"):
        data.resolve("nb201_test_acc")


def test_every_family_data_file_is_registered_once_and_listed(tmp_path):
    from nasbench.registry import make_registry

    files = make_registry().data_files()
    assert {"cifar10_train", "nb201_test_acc", "nb301_yahpo_model", "nas_bench_macro_cifar10"} <= set(files)
    assert files["nb201_cifar10_valid_avg"] is NB201_CIFAR10_VALID_AVG
