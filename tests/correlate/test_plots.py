"""Score axes of the correlate scatter plots: every score visible, whatever its range."""

from __future__ import annotations

from nasbench_plugins.correlate.plots import scatter_plots, score_axis_scale


def test_narrow_ranges_stay_linear():
    assert score_axis_scale([0.5, 2.0, 10.0]) == ("linear", {})
    assert score_axis_scale([-3.0, 0.0, 4.0]) == ("linear", {})


def test_positive_scores_over_many_orders_of_magnitude_get_a_log_axis():
    assert score_axis_scale([1e3, 2e20, 3e43]) == ("log", {})  # synflow on NB201


def test_wide_ranges_with_negative_scores_get_a_symmetric_log_axis():
    assert score_axis_scale([-1e9, -50.0, -2.0]) == ("symlog", {"linthresh": 2.0})  # -kappa of TE-NAS
    assert score_axis_scale([-1e6, 0.0, 5.0]) == ("symlog", {"linthresh": 5.0})


def test_zero_scores_do_not_stop_a_log_axis():
    assert score_axis_scale([0.0, 1e3, 1e40]) == ("log", {})  # synflow of a no-path arch is 0


def test_a_wide_range_plot_is_written(tmp_path):
    per_arch = [{"proxy": "synflow", "score": v, "accuracy": a} for v, a in [(1e3, 80.0), (1e30, 90.0), (1e43, 93.0)]]
    summary = {"proxy": "synflow", "space": "nb201", "dataset": "cifar10", "spearman": 1.0}
    (path,) = scatter_plots(per_arch, [summary], tmp_path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
