"""NAS-Bench-301 for the DARTS cell spaces, through YAHPO Gym's ONNX surrogate (a stand-in).

The official NB301 ensemble (``nasbench301`` package + model files) is not available here.
YAHPO Gym v2 published a neural surrogate of the same NB301 training data as ONNX; we run it
with onnxruntime at epoch 98 and read output column 0 (validation accuracy, fraction) as percent.
Validation: on NASLib's 500 NB301 archs (shared/data/reference/zc_nasbench301.json) its Spearman
against their val_accuracy is 0.60 (tests/nb301/test_nb301_surrogate.py reproduces it).

A surrogate has no table: ``rank`` is taken against a reference sample of 10,000 random archs of
the space (seed 0), computed on first use and cached in the user cache dir; the population size
reported is the sample size. ``table`` returns ``None``, so oracle scorers fail with a message.
One benchmark is registered per cell space whose ops NB301 covers: ``nb301`` (darts),
``nb301-s1``, ``nb301-o1``, ... (S4's noise op has no NB301 code).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nasbench import api
from nasbench.api import Arch, BadInput, DataError, NasbenchError, hookimpl, rank_of
from nasbench_plugins.darts_space.ops import DARTS_OPS
from nasbench_plugins.darts_space.reduced_spaces import SPECS
from nasbench_plugins.darts_space.space import make_space
from nasbench_plugins.darts_space.spec import CellSpaceSpec
from nasbench_plugins.nb301 import official as nb301_official
from nasbench_plugins.nb301.data_files import NB301_YAHPO_ENCODING, NB301_YAHPO_MODEL
from nasbench_plugins.nb301.encoding import EPOCH, encode, load_codes

#: ops with an NB301 code (names as in encoding_v2.json): the DARTS ops, ``none`` for dropped edges
NB301_OPS = frozenset(DARTS_OPS)
SAMPLE_SIZE = 10_000
SAMPLE_SEED = 0
_CHUNK = 2_048


def load_session(path: Path):
    """An onnxruntime session for the surrogate; clear one-line errors when that cannot be."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise NasbenchError("benchmark nb301 needs onnxruntime: pip install 'nasbench[nb301]'") from exc
    try:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise DataError(f"{path} is not a loadable ONNX model ({type(exc).__name__}); fetch it again") from exc
    names = {i.name for i in session.get_inputs()}
    if names != {"x_cat", "x_cont"}:
        raise DataError(f"{path}: inputs {sorted(names)}, expected x_cat and x_cont (YAHPO nb301 v2)")
    return session


class NB301Surrogate:
    """The YAHPO NB301 ONNX model: genotypes in, validation accuracy (%) out."""

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir
        self._session = None
        self._codes: tuple[dict[str, int], ...] | None = None
        self._official = None  # the official ensemble after `nasbench data import nb301`

    def _load(self):
        if self._session is None:
            model = api.resolve_data(NB301_YAHPO_MODEL, self.data_dir)
            self._codes = load_codes(api.resolve_data(NB301_YAHPO_ENCODING, self.data_dir))
            self._session = load_session(model)
        return self._session, self._codes

    @property
    def source(self) -> str:
        """``official`` or the YAHPO model's sha256 prefix (keys the cached rank sample)."""
        if self._official is None:
            self._official = nb301_official.load() or False
        return "official" if self._official else (NB301_YAHPO_MODEL.sha256 or "")[:12]

    def predict(self, genotypes: list[dict]) -> np.ndarray:
        if self.source == "official":
            return self._official.predict(genotypes)
        session, codes = self._load()
        x = np.stack([encode(g, codes) for g in genotypes]).astype(np.int32)
        out = []
        for start in range(0, len(x), _CHUNK):
            chunk = x[start : start + _CHUNK]
            epoch = np.full((len(chunk), 1), EPOCH, dtype=np.float32)
            out.append(session.run(None, {"x_cat": chunk, "x_cont": epoch})[0][:, 0])
        return 100.0 * np.concatenate(out).astype(np.float64)


_SURROGATE = NB301Surrogate()


class NB301Benchmark:
    """NAS-Bench-301 stand-in: YAHPO's ONNX surrogate at epoch 98 (Spearman 0.60 on NASLib's 500 archs)."""

    datasets = ("cifar10",)
    oracle_dataset = {"cifar10": "cifar10"}
    settings: dict = {}

    def __init__(self, spec: CellSpaceSpec, name: str, surrogate: NB301Surrogate = _SURROGATE) -> None:
        self.spec = spec
        self.name = name
        self.space = spec.name
        self.surrogate = surrogate
        self._population: np.ndarray | None = None

    def _check_dataset(self, dataset: str) -> None:
        if dataset not in self.datasets:
            raise BadInput(f"unknown dataset {dataset!r} for {self.name}; choose one of: {', '.join(self.datasets)}")

    def accuracy(self, arch: Arch, dataset: str) -> float:
        self._check_dataset(dataset)
        return float(self.surrogate.predict([self.spec.genotype(arch)])[0])

    def population(self) -> np.ndarray:
        """Surrogate accuracies of the reference sample (cached in the user cache dir)."""
        if self._population is None:
            path = (
                api.cache_dir()
                / "nb301"
                / (f"rank_sample_{self.space}_{self.surrogate.source}_{SAMPLE_SIZE}_{SAMPLE_SEED}.npy")
            )
            values = None
            if path.is_file():
                try:
                    values = np.load(path, allow_pickle=False)
                except (OSError, ValueError):
                    values = None
                if values is not None and (values.shape != (SAMPLE_SIZE,) or not np.all(np.isfinite(values))):
                    values = None
            if values is None:
                space = make_space(self.spec)
                rng = np.random.default_rng(SAMPLE_SEED)
                values = self.surrogate.predict([self.spec.genotype(space.sample(rng)) for _ in range(SAMPLE_SIZE)])
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(tmp, values, allow_pickle=False)
                os.replace(tmp, path)
            self._population = values
        return self._population

    def rank(self, arch: Arch, dataset: str) -> tuple[int, int]:
        pop = self.population()
        return rank_of(self.accuracy(arch, dataset), pop), len(pop)

    def table(self, dataset: str) -> None:
        return None


def covered(spec: CellSpaceSpec) -> bool:
    return all(set(ops) <= NB301_OPS for ops in spec.edge_ops)


@hookimpl
def nasbench_register_benchmarks(register) -> None:
    for spec in SPECS:
        if covered(spec):
            register(NB301Benchmark(spec, "nb301" if spec.name == "darts" else f"nb301-{spec.name}"))
