"""The data files the macro family reads: where each sits under a data dir, its source and checksum
(see shared/data/MANIFEST.md); registered so `nasbench data files` lists them."""

from nasbench.api import DataFile, github_raw, hookimpl

NAS_BENCH_MACRO_CIFAR10 = DataFile(
    "nas_bench_macro_cifar10",
    "nas-bench-macro_cifar10.json",
    github_raw(
        "xiusu/NAS-Bench-Macro", "b1ee7c6ff9d83e6bc002adcaf5c6a9a2ba1a4ac7", "data/nas-bench-macro_cifar10.json"
    ),
    "686dee8363cc21cca8c1f321ad5749454f2d9b9ca5972682e137e539bc522297",
    1_178_821,
    "Apache-2.0",
    "NAS-Bench-Macro: CIFAR-10 test accuracy of all 6,561 archs",
)

FILES = (NAS_BENCH_MACRO_CIFAR10,)


@hookimpl
def nasbench_register_data_files(register):
    for entry in FILES:
        register(entry)
