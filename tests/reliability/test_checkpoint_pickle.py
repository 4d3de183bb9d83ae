"""A trained-supernet checkpoint is tensors and plain data: it is read ``weights_only``, so a
crafted pickle put in the (often shared) checkpoint cache is refused with one line and runs no
code. On the code before issue 28 (``torch.load(weights_only=False)``) the payload ran."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from nasbench.cli import make_cli
from nasbench.errors import EXIT_TRIALS_FAILED, DataError
from nasbench.plugins import get_plugin_manager
from nasbench.store import Store
from nasbench_plugins.oneshot.training import load_checkpoint, train_config


class Payload:
    """Unpickled by a full unpickler, it writes ``marker``: proof that the file ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('code ran')",))


def craft(path: Path, marker: Path) -> None:
    """A torch file at ``path`` that looks like a checkpoint and carries ``Payload``."""
    torch.save({"format": 3, "config": {}, "net": Payload(marker)}, path)


def test_a_crafted_checkpoint_is_refused_and_runs_nothing(tmp_path):
    from nasbench.registry import make_registry

    space = make_registry().get("space", "nb201")
    config = train_config(space, {}, 0, 10, "images")
    path, marker = tmp_path / "supernet-nb201-x.pt", tmp_path / "pwned"
    craft(path, marker)
    with pytest.raises(DataError, match=r"holds pickled code \(exec\), which nasbench never loads; delete it"):
        load_checkpoint(path, config, "cpu")
    assert not marker.exists()


TINY = ["nb201_channels=2", "nb201_cells=1", "train_epochs=1", "train_steps=1", "train_batch_size=8", "eval_batches=1"]


@pytest.mark.usefixtures("data_dir")
def test_a_run_that_meets_a_crafted_checkpoint_in_its_cache_fails_that_trial_with_one_line(tmp_path):
    cache, store, marker = tmp_path / "ckpt", tmp_path / "s.sqlite", tmp_path / "pwned"
    args = ["run", "--space", "nb201", "--strategy", "darts", "--json", "--store", str(store)]
    args += [f"--set={s}" for s in [*TINY, f"checkpoint_dir={cache}"]]
    cli = make_cli(get_plugin_manager())
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    (trained,) = cache.glob("supernet-nb201-*.pt")
    craft(trained, marker)  # someone with write access to the shared cache swaps the file

    again = CliRunner().invoke(cli, [*args, "--force"])
    assert again.exit_code == EXIT_TRIALS_FAILED, again.output
    (line,) = [json.loads(x) for x in again.stdout.splitlines() if x.startswith("{")]
    assert line["status"] == "failed"
    assert line["failure"] == (
        f"DataError: supernet checkpoint {trained} holds pickled code (exec), which nasbench never loads; delete it"
    )
    assert not marker.exists()
    with Store(store) as s:
        assert [r["status"] for r in s.rows()] == ["ok"]  # a failed row never replaces the finished one
