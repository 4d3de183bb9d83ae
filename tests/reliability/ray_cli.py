"""``python ray_cli.py ARGS...``: the real ``nasbench`` CLI with ``run_pool_plugin`` registered as
a module, so the workers of a Ray cluster (which import plugins by module name) see the toy
space and the test scorers too. The Ray cluster test runs it as a user would run ``nasbench``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_pool_plugin  # noqa: E402

from nasbench.cli import make_cli  # noqa: E402
from nasbench.plugins import get_plugin_manager  # noqa: E402

if __name__ == "__main__":
    pm = get_plugin_manager()
    pm.register(run_pool_plugin)
    make_cli(pm).main(args=sys.argv[1:], prog_name="nasbench")
