"""The data files the nb301 family reads: where each sits under a data dir, its source and checksum
(see shared/data/MANIFEST.md); registered so `nasbench data files` lists them."""

from nasbench.api import DataFile, github_raw, hookimpl

NB301_YAHPO_MODEL = DataFile(
    "nb301_yahpo_model",
    "nb301_yahpo/model_v2.onnx",
    github_raw("slds-lmu/yahpo_data", "0e288068134f4af8d231c63d2a941e5ab8060ef0", "nb301/model_v2.onnx"),
    "e7168d495cf7fe6419b69234a052571536c2a5f6d7a8a2aead4e9d04dffac1d6",
    2_781_646,
    "Apache-2.0",
    "NAS-Bench-301 surrogate (YAHPO Gym v2, ONNX)",
)

NB301_YAHPO_ENCODING = DataFile(
    "nb301_yahpo_encoding",
    "nb301_yahpo/encoding_v2.json",
    github_raw("slds-lmu/yahpo_data", "0e288068134f4af8d231c63d2a941e5ab8060ef0", "nb301/encoding_v2.json"),
    "b16bb8db9aa5a9b688cd97e782643abe96bd166baa445675f57cbcf5e6128a98",
    6_706,
    "Apache-2.0",
    "categorical codes of the YAHPO NB301 surrogate",
)

FILES = (
    NB301_YAHPO_MODEL,
    NB301_YAHPO_ENCODING,
)


@hookimpl
def nasbench_register_data_files(register):
    for entry in FILES:
        register(entry)
