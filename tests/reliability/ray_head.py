"""A real Ray head for the cluster test: ``ray start --head --block`` on 127.0.0.1 with its own
port, temp dir and session, stopped by that session alone.

Why not ``ray stop``: it terminates every Ray process on the machine by name (ray/scripts/
scripts.py, ``stop``: ``psutil.process_iter`` matched against Ray's process names), so on a shared
box or CI runner it would also kill other jobs' clusters. Every process of this head (GCS,
raylet, agents, and the workers the raylet forks) shares the session id of the ``ray start``
process, which is started in a new session: stopping is SIGTERM, then SIGKILL, to that session's
process group, then a sweep of anything left in the session, then a check that nothing is.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nasbench.errors import BadInput
from nasbench.raycheck import check_cluster_answers

RAY = Path(sys.executable).with_name("ray")
#: Ray's token authentication off, for the head and its drivers alike: a local ``ray.init`` (the
#: correlate executor tests run one) writes ~/.ray/auth_token, and a head started after that
#: turns token auth on by itself, which a driver without ``RAY_AUTH_MODE=token`` cannot join
RAY_ENV = {"RAY_AUTH_MODE": "disabled"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_pids(sid: int) -> list[int]:
    """Live (not zombie) processes whose session id is ``sid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def process_title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


class RayHead:
    """Start with ``start()``; ``address`` is ``127.0.0.1:PORT``; ``stop()`` always in a finally."""

    def __init__(self, num_cpus: int = 2) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="nbray", dir="/tmp"))  # short: Ray's socket paths are long
        self.log = self.temp / "head.log"
        self.num_cpus = num_cpus
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        args = [str(RAY), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={self.port}"]
        args += [f"--num-cpus={self.num_cpus}", "--include-dashboard=false", "--dashboard-port=0"]
        args += ["--disable-usage-stats", f"--temp-dir={self.temp}"]
        env = dict(os.environ, OMP_NUM_THREADS="1", **RAY_ENV)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start exited {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            if "Ray runtime started" in self.log.read_text():
                try:
                    check_cluster_answers(self.address, timeout=2)
                    return
                except BadInput:
                    pass
            time.sleep(0.5)
        raise RuntimeError(f"the Ray head did not start in {timeout:g} s:\n{self.log.read_text()[-3000:]}")

    def busy_workers(self) -> list[int]:
        """Worker processes of this head running a nasbench job (Ray titles them by the task)."""
        sid = self.process.pid if self.process else -1
        return [pid for pid in session_pids(sid) if process_title(pid).startswith("ray::_ray_call")]

    def stop(self) -> list[int]:
        """Stop every process of the head's session; returns those still alive after (should be [])."""
        if self.process is None:
            return []
        sid = self.process.pid
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(sid, sig)
            except ProcessLookupError:
                pass
            for pid in session_pids(sid):  # a process that left the group but not the session
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while session_pids(sid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if not session_pids(sid):
                break
        self.process.wait(timeout=10)
        left = session_pids(sid)
        shutil.rmtree(self.temp, ignore_errors=True)
        return left
