"""``python nb_cli.py ARGS...``: the real ``nasbench`` CLI with the faulty test plugins loaded.

The crash and concurrency tests run it as a subprocess (so it can be ``kill -9``-ed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faulty_plugins import register_all  # noqa: E402

from nasbench.cli import make_cli  # noqa: E402
from nasbench.plugins import get_plugin_manager  # noqa: E402

if __name__ == "__main__":
    pm = get_plugin_manager()
    register_all(pm)
    make_cli(pm).main(args=sys.argv[1:], prog_name="nasbench")
