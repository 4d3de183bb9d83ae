"""The data files the nb201 family reads: where each sits under a data dir, its source and checksum
(see shared/data/MANIFEST.md); registered so `nasbench data files` lists them."""

from nasbench.api import DataFile, github_raw, hookimpl

NB201_TEST_ACC = DataFile(
    "nb201_test_acc",
    "nb201_test_acc.csv",
    github_raw("v-tao/nats-bench-landscape", "312680307c44fd111146b2be0d0148194fbb2ca8", "nats_bench.csv"),
    "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e",
    3_024_008,
    "values from NATS-Bench (MIT); file licence not stated",
    "NB201 200-epoch test accuracy, seed-averaged: cifar10, cifar100, ImageNet16-120",
)

NB201_CIFAR10_VALID_AVG = DataFile(
    "nb201_cifar10_valid_avg",
    "nb201_cifar10_valid_avg.csv",
    github_raw("gabro8a/NAS-Landscapes", "35a0b81400d9030e48a82cc372879fa7c32270aa", "data/accuracy/cifar10_avg.csv"),
    "1fc89edb42c804223ea2f520a3a65b5e10d8c34bc2d1bbca6bc4b4b38a193827",
    4_050_037,
    "MIT",
    "NB201 cifar10-valid: train on half of train, validation accuracy averaged over 3 seeds",
)

FILES = (
    NB201_TEST_ACC,
    NB201_CIFAR10_VALID_AVG,
)


@hookimpl
def nasbench_register_data_files(register):
    for entry in FILES:
        register(entry)
