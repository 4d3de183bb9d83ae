"""Test plugin: proxies that kill the worker process running them.

``crash-once`` exits on its first call for an arch (a marker file per arch under the directory in
``NASBENCH_TEST_CRASH_DIR`` remembers it) and scores the parameter count after that;
``crash-always`` exits every time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from nasbench.hookspecs import hookimpl


def _params(net) -> float:
    return float(sum(p.numel() for p in net.parameters()))


class CrashOnce:
    name = "crash-once"
    needs_labels = False

    def score(self, net, inputs, targets, generator) -> float:
        key = hashlib.sha1(repr([tuple(p.shape) for p in net.parameters()]).encode()).hexdigest()
        key += f"-{_params(net):.0f}-{float(sum(p.sum() for p in net.parameters())):.6f}"
        marker = Path(os.environ["NASBENCH_TEST_CRASH_DIR"]) / key
        if not marker.exists():
            marker.write_text("crashed once")
            os._exit(3)
        return _params(net)


class CrashAlways:
    name = "crash-always"
    needs_labels = False

    def score(self, net, inputs, targets, generator) -> float:
        os._exit(4)


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(CrashOnce())
    register(CrashAlways())
