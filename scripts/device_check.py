"""What a CUDA device gives next to this CPU, in one short run (scripts/device-check; <= 8 min on one GPU).

Why: GPUs are lent rarely and briefly; this is the one prepared script to run then, and it must
not rot in between, so ``--dry-run`` runs every section on the CPU at tiny sizes (a test does).
Sections (each timed; one that fails is recorded and the next runs):

- ``proxies``   every built-in proxy on three fixed NB201 archs, CPU fp32 vs device fp32
- ``kernel``    the zc-pt kernel (a perturbed supernet, a network): CPU fp32 vs device fp32 / bf16
- ``verify``    ``nasbench verify zc-pt`` on the shared reference folder on the device, fp32 and bf16
- ``zcpt_seed`` one zc-pt seed of the official protocol (N=10, V=100, batch 256), fp32 and bf16
- ``training``  supernet training epoch time (NB201; DARTS C=16 8 cells), batch 64, fp32 and bf16
- ``zos_memory`` peak device memory of Zero-One-Shot Table 1's techniques (C=16, 8 cells, batch 64, 256)
- ``pertnas_fig5`` PertNAS Fig. 5: stage-1 peak memory, supernet vs evolutionary, |O| = 4..8 (C=16, 8 cells, batch 64)

Writes OUT.md (tables) and OUT.json (every number). Usage:

    scripts/device-check [--device cuda] [--out results/device-check] [--sections a,b]
    scripts/device-check --dry-run --out /tmp/dc        # CPU, tiny sizes, ~1 min
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

ARCHS = (
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|skip_connect~1|avg_pool_3x3~2|",
    "|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_3x3~1|skip_connect~2|",
)
ZOS = {
    "darts": {},
    "pc-darts": {"darts_partial_channels": 4, "edge_norm": True},
    "darts-rnd": {"mask": True},
    "zero-one-shot": {"darts_partial_channels": 4, "edge_norm": True, "beta_decay": 50.0, "mask": True},
}


@dataclass(frozen=True)
class Sizes:
    nb201_channels: int = 16
    nb201_cells: int = 5
    proxy_batch: int = 64
    proposals: int = 10
    validation: int = 100
    zcpt_batch: int = 256
    train_batch: int = 64
    train_steps: int = 0  # 0: a whole epoch of the training half
    darts_channels: int = 16
    darts_cells: int = 8
    zos_batches: tuple[int, ...] = (64, 256)
    pertnas_ops: tuple[int, ...] = (4, 5, 6, 7, 8)
    pertnas_batch: int = 64
    pertnas_images: int = 512
    archs: int = len(ARCHS)
    verify_precisions: tuple[str, ...] = ("fp32", "bf16")


DRY = Sizes(4, 1, 8, 1, 2, 8, 8, 1, 4, 2, (8,), (4,), 8, 64, 1, ("fp32",))


@dataclass
class Check:
    """What the sections share: where they run, at which sizes, and the registry."""

    device: torch.device
    sizes: Sizes
    registry: Any
    data_dirs: list


def _rel(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300) if math.isfinite(a) and math.isfinite(b) else math.inf


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _nb201(check: Check) -> Any:
    return check.registry.get("space", "nb201").with_settings(
        {"nb201_channels": check.sizes.nb201_channels, "nb201_cells": check.sizes.nb201_cells}
    )


def _batch(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    from nasbench.api import load_cifar10, torch_generator

    return next(load_cifar10("train").minibatches(size, torch_generator(0)))


def proxies(check: Check) -> dict:
    """Every built-in proxy on ARCHS: CPU fp32 vs the device in fp32 (same init, same batch)."""
    from nasbench.api import precision_scope, torch_generator
    from nasbench_plugins.proxies.catalog import built_in_proxies

    space, (x, y) = _nb201(check), _batch(check.sizes.proxy_batch)
    rows = []
    for arch in ARCHS[: check.sizes.archs]:
        for name, proxy in built_in_proxies().items():
            values = []
            for dev in (torch.device("cpu"), check.device):
                net = space.build_network(space.parse(arch), 10, torch_generator(0)).to(dev)
                with precision_scope("fp32", dev):
                    values.append(float(proxy.score(net, x.to(dev), y.to(dev), torch_generator(1))))
            rows.append({"arch": arch, "proxy": name, "cpu": values[0], "device": values[1]})
            rows[-1]["rel_diff"] = _rel(values[1], values[0])
    return {"rows": rows, "max_rel_diff": max(r["rel_diff"] for r in rows)}


def kernel(check: Check) -> dict:
    """The zc-pt kernel's log-determinants: CPU fp32 against the device in fp32 and bf16."""
    from nasbench.api import precision_scope, torch_generator
    from nasbench_plugins.zero_cost_pt.code_kernel import KernelRules, logdet, network_kernel, supernet_kernel

    space, (x, _y) = _nb201(check), _batch(check.sizes.zcpt_batch)
    supernet = space.build_supernet(10, torch_generator(0)).eval()
    weights = torch.softmax(1e-3 * torch.randn(6, 5, generator=torch_generator(1)), dim=-1)
    weights[0, 3] = 0.0
    net = space.build_network(space.parse(ARCHS[0]), 10, torch_generator(2)).eval()
    cases = {
        "perturbed supernet": lambda n, d: supernet_kernel(n, x.to(d), weights, KernelRules()),
        "network": lambda n, d: network_kernel(n, x.to(d), KernelRules()),
    }
    rows = []
    for label, fn in cases.items():
        model = supernet if label != "network" else net
        values = {}
        for key, dev, prec in (
            ("cpu fp32", "cpu", "fp32"),
            ("device fp32", check.device, "fp32"),
            ("device bf16", check.device, "bf16"),
        ):
            with precision_scope(prec, dev):
                values[key] = logdet(fn(model.to(dev), torch.device(dev)))
        rows.append({"case": label, **values, "rel fp32": _rel(values["device fp32"], values["cpu fp32"])})
        rows[-1]["rel bf16"] = _rel(values["device bf16"], values["cpu fp32"])
    return {"rows": rows}


