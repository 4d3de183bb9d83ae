"""The path a user with a cluster takes: a real Ray head (``ray start --head`` on 127.0.0.1, a port
of its own), ``nasbench run`` and ``nasbench correlate`` with ``--address``, as subprocesses.
Results equal the serial ones; a Ray worker killed mid-run loses and duplicates nothing; an
address where nothing answers is one line within seconds. The head is stopped in a finally
(``ray_head.RayHead.stop``, which says why it does not call ``ray stop``) and the test fails if
any of its processes is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ray_head import RAY_ENV, RayHead, free_port

from nasbench.store import Store

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("data_dir")]

HERE = Path(__file__).resolve().parent
TOY = ["run", "--space", "toy", "--dataset", "toy", "--strategy", "independent", "--scorer", "slow-oracle"]
SEEDS = "0-5"
CORRELATE = ["correlate", "--space", "toy", "--dataset", "toy", "--proxy", "nwot", "--batch-size", "8"]
CORRELATE += ["--seed", "1", "--sample", "6", "--per-arch", "--json"]
#: what may differ between two runs of one spec: time, memory, and where it ran
VARIES = {"id", "search_seconds", "peak_memory_bytes", "finished_at", "protocol"}


def nasbench(*args: object) -> list[str]:
    return [sys.executable, str(HERE / "ray_cli.py"), *map(str, args)]


def env(sleep: float = 0.0) -> dict[str, str]:
    return dict(os.environ, OMP_NUM_THREADS="1", NASBENCH_OFFLINE="1", NASBENCH_TEST_SLEEP=str(sleep), **RAY_ENV)


def rows(path: Path) -> dict[int, dict]:
    with Store(path) as store:
        found = store.rows()
    for row in found:
        row["extra"].pop("memory", None)
    assert len({r["seed"] for r in found}) == len(found), "a seed stored twice"
    return {r["seed"]: {k: v for k, v in r.items() if k not in VARIES} for r in found}


def per_arch(output: str) -> dict[str, float]:
    found = [json.loads(x) for x in output.splitlines() if '"accuracy"' in x and '"spearman"' not in x]
    return {r["arch"]: r["score"] for r in found}


@pytest.fixture(scope="module")
def head():
    cluster = RayHead(num_cpus=2)
    try:
        cluster.start()
        yield cluster
    finally:
        left = cluster.stop()
        assert left == [], f"Ray processes left behind: {left}"


def run_killing_one_worker(head: RayHead, store: Path) -> tuple[int, list[dict], int | None]:
    """``run --address`` on the cluster; after the first result, SIGKILL one busy Ray worker.
    Returns (exit code, the JSON lines, the killed worker's pid or None)."""
    cmd = nasbench(*TOY, "--seeds", SEEDS, "--address", head.address, "--workers", "2", "--json", "--store", store)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(sleep=0.7))
    lines, killed = [], None
    try:
        for line in proc.stdout:
            if not line.startswith("{"):  # Ray's own notes
                continue
            lines.append(json.loads(line))
            deadline = time.monotonic() + 10
            while killed is None and time.monotonic() < deadline:
                busy = head.busy_workers()
                if busy:
                    killed = busy[0]
                    os.kill(killed, signal.SIGKILL)
                time.sleep(0.05)
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, lines, killed


def test_run_on_a_cluster_equals_serial_and_survives_a_killed_worker(head, tmp_path):
    serial = subprocess.run(
        nasbench(*TOY, "--seeds", SEEDS, "--store", tmp_path / "serial.sqlite"), env=env(), capture_output=True
    )
    assert serial.returncode == 0
    code, lines, killed = run_killing_one_worker(head, tmp_path / "ray.sqlite")
    assert killed is not None, "no busy Ray worker was found to kill"
    assert code == 0, lines
    assert sorted(line["seed"] for line in lines) == list(range(6))  # each seed reported once
    assert all(line["status"] == "ok" for line in lines)
    assert rows(tmp_path / "ray.sqlite") == rows(tmp_path / "serial.sqlite")  # nothing lost or duplicated


def test_correlate_on_a_cluster_equals_serial(head, tmp_path):
    serial = subprocess.run(nasbench(*CORRELATE, "--store", tmp_path / "a"), capture_output=True, text=True, env=env())
    on_ray = subprocess.run(
        nasbench(*CORRELATE, "--address", head.address, "--workers", "2", "--store", tmp_path / "b"),
        capture_output=True,
        text=True,
        env=env(),
    )
    assert serial.returncode == 0 and on_ray.returncode == 0, serial.stderr + on_ray.stderr
    assert per_arch(on_ray.stdout) == per_arch(serial.stdout) and len(per_arch(serial.stdout)) == 6


def test_an_address_where_nothing_answers_fails_in_seconds_with_one_line(tmp_path):
    address = f"127.0.0.1:{free_port()}"
    start = time.monotonic()
    proc = subprocess.run(
        nasbench(*TOY, "--address", address, "--store", tmp_path / "s.sqlite"),
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )
    seconds = time.monotonic() - start
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"Error: no Ray cluster answers at --address {address} (Connection refused); "
        "start one with `ray start --head --port PORT` or fix --address"
    ]
    assert seconds < 30
    assert not (tmp_path / "s.sqlite").exists()
