"""Where independent jobs run: in this process, in a pool of spawned processes, or on Ray.

Every executor has one method, ``run(fn, payloads)``, that yields ``(payload, outcome)`` as jobs
finish, in any order. ``fn`` must be a module-level function (it is pickled by reference). The
outcome is ``fn``'s return value, or a ``JobFailed`` when ``fn`` raised or the worker running it
died. A worker that dies loses only the job it held: that job is retried once on a fresh worker,
then reported as failed; the other jobs carry on (``CrashRetry``, the one policy of the process
pool and Ray). Workers use one torch thread each, so N workers use N cores. A job that needs the
plugins rebuilds the parent's registry in its worker with ``worker_registry(plugin_modules_of(pm))``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from nasbench.errors import BadInput

#: how often a job whose worker died is tried again before it is reported failed
RETRIES_AFTER_CRASH = 1
#: the most workers one command asks for (``--workers``): more processes than this only thrash
MAX_WORKERS = 1024
#: seconds to wait for a worker whose pipe closed to be reaped, so its exit code can be reported:
#: the pipe can close before the process is gone (a loaded CI box once reported "exit code None")
REAP_TIMEOUT_S = 10.0


@dataclass
class JobFailed:
    """A job that raised (``crashed`` False) or whose worker died twice (``crashed`` True)."""

    reason: str
    crashed: bool = False
    attempts: int = 1


class CrashRetry:
    """The one retry policy of every executor that can lose a worker: the jobs still to run, in
    order, each with its attempt number; a job whose worker died goes back to the front of the
    line until it has been tried ``1 + retries`` times, then it is reported as
    ``JobFailed(crashed=True)``. A job that raised is never retried (it would raise again)."""

    def __init__(self, payloads: Iterable[Any], retries: int = RETRIES_AFTER_CRASH) -> None:
        self.pending: deque[tuple[Any, int]] = deque((p, 1) for p in payloads)
        self.retries = retries

    def __bool__(self) -> bool:
        return bool(self.pending)

    def __len__(self) -> int:
        return len(self.pending)

    def take(self) -> tuple[Any, int]:
        """The next (payload, attempt) to run."""
        return self.pending.popleft()

    def worker_died(self, payload: Any, attempt: int, reason: str) -> JobFailed | None:
        """The job's worker died on ``attempt``: ``None`` when it is queued again, else the final
        failure; ``reason`` may name ``{attempts}``."""
        if attempt <= self.retries:
            self.pending.appendleft((payload, attempt + 1))
            return None
        return JobFailed(reason.format(attempts=attempt), crashed=True, attempts=attempt)

    @staticmethod
    def finished(outcome: Any, attempt: int) -> Any:
        """``outcome`` (a value, a ``JobFailed`` or a list of them) told how many attempts it took."""
        return _with_attempts(outcome, attempt)


#: per worker process: one registry per tuple of extra plugin modules, built on first use
_REGISTRIES: dict[tuple[str, ...], Any] = {}


def plugin_modules_of(pm: Any) -> tuple[str, ...]:
    """Names of the module plugins registered on ``pm``, so a worker can register the same ones."""
    return tuple(sorted({p.__name__ for p in pm.get_plugins() if type(p).__name__ == "module"}))


def worker_registry(plugin_modules: tuple[str, ...]) -> Any:
    """The registry a job runs with in this process: the installed plugins plus ``plugin_modules``
    (built once per process; ``share_registry`` lets in-process jobs use the caller's own)."""
    if plugin_modules not in _REGISTRIES:
        from nasbench.registry import make_registry

        _REGISTRIES[plugin_modules] = make_registry(plugin_modules)
    return _REGISTRIES[plugin_modules]


def share_registry(plugin_modules: tuple[str, ...], registry: Any) -> None:
    """Let jobs run in this process (serial executor) use ``registry`` for ``plugin_modules``."""
    _REGISTRIES[plugin_modules] = registry


def _call(fn: Callable[[Any], Any], payload: Any) -> Any:
    try:
        return fn(payload)
    except Exception as exc:  # noqa: BLE001 - any job error is reported, never raised
        return JobFailed(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")


class SerialExecutor:
    """Runs every job here, one after the other (a crash here is a crash of the command)."""

    name = "serial"

    def __init__(self, workers: int = 1, address: str | None = None) -> None:
        self.workers = 1

    def run(self, fn: Callable[[Any], Any], payloads: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for payload in payloads:
            yield payload, _call(fn, payload)


def _worker_loop(conn: Connection) -> None:
    """Body of one pool process: receive (fn, payload), send the outcome, until told to stop.

    Ctrl-C reaches the whole process group; workers ignore it and let the parent stop them, so an
    interrupted study prints one message, not a traceback per worker.
    """
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        fn, payload = message
        conn.send(_call(fn, payload))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: tuple[Any, int] | None = None  # (payload, attempt)


class ProcessExecutor:
    """A pool of ``workers`` spawned processes, one job each at a time, dead workers replaced."""

    name = "process"

    def __init__(self, workers: int = 2, address: str | None = None) -> None:
        if workers < 1:
            raise BadInput(f"--workers must be >= 1, got {workers}")
        self.workers = workers
        self._ctx = mp.get_context("spawn")

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_loop, args=(child,), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def run(self, fn: Callable[[Any], Any], payloads: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        jobs = CrashRetry(payloads)
        if not jobs:
            return
        pool = [self._start() for _ in range(min(self.workers, len(jobs)))]
        try:
            while jobs or any(w.job is not None for w in pool):
                for worker in pool:
                    if worker.job is None and jobs:
                        worker.job = jobs.take()
                        worker.conn.send((fn, worker.job[0]))
                busy = [w for w in pool if w.job is not None]
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
                for i, worker in enumerate(pool):
                    if worker.job is None:
                        continue
                    outcome = self._collect(worker)
                    if outcome is _STILL_RUNNING:
                        continue
                    payload, attempt = worker.job
                    worker.job = None
                    if outcome is _DIED:
                        worker.process.join(REAP_TIMEOUT_S)
                        code = worker.process.exitcode
                        if code is None:  # pipe gone, process not: it cannot take jobs any more
                            worker.process.kill()
                            worker.process.join()
                        worker.conn.close()
                        pool[i] = self._start()
                        outcome = jobs.worker_died(
                            payload, attempt, f"worker died (exit code {code}) on each of {{attempts}} attempts"
                        )
                        if outcome is None:
                            continue
                    yield payload, jobs.finished(outcome, attempt)
        finally:  # after an interrupt, busy workers are killed at once: their jobs are not awaited
            for worker in pool:
                _stop(worker, at_once=worker.job is not None)

    @staticmethod
    def _collect(worker: _Worker) -> Any:
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            return _DIED
        if not worker.process.is_alive():
            return _DIED
        return _STILL_RUNNING


_STILL_RUNNING = object()
_DIED = object()


def _with_attempts(outcome: Any, attempt: int) -> Any:
    """Let an outcome that records attempts (``.attempts`` attribute or list of them) know the count."""
    items = outcome if isinstance(outcome, list) else [outcome]
    for item in items:
        if hasattr(item, "attempts"):
            item.attempts = attempt
    return outcome


def _stop(worker: _Worker, at_once: bool = False) -> None:
    try:
        worker.conn.send(None)
    except (OSError, BrokenPipeError):
        pass
    worker.process.join(timeout=0 if at_once else 5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _ray_call(fn: Callable[[Any], Any], payload: Any) -> Any:
    import torch

    torch.set_num_threads(1)
    return _call(fn, payload)


class RayExecutor:
    """Jobs as Ray tasks (one CPU each) on a local instance or the cluster at ``address``.

    A cluster is connected to when the executor is made, before the command does any work: an
    address where nothing answers within ``CONNECT_TIMEOUT`` seconds is one line (``BadInput``),
    not a ``ray.init`` that retries for minutes (``nasbench.raycheck``)."""

    name = "ray"

    def __init__(self, workers: int = 2, address: str | None = None) -> None:
        try:
            import ray  # noqa: F401
        except ImportError as exc:
            raise BadInput("--executor ray needs Ray: pip install 'nasbench[ray]'") from exc
        self.workers = max(1, workers)
        self.address = address
        if address:
            self._init()

    def _init(self) -> Any:
        import ray

        if ray.is_initialized():
            return ray
        # Local workers get this process's import path and nasbench settings, so plugins load alike.
        env = {k: v for k, v in os.environ.items() if k.startswith("NASBENCH_")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        if self.address:
            from nasbench.raycheck import check_cluster_answers

            check_cluster_answers(self.address)
            try:
                ray.init(address=self.address, runtime_env={"env_vars": env}, log_to_driver=False)
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; each is the same user error
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise BadInput(
                    f"cannot join the Ray cluster at --address {self.address}: {type(exc).__name__} {first}"
                ) from None
        else:
            ray.init(num_cpus=self.workers, include_dashboard=False, runtime_env={"env_vars": env}, log_to_driver=False)
        return ray

    def run(self, fn: Callable[[Any], Any], payloads: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        ray = self._init()
        from ray.exceptions import RayError

        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_call)
        jobs = CrashRetry(payloads)
        running: dict[Any, tuple[Any, int]] = {}
        while jobs or running:
            while jobs and len(running) < self.workers:
                payload, attempt = jobs.take()
                running[remote.remote(fn, payload)] = (payload, attempt)
            done, _ = ray.wait(list(running), num_returns=1)
            payload, attempt = running.pop(done[0])
            try:
                outcome = ray.get(done[0])
            except RayError as exc:  # the worker process died (or the task was lost with its node)
                reason = f"Ray worker died on each of {{attempts}} attempts: {type(exc).__name__}"
                outcome = jobs.worker_died(payload, attempt, reason)
                if outcome is None:
                    continue
            yield payload, jobs.finished(outcome, attempt)


EXECUTORS: dict[str, type] = {"serial": SerialExecutor, "process": ProcessExecutor, "ray": RayExecutor}


def make_executor(name: str | None, workers: int = 1, address: str | None = None) -> Any:
    """``name`` from ``EXECUTORS``; ``None`` = serial for one worker, a process pool for more."""
    if not 1 <= workers <= MAX_WORKERS:
        raise BadInput(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")
    if name is None:
        name = "ray" if address else ("serial" if workers == 1 else "process")
    if name not in EXECUTORS:
        raise BadInput(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")
    return EXECUTORS[name](workers=workers, address=address)
