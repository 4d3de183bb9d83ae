"""Shared helpers of the reliability tests: the faulty plugins, the CLI in-process and as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from faulty_plugins import register_all

HERE = Path(__file__).resolve().parent
NB_CLI = HERE / "nb_cli.py"


@pytest.fixture
def faulty_pm():
    """A fresh plugin manager: the installed plugins, the toy space and the faulty components."""
    from nasbench.plugins import get_plugin_manager

    pm = get_plugin_manager()
    register_all(pm)
    return pm


@pytest.fixture
def cli(faulty_pm):
    """``cli(args) -> click Result`` through the real command group (CliRunner, stderr apart)."""
    from nasbench.cli import make_cli

    def invoke(args: list[str]):
        return CliRunner().invoke(make_cli(faulty_pm), [str(a) for a in args])

    return invoke


def nb_command(*args: object) -> list[str]:
    return [sys.executable, str(NB_CLI), *map(str, args)]


def nb_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", NASBENCH_OFFLINE="1")
    env.update(extra)
    return env


def run_nb(*args: object, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """The CLI as a subprocess, to completion."""
    return subprocess.run(nb_command(*args), capture_output=True, text=True, timeout=timeout, env=nb_env(**env))