def verify(check: Check) -> dict:
    """``verify zc-pt`` on the shared folder, on the device, in fp32 and bf16."""
    from nasbench_plugins.zero_cost_pt.verify import report, verify_reference

    folder = next(
        (d / "reference" / "zcpt_official_nb201" for d in check.data_dirs if (d / "reference").is_dir()), None
    )
    if folder is None or not folder.is_dir():
        return {"skipped": "no reference/zcpt_official_nb201 in the data dir"}
    out = {}
    for prec in check.sizes.verify_precisions:
        checks = verify_reference(str(folder), check.data_dirs, 1e-5, prec, str(check.device))
        text, ok = report(checks, 1e-5)
        out[prec] = {"ok": ok, "report": text, "worst": {c.name: c.worst for c in checks}}
    return out


def zcpt_seed(check: Check) -> dict:
    """Search seconds of one zc-pt seed (official protocol at these sizes) in fp32 and bf16."""
    from nasbench.api import prepare_run, run_trial

    s = check.sizes
    settings = {"nb201_channels": s.nb201_channels, "nb201_cells": s.nb201_cells, "proposals": s.proposals}
    settings.update(validation=s.validation, batch_size=s.zcpt_batch)
    out = {}
    for prec in ("fp32", "bf16"):
        prepared = prepare_run(
            check.registry,
            space="nb201",
            scorer="zc-pt",
            device=str(check.device),
            settings={**settings, "precision": prec},
        )
        result = run_trial(prepared, 0)
        m = result.metrics
        out[prec] = {
            "status": result.status,
            "failure": result.failure,
            "arch": m.get("arch"),
            "seconds": m.get("search_seconds"),
        }
        out[prec]["peak_memory_bytes"] = m.get("peak_memory_bytes")
    return out


