"""Table 1 of Zero-One-Shot as measured here: memory, time and accuracy per technique, their ratios
to DARTS, beside the paper's; and the ``nasbench zero-one-shot`` commands (``table1``, ``mask``).

The suite file (``suites/zero_one_shot_table1.toml``) names the cells and runs them (``nasbench
suite run``); the suite engine has no memory metric and no ratio between cells, so this module
reads the cells' trials from the store and puts, per technique, the mean peak search memory
(CUDA max allocated on a GPU, peak-RSS increase on CPU), the mean search seconds and the NB301
accuracy beside Table 1's CIFAR-10 row. "Shape" = Kendall's tau between the measured and the
paper's ratios over the techniques (1 = the same order).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from nasbench.api import (
    DEFAULT_STORE,
    BadInput,
    Store,
    command_group,
    data_dir_option,
    hookimpl,
    kendall,
    registry_of,
)
from nasbench_plugins.zero_one_shot.masks import format_mask

#: Table 1, CIFAR-10 rows, as printed: technique -> (memory MB, time s, accuracy %)
PAPER = {
    "DARTS": (21593, 22924, 96.79),
    "beta-DARTS": (21593, 23166, 96.84),
    "PC-DARTS": (6438, 19597, 95.32),
    "ETENAS": (363, 6159, 96.11),
    "ETENAS-PC": (379, 5415, 96.14),
    "DARTS-RND": (11190, 12240, 96.63),
    "Zero-One-Shot": (4124, 15175, 96.86),
    "Zero-One-Shot-RND": (3838, 12252, 96.51),
}
SUITE = Path("suites/zero_one_shot_table1.toml")


def measured(registry: Any, suite: Any, store: Any, quick: bool, data_dir: str | None = None) -> dict[str, dict]:
    """technique -> mean memory (bytes), seconds, accuracy and n over the suite's seeds."""
    from nasbench_plugins.suites.engine import prepare_cell, seeds_of

    seeds = set(seeds_of(suite, quick))
    out = {}
    for cell in suite.cells:
        key = prepare_cell(registry, suite, cell, quick, data_dir).run_key
        rows = [r for r in store.rows("run_key=?", (key,)) if r["seed"] in seeds and r["status"] == "ok"]
        if not rows:
            continue
        out[cell.name] = {
            "memory": float(np.mean([r["peak_memory_bytes"] for r in rows])),
            "seconds": float(np.mean([r["search_seconds"] for r in rows])),
            "accuracy": float(np.mean([r["test_accuracy"] for r in rows])),
            "device": rows[0]["memory_device"],
            "n": len(rows),
        }
    return out


def shape(values: dict[str, dict], column: int, key: str) -> float | None:
    """Kendall tau between measured and paper ratios to DARTS over the techniques measured."""
    names = [n for n in values if n in PAPER]
    if len(names) < 3 or "DARTS" not in values:
        return None
    ours = [values[n][key] / values["DARTS"][key] for n in names]
    paper = [PAPER[n][column] / PAPER["DARTS"][column] for n in names]
    return float(kendall(ours, paper))


def render(values: dict[str, dict]) -> str:
    """Markdown: measured memory / time / accuracy and ratios to DARTS, beside the paper's."""
    base = values.get("DARTS")
    lines = [
        "| technique | memory MB | ×DARTS | paper MB | paper ×DARTS | time s | ×DARTS | paper s | paper ×DARTS "
        "| accuracy | paper accuracy | n |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, v in values.items():
        p = PAPER.get(name)
        mem, sec = v["memory"] / 2**20, v["seconds"]
        rm = f"{v['memory'] / base['memory']:.2f}" if base else "-"
        rt = f"{v['seconds'] / base['seconds']:.2f}" if base else "-"
        pm = f"{p[0] / PAPER['DARTS'][0]:.2f}" if p else "-"
        pt = f"{p[1] / PAPER['DARTS'][1]:.2f}" if p else "-"
        lines.append(
            f"| {name} | {mem:,.1f} | {rm} | {p[0] if p else '-'} | {pm} | {sec:,.1f} | {rt} | {p[1] if p else '-'} "
            f"| {pt} | {v['accuracy']:.2f} | {p[2] if p else '-'} | {v['n']} |"
        )
    device = next(iter(values.values()))["device"] if values else "-"
    tm, tt = shape(values, 0, "memory"), shape(values, 1, "seconds")
    fmt = lambda t: "-" if t is None else f"{t:.2f}"  # noqa: E731
    return (
        "\n".join(lines)
        + f"\n\nmemory device: {device}; shape (Kendall tau of the ratios vs the paper's): memory {fmt(tm)}, "
        f"time {fmt(tt)}\n"
    )


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    group = command_group(cli, "zero-one-shot", "Zero-One-Shot: Table 1 beside the paper, stored masks.")

    @group.command("table1")
    @click.argument("file", type=click.Path(dir_okay=False), default=str(SUITE))
    @click.option("--quick", is_flag=True, help="the suite's CPU variant")
    @click.option("--store", default=None, help=f"results store (default {DEFAULT_STORE})")
    @data_dir_option()
    def table1_cmd(file: str, quick: bool, store: str | None, data_dir: str | None) -> None:
        """Measured Table 1 (run `nasbench suite run FILE` first) beside the paper's."""
        from nasbench_plugins.suites.engine import load_suite

        suite = load_suite(file)
        with Store(store or DEFAULT_STORE) as st:
            values = measured(registry_of(), suite, st, quick, data_dir)
        if not values:
            raise BadInput(f"no finished trials of {file} in the store: run `nasbench suite run {file}` first")
        click.echo(render(values))

    @group.command("mask")
    @click.option("--store", default=None, help=f"results store (default {DEFAULT_STORE})")
    @click.option("--id", "row_id", type=int, default=None, help="trial id (default: the latest trial with a mask)")
    @click.option("--json", "as_json", is_flag=True, help="the reusable JSON (for --set mask_source=file mask=...)")
    def mask_cmd(store: str | None, row_id: int | None, as_json: bool) -> None:
        """Print the search mask a trial stored (pruned, random or read from a file)."""
        with Store(store or DEFAULT_STORE) as st:
            rows = [r for r in st.rows() if (r.get("extra") or {}).get("info", {}).get("mask")]
        if row_id is not None:
            rows = [r for r in rows if r["id"] == row_id]
        if not rows:
            raise BadInput("no trial with a stored mask" + (f" has id {row_id}" if row_id is not None else ""))
        row = rows[-1]
        mask = row["extra"]["info"]["mask"]
        if as_json:
            click.echo(json.dumps(mask))
            return
        click.echo(
            f"trial {row['id']} ({row['strategy']}, {row['space']}, seed {row['seed']}): source {mask['source']}, "
            f"xi {mask['xi']}, fraction of archs left {mask['fraction']:.4f}"
        )
        click.echo(format_mask(mask["kept"]))
