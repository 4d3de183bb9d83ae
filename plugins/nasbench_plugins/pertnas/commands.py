"""``nasbench pertnas ...``: PertNAS' derived data and studies, one command each.

``o2-ops``  O2's op per edge from the NB301 stand-in over all O1 archs (what ``O2_OPS`` holds)
``fig3``    Delta V heatmaps on O1 beside the benchmark's valuations (from the store)
``fig6a``   O1 archs of pertnas / darts / darts-pt ranked among all 65,536 (from the store)
``fig6b``   O2 archs ranked among the 180 topologies, with cell depth (from the store)
``fig5``    peak memory of stage 1, supernet vs evolutionary, |O| = 4..8 (+ random-model accuracy)
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import torch

from nasbench.api import DEFAULT_STORE, Store, command_group, hookimpl, load_cifar10, registry_of, resolve_device


def _write(out: str, payload) -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str))
    return path


store_option = click.option("--store", default=str(DEFAULT_STORE), show_default=True)


def _rows(store: str) -> list[dict]:
    with Store(store) as st:
        return st.rows()


def add_o2_ops(group: click.Group) -> None:
    """``nasbench pertnas o2-ops``."""

    @group.command("o2-ops")
    def o2_ops() -> None:
        """Derive O2's op per edge from NB301 (stand-in) average accuracies over all O1 archs."""
        from nasbench_plugins.darts_space.reduced_spaces import O2_OPS
        from nasbench_plugins.darts_space.spec import FULL_PAIRS
        from nasbench_plugins.pertnas.groundtruth import benchmark_valuation, derive_o2_ops, o1_table

        bench = registry_of().get("benchmark", "nb301-o1")
        codes, acc = o1_table(bench)
        ops = derive_o2_ops(benchmark_valuation(bench, codes, acc)["avg-acc"])
        for (j, k), op in zip(FULL_PAIRS, ops):
            click.echo(f"cell:{j}->{k}\t{op}")
        same = "matches" if ops == O2_OPS else "DIFFERS FROM"
        click.echo(f"surrogate {bench.surrogate.source}: {same} the registered O2_OPS")


def add_fig3(group: click.Group) -> None:
    """``nasbench pertnas fig3``."""

    @group.command("fig3")
    @store_option
    @click.option("--out", default="results/pertnas-fig3", show_default=True, help="writes OUT.json and OUT.png")
    def fig3_cmd(store, out) -> None:
        """Figure 3: Delta V (pertnas rows on o1) vs NB301 avg-/best-accuracy valuations, Spearman rho."""
        from nasbench_plugins.pertnas.plots import fig3_png
        from nasbench_plugins.pertnas.studies import fig3

        result = fig3(_rows(store), registry_of().get("benchmark", "nb301-o1"))
        if not result["variants"]:
            raise click.ClickException("no ok pertnas rows on o1 in the store; run nasbench run --strategy pertnas")
        both = result["rho_avg_vs_best"]
        click.echo(
            f"benchmark: rho(avg-acc, best-acc) per-edge mean {both['per_edge_mean']:.2f}, all {both['all']:.2f}"
        )
        for variant, r in result["variants"].items():
            for policy in ("avg-acc", "best-acc"):
                rho = r[f"rho_{policy}"]
                click.echo(f"{variant} seeds {r['seeds']}: rho(-dV, {policy}) per-edge mean "
                           f"{rho['per_edge_mean']:.2f}, all cells {rho['all']:.2f}")  # fmt: skip
        path = _write(out, result)
        fig3_png(result, path.with_suffix(".png"))
        click.echo(f"wrote {path.with_suffix('.json')} and {path.with_suffix('.png')}")


def add_fig6a(group: click.Group) -> None:
    """``nasbench pertnas fig6a``."""

    @group.command("fig6a")
    @store_option
    @click.option("--out", default="results/pertnas-fig6a", show_default=True, help="writes OUT.json and OUT.png")
    def fig6a_cmd(store, out) -> None:
        """Figure 6a: O1 archs of pertnas, darts, darts-pt: NB301 accuracy and rank among all 65,536."""
        from nasbench_plugins.pertnas.groundtruth import o1_table
        from nasbench_plugins.pertnas.plots import fig6a_png
        from nasbench_plugins.pertnas.studies import fig6a

        registry = registry_of()
        bench = registry.get("benchmark", "nb301-o1")
        lines = fig6a(_rows(store), registry.get("space", "o1"), bench)
        click.echo(
            "| method | seed | NB301 acc. (%) | rank of 65,536 | search s | peak MiB |\n|---|---|---|---|---|---|"
        )
        for x in lines:
            mib = (x["peak_memory_bytes"] or 0) / 2**20
            click.echo(
                f"| {x['method']} | {x['seed']} | {x['accuracy']:.2f} | {x['rank']} | {x['seconds']:.0f} | {mib:.0f} |"
            )
        path = _write(out, lines)
        fig6a_png(lines, o1_table(bench)[1], path.with_suffix(".png"))