def _trainer(check: Check, space_name: str, settings: dict, precision: str, batch: int) -> Any:
    from nasbench.api import load_cifar10, torch_generator
    from nasbench_plugins.oneshot.training import SupernetTrainer, apply_search_mask, split_halves, train_config
    from nasbench_plugins.pruning.masks import random_mask

    settings = dict(settings)
    masked = settings.pop("mask", False)
    all_settings = {
        **settings,
        "train_batch_size": batch,
        "train_steps": check.sizes.train_steps,
        "precision": precision,
    }
    space = check.registry.get("space", space_name).with_settings(all_settings)
    net = space.build_supernet(10, torch_generator(0)).to(check.device)
    if masked:
        apply_search_mask(net, random_mask(net.edge_ops, 0.5, torch_generator(2)))
    images = load_cifar10("train")
    train, valid = split_halves(images)
    config = train_config(space, all_settings, 0, 10, images.source)
    return SupernetTrainer(net, config, train, valid, check.device, torch_generator(3))


def training(check: Check) -> dict:
    """Seconds of one supernet training epoch (alpha + weight steps), NB201 and DARTS, fp32 / bf16."""
    s = check.sizes
    spaces = {
        "nb201": {"nb201_channels": s.nb201_channels, "nb201_cells": s.nb201_cells},
        "darts": {"darts_channels": s.darts_channels, "darts_cells": s.darts_cells},
    }
    out = {}
    for name, settings in spaces.items():
        for prec in ("fp32", "bf16"):
            trainer = _trainer(check, name, settings, prec, s.train_batch)
            trainer.run_epoch()  # warm-up: kernels, allocator
            _sync(check.device)
            start = time.perf_counter()
            record = trainer.run_epoch()
            _sync(check.device)
            out[f"{name} {prec}"] = {"seconds": time.perf_counter() - start, "steps": trainer.steps_per_epoch()}
            out[f"{name} {prec}"].update(loss=record["loss"], train_acc=record["train_acc"])
    return out


def zos_memory(check: Check) -> dict:
    """Peak memory of one search step (alpha + weight) per Zero-One-Shot Table 1 technique."""
    from nasbench.api import measure

    s = check.sizes
    out = {}
    for batch in s.zos_batches:
        for method, options in ZOS.items():
            size = {"darts_channels": s.darts_channels, "darts_cells": s.darts_cells, **options}
            try:
                trainer = _trainer(check, "darts", size, "fp32", batch)
                x, y = (t[:batch].to(check.device) for t in (trainer.train_set.images, trainer.train_set.labels))
                with measure(check.device) as m:
                    trainer._arch_step((x, y), (x, y))
                    trainer._weight_step(x, y)
                out[f"{method} batch {batch}"] = {"peak_bytes": m.peak_memory_bytes, "seconds": m.seconds, **m.extra}
            except Exception as exc:  # noqa: BLE001 - an OOM is a result here
                out[f"{method} batch {batch}"] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            finally:
                trainer = None
                if check.device.type == "cuda":
                    torch.cuda.empty_cache()
    return out


def pertnas_fig5(check: Check) -> dict:
    """PertNAS Fig. 5's stage-1 peak memory, supernet vs evolutionary, per |O|."""
    from nasbench.api import load_cifar10
    from nasbench_plugins.pertnas.memory import peak_memory

    s = check.sizes
    data = load_cifar10("train")
    subset = type(data)(data.name, data.images[: s.pertnas_images], data.labels[: s.pertnas_images], 10, data.source)
    settings = {"darts_channels": s.darts_channels, "darts_cells": s.darts_cells, "train_batch_size": s.pertnas_batch}
    settings.update(pertnas_eval_batches=1, pertnas_finetune_steps=1, pertnas_expand_steps=1)
    out = {}
    for n in s.pertnas_ops:
        for variant in ("supernet", "evolutionary"):
            row = peak_memory(check.registry, n, variant, subset, settings, check.device, 2, 1)
            out[f"|O|={n} {variant}"] = {"peak_bytes": row["median_bytes"], "seconds": row["seconds"]}
        sup, evo = out[f"|O|={n} supernet"]["peak_bytes"], out[f"|O|={n} evolutionary"]["peak_bytes"]
        out[f"|O|={n} ratio"] = {"evolutionary/supernet": evo / sup if sup else None}
    return out


