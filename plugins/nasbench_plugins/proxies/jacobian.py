"""Input-Jacobian proxies: jacov (NASWOT v1, Mellor et al. 2020) and epe_nas (Lopes et al. 2021).

Both use the per-sample input gradient J_i = d(sum_c f(x)_ic)/dx_i, obtained as upstream does by
one backward of sum(outputs) w.r.t. the batch (train mode, so BN couples the samples slightly,
as in zero-cost-nas / NASLib and the NASWOT code). J is flattened to [B, D] and taken to
float64 before any statistics.

jacov:   C = corrcoef(J) (B x B), v = its eigenvalues, k = 1e-5;
         score = -sum_i [log(v_i + k) + 1 / (v_i + k)].   Labels: no.
epe_nas: per class c present in the batch, C_c = corrcoef(J of the samples labelled c),
         s_c = sum log(|C_c| + k) (divided by B_c if the network has > 100 outputs);
         score = sum_c |s_c| for <= 100 outputs, else sum_{c,c'} |s_c - s_c'| / #classes.
         Labels: yes.
Sign: higher = better (NASLib's reference correlations are positive for both). Batch size: the
run's minibatch (the NASWOT reference file used 128-256 per its repo defaults). Precision: the
backward in the network's dtype, statistics in float64. A network whose output does not depend
on its input (no input->output path) has J = 0, C = NaN and scores NaN, as in the NASWOT file.
On CUDA OOM the Jacobian is computed in parts and concatenated. In a score job (``nasbench
correlate``) jacov and epe_nas see identical fresh networks and the same minibatch: the Jacobian is
computed once and serves both (``proxy_runtime.reused``), each still charged its time.
"""

from __future__ import annotations

import torch
from torch import nn

from nasbench.api import hookimpl
from nasbench_plugins.proxies.runtime import forward, reused, untouched, with_oom_retry

K = 1e-5


def input_jacobian(net: nn.Module, inputs: torch.Tensor, parts: int = 1) -> torch.Tensor:
    """[B, D] float64: row i = d(sum of the outputs)/d(input i), computed in ``parts`` slices."""
    rows = []
    for x in torch.tensor_split(inputs, max(1, min(parts, inputs.shape[0]))):
        x = x.detach().clone().requires_grad_(True)
        out = forward(net, x).sum()
        if out.requires_grad:
            out.backward()
        # no input->output path: x is not in the graph and its Jacobian is exactly zero
        grad = x.grad if x.grad is not None else torch.zeros_like(x)
        rows.append(grad.detach().reshape(x.shape[0], -1).double())
    return torch.cat(rows)


def jacov_of(jacobian: torch.Tensor) -> float:
    """-sum(log(v + k) + 1/(v + k)) over the eigenvalues v of corrcoef(rows of ``jacobian``)."""
    corr = torch.corrcoef(jacobian)
    if not bool(torch.isfinite(corr).all()):
        return float("nan")
    v = torch.linalg.eigvalsh(corr)
    return float(-(torch.log(v + K) + 1.0 / (v + K)).sum())


def epe_of(jacobian: torch.Tensor, labels: torch.Tensor, n_outputs: int) -> float:
    """EPE-NAS score of per-class Jacobian correlation matrices (NASLib's definition)."""
    per_class = []
    for c in torch.unique(labels, sorted=True):
        rows = jacobian[labels == c]
        corr = torch.corrcoef(rows) if rows.shape[0] > 1 else torch.ones(1, 1, dtype=rows.dtype, device=rows.device)
        s = torch.log(corr.abs() + K).sum()
        if n_outputs > 100:
            s = s / corr.shape[0]
        per_class.append(s)
    s = torch.stack(per_class)
    if n_outputs <= 100:
        return float(s.abs().sum())
    return float((s[:, None] - s[None, :]).abs().sum() / len(per_class))


class _JacobianProxy:
    settings: dict = {}

    def jacobian(self, net: nn.Module, inputs: torch.Tensor) -> tuple[torch.Tensor, int]:
        """(J [B, D] float64, number of network outputs per sample), shared within a score job."""
        return reused("jacobian.input", net, (inputs,), lambda: self._jacobian(net, inputs))

    def _jacobian(self, net: nn.Module, inputs: torch.Tensor) -> tuple[torch.Tensor, int]:
        widths: list[int] = []
        handle = net.register_forward_hook(lambda _m, _a, out: widths.append(int(out.shape[-1])))
        try:
            with untouched(net):
                jac = with_oom_retry(lambda parts: input_jacobian(net, inputs, parts), inputs.shape[0])
        finally:
            handle.remove()
        return jac, widths[-1]


class JacobianCovariance(_JacobianProxy):
    """NASWOT v1: eigen-spectrum of the correlation of per-sample input Jacobians."""

    name = "jacov"
    needs_labels = False

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        jac, _ = self.jacobian(net, inputs)
        return jacov_of(jac)


class EpeNas(_JacobianProxy):
    """EPE-NAS: per-class Jacobian correlation statistics."""

    name = "epe_nas"
    needs_labels = True

    def score(self, net: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> float:
        jac, n_outputs = self.jacobian(net, inputs)
        return epe_of(jac, targets.to(jac.device), n_outputs)


@hookimpl
def nasbench_register_proxies(register) -> None:
    register(JacobianCovariance())
    register(EpeNas())
