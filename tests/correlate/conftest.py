"""Fixtures for the correlate tests: a tiny CIFAR-10 file in the official format, the toy plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from correlate_data import write_cifar10


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    return write_cifar10(tmp_path / "data")


@pytest.fixture
def correlate_pm(nasbench_pm, register_plugin):
    import correlate_plugins

    register_plugin(correlate_plugins)
    return nasbench_pm