SECTIONS: dict[str, Callable[[Check], dict]] = {
    "proxies": proxies,
    "kernel": kernel,
    "verify": verify,
    "zcpt_seed": zcpt_seed,
    "training": training,
    "zos_memory": zos_memory,
    "pertnas_fig5": pertnas_fig5,
}


def run_sections(check: Check, names: list[str], budget_s: float) -> dict:
    """Each section timed; one that raises is recorded as failed; none starts after ``budget_s``."""
    results, began = {}, time.perf_counter()
    for name in names:
        start = time.perf_counter()
        if start - began > budget_s:
            results[name] = {"status": "not run", "error": f"the {budget_s:g} s budget was spent", "seconds": 0.0}
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            results[name] = {"status": "ok", "values": SECTIONS[name](check)}
        except Exception as exc:  # noqa: BLE001 - one failing section must not lose the others
            results[name] = {
                "status": "failed",
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        results[name]["seconds"] = round(time.perf_counter() - start, 2)
        print(f"   {name}: {results[name]['status']} in {results[name]['seconds']} s", file=sys.stderr, flush=True)
    return results


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "; ".join(f"{k} {_cell(v)}" for k, v in value.items() if k not in ("report", "trace"))
    return str(value).replace("|", "\\|")


def markdown(header: dict, results: dict) -> str:
    lines = ["# Device check", "", "```", json.dumps(header, indent=1), "```", ""]
    for name, result in results.items():
        lines += [f"## {name} ({result['status']}, {result['seconds']} s)", ""]
        values = result.get("values")
        if result["status"] != "ok":
            lines += ["```", result["error"], "```", ""]
        elif isinstance(values.get("rows"), list):
            keys = list(values["rows"][0]) if values["rows"] else []
            lines += ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
            lines += ["| " + " | ".join(_cell(r[k]) for k in keys) + " |" for r in values["rows"]]
        else:
            lines += ["| case | values |", "|---|---|"] + [f"| {_cell(k)} | {_cell(v)} |" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="the device to check against the CPU (default cuda)")
    parser.add_argument("--dry-run", action="store_true", help="CPU against CPU at tiny sizes (what the test runs)")
    parser.add_argument("--out", default="results/device-check", help="writes OUT.md and OUT.json")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma list of sections")
    parser.add_argument("--budget-s", type=float, default=420.0, help="start no section after this many seconds")
    args = parser.parse_args(argv)
    from nasbench.api import data_dirs, make_registry, resolve_device

    names = [n.strip() for n in args.sections.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section {unknown[0]!r}: choose from {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    device = torch.device("cpu") if args.dry_run else resolve_device(args.device)
    sizes = DRY if args.dry_run else Sizes()
    check = Check(device, sizes, make_registry(), list(data_dirs(None)))
    header = {"device": str(device), "dry_run": args.dry_run, "torch": torch.__version__, "sizes": asdict(sizes)}
    if device.type == "cuda":
        header["device_name"] = torch.cuda.get_device_name(device)
    header["cpu_threads"] = torch.get_num_threads()
    start = time.perf_counter()
    results = run_sections(check, names, args.budget_s)
    header["seconds"] = round(time.perf_counter() - start, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"header": header, "results": results}, indent=1, default=str))
    out.with_suffix(".md").write_text(markdown(header, results))
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')} in {header['seconds']} s", file=sys.stderr)
    return 0 if all(r["status"] == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
