"""``nasbench verify zc-pt REFERENCE_DIR``: recompute a folder of official Zero-Cost-PT numbers.

The folder's ``space`` says which official path made it: NB201 (``verify_nb201``; with a
``proxy``, the branch for proxies other than nwot: ``verify_measures``, in NCHW; with the
``route`` ``tenas_project``, the authors' tenas route: ``verify_tenas_route``), DARTS cells
(``verify_darts``) or Macro (``verify_macro``). Every score is recomputed with nasbench's own
networks and kernels (the official weights loaded under our names) and compared to ``--rtol``
(1e-5 by default: the official code accumulates K in float32), every kept op, edge and arch
exactly. Prints the largest relative error per quantity; exits 1 on any mismatch, 2 (one line)
on a folder it cannot read. In fp32 unless ``--precision bf16`` (the agreement measurement of
docs/precision.md); NB201 folders also on another ``--device`` (the device check's CUDA run).
"""

from __future__ import annotations

import click

from nasbench.api import BadInput, DataError, hookimpl, precision_scope, registry_of, resolve_device
from nasbench_plugins.zero_cost_pt.reference import load_reference
from nasbench_plugins.zero_cost_pt.verify_checks import Check, report

LAYOUTS = {"auto": None, "nchw": False, "channels-last": True}


def verify_reference(
    folder: str, data_dirs: list, rtol: float, precision: str = "fp32", device: str = "cpu", layout: str = "auto"
) -> list[Check]:
    from nasbench_plugins.zero_cost_pt import (
        verify_darts,
        verify_macro,
        verify_measures,
        verify_nb201,
        verify_tenas_route,
    )

    ref = load_reference(folder, data_dirs)
    dev = resolve_device(device)
    checkers = {"nb201": verify_nb201.check_nb201, "macro": verify_macro.check_macro}
    checker = checkers.get(ref.space, verify_darts.check_darts)
    channels_last = LAYOUTS[layout]  # auto: NCHW (the authors' layout) where zc-pt scores in it
    if ref.space == "nb201" and ref.spec.get("route") == "tenas_project":  # the authors' tenas route
        if dev.type != "cpu":
            raise BadInput(f"--device {device}: {ref.folder} (a tenas_project folder) is verified on the CPU")
        checker = verify_tenas_route.check_tenas_route
        channels_last = False if layout == "auto" else channels_last
    elif ref.space == "nb201" and "proxy" in ref.spec:  # the official branch for proxies other than nwot
        if dev.type != "cpu":
            raise BadInput(f"--device {device}: {ref.folder} (a {ref.spec['proxy']} folder) is verified on the CPU")
        proxy = registry_of().get("proxy", verify_measures.proxy_name(ref))
        checker = lambda r, tol: verify_measures.check_measures(r, tol, proxy)  # noqa: E731
        channels_last = False if layout == "auto" else channels_last
    elif ref.space == "nb201":
        checker = lambda r, tol: verify_nb201.check_nb201(r, tol, dev)  # noqa: E731
    elif dev.type != "cpu":
        raise BadInput(f"--device {device}: only NB201 folders are verified off the CPU ({ref.folder} is {ref.space})")
    try:
        with precision_scope(precision, dev, channels_last=channels_last):
            return checker(ref, rtol)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise DataError(f"{ref.folder}/reference.json is malformed: {type(exc).__name__} {exc}") from None


@hookimpl
def nasbench_register_commands(cli: click.Group) -> None:
    from nasbench.api import PRECISIONS, FiniteFloat, command_group, data_dir_option, data_dirs

    verify = command_group(cli, "verify", "Check nasbench against numbers made with a method's official code.")

    @verify.command("zc-pt")
    @click.argument("reference_dir")
    @click.option("--rtol", type=FiniteFloat(minimum=0), default=1e-5, show_default=True, help="relative tolerance")
    @data_dir_option("where the reference's image file is, searched before NASBENCH_DATA")
    @click.option(
        "--precision",
        type=click.Choice(PRECISIONS),
        default="fp32",
        show_default=True,
        help="numerics of the networks (bf16: the agreement check of docs/precision.md)",
    )
    @click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N (NB201 folders)")
    @click.option(
        "--layout",
        type=click.Choice(tuple(LAYOUTS)),
        default="auto",
        show_default=True,
        help="memory format of the networks (auto: as zc-pt runs them)",
    )
    def zc_pt(reference_dir: str, rtol: float, data_dir: str | None, precision: str, device: str, layout: str) -> None:
        """Recompute a Zero-Cost-PT reference folder (NB201, DARTS cells or Macro; docs/zc-pt.md)."""
        shown = [v for v, default in ((precision, "fp32"), (device, "cpu"), (layout, "auto")) if v != default]
        click.echo(f"reference: {reference_dir}" + (f" ({', '.join(shown)})" if shown else ""))
        checks = verify_reference(reference_dir, list(data_dirs(data_dir)), rtol, precision, device, layout)
        text, ok = report(checks, rtol)
        click.echo(text)
        if not ok:
            raise SystemExit(1)