def add_fig6b(group: click.Group) -> None:
    """``nasbench pertnas fig6b``."""

    @group.command("fig6b")
    @store_option
    @click.option("--out", default="results/pertnas-fig6b", show_default=True, help="writes OUT.json and OUT.png")
    def fig6b_cmd(store, out) -> None:
        """Figure 6b: O2 archs in the store ranked among the 180 topologies, with cell depth."""
        from nasbench_plugins.pertnas.plots import fig6b_png
        from nasbench_plugins.pertnas.studies import fig6b

        registry = registry_of()
        lines, acc, depths = fig6b(_rows(store), registry.get("space", "o2"), registry.get("benchmark", "nb301-o2"))
        click.echo(f"180 topologies: NB301 acc. {min(acc):.2f} .. {max(acc):.2f} %")
        click.echo("| method | seed | NB301 acc. (%) | rank of 180 | depth |\n|---|---|---|---|---|")
        for x in lines:
            click.echo(f"| {x['method']} | {x['seed']} | {x['accuracy']:.2f} | {x['rank']} | {x['depth']} |")
        path = _write(out, {"rows": lines, "accuracy": list(map(float, acc)), "depth": depths})
        fig6b_png(lines, acc, depths, path.with_suffix(".png"))


def _fig5_memory(registry, sizes_n: list[int], settings: dict, dev, steps: int, repeats: int, images: int):
    """Stage-1 peak memory of both variants per |O| (one warm-up first, not kept), and their ratio."""
    from nasbench_plugins.pertnas.memory import peak_memory

    data = load_cifar10("train")
    subset = type(data)(data.name, data.images[:images], data.labels[:images], data.num_classes, data.source)
    peak_memory(registry, sizes_n[0], "supernet", subset, settings, dev, steps, 1)  # warm-up, not kept
    rows = []
    for n in sizes_n:
        for variant in ("supernet", "evolutionary"):
            row = peak_memory(registry, n, variant, subset, settings, dev, steps, repeats)
            rows.append(row)
            click.echo(f"|O|={n} {variant:12s} peak {row['median_bytes'] / 2**20:8.1f} MiB  ({row['seconds']:.1f} s)")
    ratios = {}
    for n in sizes_n:
        sup = next(r for r in rows if r["ops"] == n and r["variant"] == "supernet")["median_bytes"]
        evo = next(r for r in rows if r["ops"] == n and r["variant"] == "evolutionary")["median_bytes"]
        ratios[n] = evo / sup if sup else float("nan")
        click.echo(f"|O|={n} evolutionary/supernet = {ratios[n]:.2f}")
    return rows, ratios


def _fig5_accuracy(registry, sizes_n: list[int], samples: int) -> list[dict]:
    """Mean NB301 accuracy of ``samples`` random shallow models per |O| (none when 0)."""
    from nasbench_plugins.pertnas.memory import random_average

    accuracy = []
    if samples:
        bench = registry.get("benchmark", "nb301-o1")
        o1 = registry.get("space", "o1").spec
        for n in sizes_n:
            accuracy.append(random_average(bench, o1, n, samples))
            click.echo(f"|O|={n} random shallow models: NB301 mean {accuracy[-1]['mean']:.3f} %")
    return accuracy


def add_fig5(group: click.Group) -> None:
    """``nasbench pertnas fig5``."""

    @group.command("fig5")
    @click.option("--sizes", default="4,5,6,7,8", show_default=True, help="|O| values (darts-opsN)")
    @click.option("--channels", default=8, show_default=True, help="initial channels C (paper: 16)")
    @click.option("--cells", default=5, show_default=True, help="cells (paper: 8)")
    @click.option("--batch", default=32, show_default=True, help="minibatch (paper: 64)")
    @click.option("--steps", default=2, show_default=True, help="weight steps before the valuation")
    @click.option("--repeats", default=2, show_default=True, help="measurements per case (median kept)")
    @click.option("--samples", default=10_000, show_default=True, help="random models per |O| (0 = skip)")
    @click.option("--device", default="cpu", show_default=True)
    @click.option("--images", default=512, show_default=True, help="CIFAR-10 training images used")
    @click.option("--out", default="results/pertnas-fig5", show_default=True, help="writes OUT.json and OUT.png")
    def fig5(sizes, channels, cells, batch, steps, repeats, samples, device, images, out) -> None:
        """Figure 5: stage-1 peak memory per |O|, supernet vs evolutionary, and random-model accuracy."""
        from nasbench_plugins.pertnas.plots import fig5_png

        registry, dev = registry_of(), resolve_device(device)
        sizes_n = [int(s) for s in sizes.split(",")]
        settings = {
            "darts_channels": channels,
            "darts_cells": cells,
            "train_batch_size": batch,
            "pertnas_eval_batches": 1,
            "pertnas_finetune_steps": 1,
            "pertnas_expand_steps": 1,
        }
        rows, ratios = _fig5_memory(registry, sizes_n, settings, dev, steps, repeats, images)
        accuracy = _fig5_accuracy(registry, sizes_n, samples)
        result = {
            "settings": {"channels": channels, "cells": cells, "batch": batch, "steps": steps, "images": images},
            "device": str(dev),
            "torch_threads": torch.get_num_threads(),
            "memory": rows,
            "ratio": ratios,
            "accuracy": accuracy,
        }
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".json").write_text(json.dumps(result, indent=1))
        fig5_png(result, path.with_suffix(".png"))
        click.echo(f"wrote {path.with_suffix('.json')} and {path.with_suffix('.png')}")


@hookimpl
def nasbench_register_commands(cli) -> None:
    group = command_group(cli, "pertnas", "PertNAS: derived data (O2 ops) and the paper's studies.")
    add_o2_ops(group)
    add_fig3(group)
    add_fig6a(group)
    add_fig6b(group)
    add_fig5(group)
