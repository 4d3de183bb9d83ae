"""The data files the correlate family reads: where each sits under a data dir, its source and checksum
(see shared/data/MANIFEST.md); registered so `nasbench data files` lists them."""

from nasbench.api import DataFile, github_raw, hookimpl

NASWOT_REFERENCE = DataFile(
    "naswot_reference",
    "reference/naswot_arch_score_acc.csv",
    "https://raw.githubusercontent.com/BayesWatch/nas-without-training/a1aa24c257741db0a049e4f126be67ffb1adc2dc/results/arch_score_acc.pd",
    "f386107cfaf3105646a9bfcd46b7030752ef04af20e7165a04dc9a025d75a754",
    2_515_567,
    "MIT",
    "NASWOT v1 scores of all NB201 archs (converted from the published pickle to CSV)",
)

NASLIB_ZC_NB201 = DataFile(
    "naslib_zc_nb201",
    "reference/zc_nasbench201.json",
    github_raw("automl/NASLib", "22280f711aa782fe9157d1b4e5ce4f83f47ab908", "naslib/data/zc_nasbench201.json"),
    "310e1d66fc59d668fe1e0460760eaf0e1f98ad7ac8d73b4fee9d6345551d0b09",
    533_967,
    "Apache-2.0",
    "NASLib zero-cost proxy values of 491 NB201 archs",
)

FILES = (
    NASWOT_REFERENCE,
    NASLIB_ZC_NB201,
)


@hookimpl
def nasbench_register_data_files(register):
    for entry in FILES:
        register(entry)
