"""Shared test setup: no network, no writes outside tmp dirs, real data when it is there.

``NASBENCH_DATA`` defaults to ../shared/data beside the checkout (CI sets it explicitly);
tests that need it use the ``data_dir`` fixture or ``needs_data`` marker and skip when absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_default = REPO.parent / "shared" / "data"
if not os.environ.get("NASBENCH_DATA") and _default.is_dir():
    os.environ["NASBENCH_DATA"] = str(_default)
if os.environ.get("NASBENCH_DATA"):
    os.environ["NASBENCH_DATA"] = str(Path(os.environ["NASBENCH_DATA"]).resolve())
os.environ["NASBENCH_OFFLINE"] = "1"  # tests never download
os.environ.setdefault("MPLBACKEND", "Agg")

DATA = Path(os.environ["NASBENCH_DATA"]) if os.environ.get("NASBENCH_DATA") else None
HAVE_DATA = DATA is not None and (DATA / "nb201_test_acc.csv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="needs the real data files: set NASBENCH_DATA")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own cwd and cache, so default paths never touch the repo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NASBENCH_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def data_dir() -> Path:
    if not HAVE_DATA:
        pytest.skip("needs the real data files: set NASBENCH_DATA")
    return DATA
