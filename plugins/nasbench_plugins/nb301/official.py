"""The official NAS-Bench-301 ensemble, used instead of the YAHPO stand-in once imported.

``nasbench data import nb301 DIR`` records DIR (the unpacked ``nb_models_1.0`` of the
``nasbench301`` package) in the user cache; when that record exists and ``nasbench301`` imports,
``nb301`` predicts with the XGB ensemble (``with_noise=False``). Not verified here: neither the
package nor the model files are available in this workplace.
"""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path

import numpy as np

from nasbench import api
from nasbench.api import BadInput, NasbenchError

RECORD = "nb301_official.json"
XGB = "xgb_v1.0"
DartsGenotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")


def record_path() -> Path:
    return api.cache_dir() / RECORD


def register(models_dir: Path) -> Path:
    """Check ``models_dir`` and the package, then record it; returns the record's path."""
    if not (models_dir / XGB).is_dir():
        raise BadInput(f"{models_dir} has no {XGB}/: point at the unpacked nb_models_1.0 of nasbench301")
    try:
        import nasbench301  # noqa: F401
    except ImportError as exc:
        raise NasbenchError("the official nasbench301 package is not installed (pip install nasbench301)") from exc
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": str(models_dir.resolve())}))
    return path


class OfficialNB301:
    """The nasbench301 XGB ensemble: genotypes in, validation accuracy (%) out."""

    def __init__(self, models_dir: Path) -> None:
        import nasbench301

        self.model = nasbench301.load_ensemble(str(models_dir / XGB))

    def predict(self, genotypes: list[dict]) -> np.ndarray:
        out = [
            self.model.predict(
                config=DartsGenotype(g["normal"], [2, 3, 4, 5], g["reduce"], [2, 3, 4, 5]),
                representation="genotype",
                with_noise=False,
            )
            for g in genotypes
        ]
        return np.asarray(out, dtype=np.float64)


def load() -> OfficialNB301 | None:
    """The official ensemble when it was imported and its package is present, else ``None``."""
    path = record_path()
    if not path.is_file():
        return None
    try:
        models = Path(json.loads(path.read_text())["models"])
        return OfficialNB301(models)
    except (ImportError, OSError, KeyError, ValueError):
        return None
