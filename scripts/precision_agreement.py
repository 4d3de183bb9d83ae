"""bf16 against fp32, measured (docs/precision.md): three studies, each printing a markdown table.

``training``  the same supernet trained from the same init on the same batches in fp32 and in bf16
              (DARTS first order): per epoch the train loss and accuracy, the validation accuracy
              (``SupernetTrainer.accuracy``), and how far the architecture weights have moved apart
              (max |softmax(alpha) difference|, edges whose argmax op differs).
``zcpt``      the zc-pt runs of a store in fp32 and bf16 (e.g. the Table 2 protocol), seed by seed:
              chosen arch, every proposed candidate, the per-edge decisions, validation totals.
``proxies``   ``correlate`` scores of a store in fp32 (version v) and bf16 (v+bf16), proxy by
              proxy: Spearman rho with accuracy in each, rho between the two score lists, and the
              largest relative score difference, over the archs both have.

    python scripts/precision_agreement.py training --space nb201 --epochs 20 [--seed 0]
    python scripts/precision_agreement.py zcpt STORE
    python scripts/precision_agreement.py proxies STORE
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import Any

import numpy as np


def _trainer(space_name: str, settings: dict, precision: str, seed: int) -> Any:
    import torch

    from nasbench.api import load_cifar10, make_registry, torch_generator
    from nasbench_plugins.oneshot.training import SupernetTrainer, split_halves, train_config

    space = make_registry().get("space", space_name).with_settings(settings)
    settings = {**settings, "precision": precision}
    images = load_cifar10("train")
    train, valid = split_halves(images)
    config = train_config(space, settings, seed, 10, images.source)
    net = space.build_supernet(10, torch_generator(seed * 1_000_003 + 1))
    return SupernetTrainer(net, config, train, valid, torch.device("cpu"), torch_generator(seed * 1_000_003 + 20))


def training(args: argparse.Namespace) -> None:
    import torch

    settings = {"train_epochs": args.epochs, "train_batch_size": args.batch}
    if args.space != "nb201":
        settings.update(darts_channels=args.channels, darts_cells=args.cells)
    trainers = {p: _trainer(args.space, settings, p, args.seed) for p in ("fp32", "bf16")}
    print(f"{args.space}, seed {args.seed}, batch {args.batch}, {trainers['fp32'].steps_per_epoch()} steps an epoch")
    print(
        "| epoch | train loss fp32 / bf16 | train acc % fp32 / bf16 | valid acc % fp32 / bf16 | max Δsoftmax(α)"
        " | edges whose argmax differs |"
    )
    print("|---|---|---|---|---|---|")
    for epoch in range(1, args.epochs + 1):
        rows = {}
        for name, trainer in trainers.items():
            record = trainer.run_epoch()
            trainer.scheduler.step()
            rows[name] = (record["loss"], record["train_acc"], trainer.accuracy(args.eval_batches))
        weights = {n: torch.softmax(t.alpha.detach().float(), dim=-1) for n, t in trainers.items()}
        delta = float((weights["fp32"] - weights["bf16"]).abs().max())
        differ = int((weights["fp32"].argmax(-1) != weights["bf16"].argmax(-1)).sum())
        f, b = rows["fp32"], rows["bf16"]
        cells = f"| {epoch} | {f[0]:.4f} / {b[0]:.4f} | {f[1]:.2f} / {b[1]:.2f} | {f[2]:.2f} / {b[2]:.2f}"
        print(f"{cells} | {delta:.2e} | {differ} |")
        sys.stdout.flush()


def _rows(store: str, query: str, params: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def _decisions(extra: dict) -> list[tuple[str, str]]:
    """(edge, kept op) of every progressive decision, in order."""
    out = []
    for rec in extra["edge_records"]["progressive"]:
        scores = rec["scores"]
        best = max(scores, key=lambda op: -np.inf if scores[op] != scores[op] else scores[op])
        out.append((rec["edge"], best))
    return out


def zcpt(args: argparse.Namespace) -> None:
    trials = _rows(args.store, "SELECT * FROM trials WHERE scorer='zc-pt' AND status='ok' ORDER BY seed")
    by_seed: dict[int, dict[str, Any]] = {}
    for t in trials:
        precision = json.loads(t["settings"]).get("precision", "fp32")
        by_seed.setdefault(t["seed"], {})[precision] = t
    print(
        "| seed | chosen arch fp32 / bf16 | same arch | test error % fp32 / bf16 | candidates same"
        " | edge decisions same | max rel. Δ validation total | search s fp32 / bf16 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for seed, pair in sorted(by_seed.items()):
        if set(pair) != {"fp32", "bf16"}:
            continue
        f, b = pair["fp32"], pair["bf16"]
        ef, eb = json.loads(f["extra"]), json.loads(b["extra"])
        cand_f, cand_b = ef["info"]["candidates"], eb["info"]["candidates"]
        dec_f, dec_b = _decisions(ef), _decisions(eb)
        same_dec = sum(x == y for x, y in zip(dec_f, dec_b))
        totals_f, totals_b = ef["info"].get("validation_totals", {}), eb["info"].get("validation_totals", {})
        common = set(totals_f) & set(totals_b)
        same_cand = "yes" if cand_f == cand_b else f"{len(set(cand_f) & set(cand_b))}/{len(cand_f)}"
        rel = max((abs(totals_f[a] - totals_b[a]) / abs(totals_f[a]) for a in common), default=float("nan"))
        print(
            f"| {seed} | {f['arch']} / {b['arch']} | {'yes' if f['arch'] == b['arch'] else 'NO'} |"
            f" {f['test_error']:.2f} / {b['test_error']:.2f} | {same_cand} |"
            f" {same_dec}/{len(dec_f)} | {rel:.1e} | {f['search_seconds']:.0f} / {b['search_seconds']:.0f} |"
        )


def proxies(args: argparse.Namespace) -> None:
    from scipy.stats import spearmanr

    from nasbench.api import make_registry

    rows = _rows(args.store, "SELECT proxy, proxy_version, arch, score AS value FROM proxy_scores WHERE status='ok'")
    scores: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        scores.setdefault((r["proxy"], r["proxy_version"]), {})[r["arch"]] = r["value"]
    registry = make_registry()
    bench = registry.get("benchmark", "nb201")
    space = registry.get("space", "nb201")
    print("| proxy | archs | ρ fp32 | ρ bf16 | ρ(fp32 scores, bf16 scores) | max rel. Δ score | median rel. Δ |")
    print("|---|---|---|---|---|---|---|")
    for (proxy, version), fp32 in sorted(scores.items()):
        bf16 = scores.get((proxy, f"{version}+bf16"))
        if version.endswith("+bf16") or bf16 is None:
            continue
        archs = sorted(set(fp32) & set(bf16))
        if not archs:
            print(f"| {proxy} | 0 | - | - | - | - | - |")
            continue
        acc = [bench.accuracy(space.parse(a), args.dataset) for a in archs]
        a, b = (np.array([np.nan if d[x] is None else d[x] for x in archs], dtype=float) for d in (fp32, bf16))
        finite = np.isfinite(a) & np.isfinite(b)
        rel = np.abs(a - b)[finite] / np.maximum(np.abs(a[finite]), 1e-300)
        rho_a, rho_b, rho_ab = (spearmanr(u, v, nan_policy="omit").statistic for u, v in ((a, acc), (b, acc), (a, b)))
        print(
            f"| {proxy} | {len(archs)} | {rho_a:.4f} | {rho_b:.4f} | {rho_ab:.4f} |"
            f" {rel.max():.1e} | {np.median(rel):.1e} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="study", required=True)
    t = sub.add_parser("training")
    t.add_argument("--space", default="nb201")
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--channels", type=int, default=8, help="DARTS spaces: C")
    t.add_argument("--cells", type=int, default=5, help="DARTS spaces: cells")
    t.add_argument("--eval-batches", type=int, default=7)
    for name in ("zcpt", "proxies"):
        p = sub.add_parser(name)
        p.add_argument("store")
        p.add_argument("--dataset", default="cifar10")
    args = parser.parse_args(argv)
    {"training": training, "zcpt": zcpt, "proxies": proxies}[args.study](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
