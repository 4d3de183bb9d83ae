"""`nasbench correlate` and `nasbench report-proxies` end to end on the toy space (real networks, real SQLite)."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from nasbench.cli import make_cli
from nasbench_plugins.correlate.scorecache import precision_of

BASE = ["correlate", "--space", "toy", "--dataset", "toy", "--proxy", "nwot", "--batch-size", "8", "--seed", "0"]


def invoke(pm, args, data):
    return CliRunner().invoke(make_cli(pm), [*args, "--data-dir", str(data)])


def summaries(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"spearman"' in line]


def per_arch(output: str) -> dict[str, float]:
    rows = [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"spearman"' not in line]
    return {r["arch"]: r["score"] for r in rows}


def test_correlate_json_reports_rank_statistics(correlate_pm, tiny_data, tmp_path):
    result = invoke(correlate_pm, [*BASE, "--sample", "12", "--json", "--store", str(tmp_path / "s.sqlite")], tiny_data)
    assert result.exit_code == 0, result.output
    (row,) = summaries(result.output)
    assert row["proxy"] == "nwot" and row["n"] == 12 and row["n_failed"] == 0
    assert -1.0 <= row["spearman"] <= 1.0 and -1.0 <= row["kendall"] <= 1.0
    assert 0.0 <= row["top10"] <= 1.0
    assert row["archs_per_second"] > 0 and row["peak_memory_bytes"] >= 0


def test_second_run_is_a_lookup(correlate_pm, tiny_data, tmp_path):
    args = [*BASE, "--sample", "10", "--json", "--store", str(tmp_path / "s.sqlite")]
    first = summaries(invoke(correlate_pm, args, tiny_data).output)[0]
    second = summaries(invoke(correlate_pm, args, tiny_data).output)[0]
    assert first["computed"] == 10 and first["reused"] == 0
    assert second["computed"] == 0 and second["reused"] == 10
    assert second["spearman"] == first["spearman"]


def test_recompute_overwrites_stored_scores(correlate_pm, tiny_data, tmp_path):
    store = tmp_path / "s.sqlite"
    args = [*BASE, "--sample", "4", "--json", "--per-arch", "--store", str(store)]
    first = invoke(correlate_pm, args, tiny_data)
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE proxy_scores SET score = -12345.0")  # what an older proxy version left
    stale = invoke(correlate_pm, args, tiny_data)
    fresh = invoke(correlate_pm, [*args, "--recompute"], tiny_data)
    assert set(per_arch(stale.output).values()) == {-12345.0}
    assert summaries(fresh.output)[0]["computed"] == 4
    assert per_arch(fresh.output) == per_arch(first.output)
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM proxy_scores WHERE score = -12345.0").fetchone() == (0,)


def test_a_new_proxy_version_recomputes_instead_of_reusing(correlate_pm, tiny_data, tmp_path, monkeypatch):
    from nasbench_plugins.proxies.nwot import NWOT

    store = tmp_path / "s.sqlite"
    args = [*BASE, "--sample", "4", "--json", "--store", str(store)]
    invoke(correlate_pm, args, tiny_data)
    monkeypatch.setattr(NWOT, "version", "2", raising=False)
    bumped = summaries(invoke(correlate_pm, args, tiny_data).output)[0]
    again = summaries(invoke(correlate_pm, args, tiny_data).output)[0]
    assert (bumped["computed"], bumped["reused"], bumped["proxy_version"]) == (4, 0, "2")
    assert (again["computed"], again["reused"]) == (0, 4)
    with sqlite3.connect(store) as conn:
        versions = conn.execute("SELECT DISTINCT proxy_version FROM proxy_scores ORDER BY 1").fetchall()
    assert versions == [("1",), ("2",)]  # the old version's scores are kept, never reused


def test_a_score_from_a_worker_with_another_proxy_version_fails(correlate_pm, tiny_data, tmp_path, monkeypatch):
    from nasbench_plugins.correlate import scorejob as proxyjob

    real = proxyjob.score_job

    def other_install(job):
        scores = real(job)
        for s in scores:
            s.version = "0-old"
        return scores

    monkeypatch.setattr(proxyjob, "score_job", other_install)
    store = tmp_path / "s.sqlite"
    result = invoke(correlate_pm, [*BASE, "--sample", "3", "--json", "--store", str(store)], tiny_data)
    row = summaries(result.output)[0]
    assert row["n_failed"] == 3 and row["n"] == 0
    with sqlite3.connect(store) as conn:
        (failure,) = conn.execute("SELECT DISTINCT failure FROM proxy_scores").fetchone()
    assert "the worker ran nwot version '0-old'" in failure


def test_an_interrupted_study_says_how_to_resume(correlate_pm, tiny_data, tmp_path, monkeypatch):
    from nasbench_plugins.correlate import engine as engine

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run_study", interrupted)
    result = invoke(correlate_pm, [*BASE, "--sample", "3", "--store", str(tmp_path / "s")], tiny_data)
    assert result.exit_code == 130
    assert "the same command resumes" in result.output and "Traceback" not in result.output


def test_scores_are_stored_per_arch_and_proxy(correlate_pm, tiny_data, tmp_path):
    store = tmp_path / "s.sqlite"
    invoke(correlate_pm, [*BASE, "--sample", "6", "--json", "--store", str(store)], tiny_data)
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT space, proxy, batch_size, seed, status FROM proxy_scores").fetchall()
    assert len(rows) == 6 and set(rows) == {("toy", "nwot", 8, 0, "ok")}


def test_scores_do_not_depend_on_order(correlate_pm, tiny_data, tmp_path):
    archs = ["conv3x3,skip,conv1x1", "skip,conv3x3,none", "conv1x1,conv1x1,conv3x3"]
    forward, backward = tmp_path / "f.txt", tmp_path / "b.txt"
    forward.write_text("\n".join(archs) + "\n")
    backward.write_text("\n".join(reversed(archs)) + "\n")
    a = invoke(
        correlate_pm,
        [*BASE, "--archs", str(forward), "--per-arch", "--json", "--store", str(tmp_path / "a")],
        tiny_data,
    )
    b = invoke(
        correlate_pm,
        [*BASE, "--archs", str(backward), "--per-arch", "--json", "--store", str(tmp_path / "b")],
        tiny_data,
    )
    assert per_arch(a.output) == per_arch(b.output)
    assert set(per_arch(a.output)) == set(archs)


def test_per_arch_lines_carry_arch_proxy_score_accuracy(correlate_pm, tiny_data, tmp_path):
    result = invoke(
        correlate_pm, [*BASE, "--sample", "4", "--per-arch", "--json", "--store", str(tmp_path / "s")], tiny_data
    )
    lines = [json.loads(x) for x in result.output.splitlines() if '"accuracy"' in x]
    assert len(lines) == 4
    assert all({"arch", "proxy", "score", "accuracy"} <= set(line) for line in lines)


def test_bad_arch_line_is_one_error_line(correlate_pm, tiny_data, tmp_path):
    archs = tmp_path / "archs.txt"
    archs.write_text("conv3x3,skip,conv1x1\nconv3x3,banana\n")
    result = invoke(correlate_pm, [*BASE, "--archs", str(archs), "--store", str(tmp_path / "s")], tiny_data)
    assert result.exit_code == 2
    assert "archs.txt:2" in result.output and "Traceback" not in result.output


def test_unknown_proxy_lists_choices(correlate_pm, tiny_data, tmp_path):
    args = [*BASE[:-6], "--proxy", "nwot,nope", "--store", str(tmp_path / "s")]
    result = invoke(correlate_pm, args, tiny_data)
    assert result.exit_code == 2 and "unknown proxy 'nope'" in result.output


def test_proxy_all_means_every_registered_proxy(correlate_pm, tiny_data, tmp_path):
    from nasbench.registry import Registry

    args = [
        "correlate",
        "--space",
        "toy",
        "--dataset",
        "toy",
        "--proxy",
        "all",
        "--batch-size",
        "8",
        "--sample",
        "3",
        "--json",
        "--store",
        str(tmp_path / "s"),
    ]
    result = invoke(correlate_pm, args, tiny_data)
    assert result.exit_code == 0, result.output
    assert sorted(r["proxy"] for r in summaries(result.output)) == Registry(correlate_pm).names("proxy")


def test_missing_dataset_images_fall_back_and_say_so(correlate_pm, tiny_data, tmp_path):
    result = invoke(correlate_pm, [*BASE, "--sample", "3", "--store", str(tmp_path / "s")], tiny_data)
    assert result.exit_code == 0, result.output
    assert "NOTE: toy images not available" in result.output and "CIFAR-10 train" in result.output


def test_report_proxies_marks_studies_scored_on_stand_in_images(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s")
    invoke(correlate_pm, [*BASE, "--sample", "3", "--json", "--store", store], tiny_data)
    result = CliRunner().invoke(make_cli(correlate_pm), ["report-proxies", "--store", store])
    assert result.exit_code == 0, result.output
    header, _, row = result.output.splitlines()[:3]
    cells = dict(zip([c.strip() for c in header.split("|")], [c.strip() for c in row.split("|")]))
    assert cells["dataset"] == "toy" and cells["images"] == "cifar10:48 (stand-in)"  # the 48 images write_cifar10 wrote


def test_report_proxies_lists_each_study(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    invoke(correlate_pm, [*BASE, "--sample", "5", "--json", "--store", store], tiny_data)
    result = CliRunner().invoke(make_cli(correlate_pm), ["report-proxies", "--store", store])
    assert result.exit_code == 0, result.output
    body = [[c.strip() for c in line.split("|")] for line in result.output.splitlines() if line.startswith("| toy ")]
    assert len(body) == 1 and "nwot" in body[0] and "random:5" in body[0]


def test_report_shows_the_proxy_studies_after_the_trials(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    invoke(correlate_pm, [*BASE, "--sample", "5", "--json", "--store", store], tiny_data)
    result = CliRunner().invoke(make_cli(correlate_pm), ["report", "--store", store])
    assert result.exit_code == 0, result.output
    trials, proxies = result.output.split("zero-cost proxy studies")
    assert "no trials in the store yet" in trials
    body = [[c.strip() for c in line.split("|")] for line in proxies.splitlines() if line.startswith("| toy ")]
    assert len(body) == 1 and "nwot" in body[0] and "random:5" in body[0]


def fp32_and_bf16_studies(pm, data, store: str) -> None:
    """The same nwot study on 5 archs, once in fp32 and once in bf16."""
    for precision in ("fp32", "bf16"):
        invoke(pm, [*BASE, "--sample", "5", "--json", "--precision", precision, "--store", store], data)


def test_a_bf16_study_keeps_its_own_summary_beside_the_fp32_one(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    fp32_and_bf16_studies(correlate_pm, tiny_data, store)
    both = report(correlate_pm, "--store", store)
    assert both.exit_code == 0, both.output
    header = [c.strip() for c in both.output.splitlines()[0].split("|")]
    body = [[c.strip() for c in line.split("|")] for line in both.output.splitlines() if line.startswith("| toy ")]
    assert sorted(row[header.index("precision")] for row in body) == ["bf16", "fp32"]
    only = report(correlate_pm, "--store", store, "--precision", "bf16", "--format", "json")
    assert [precision_of(json.loads(line)["proxy_version"]) for line in only.output.splitlines()] == ["bf16"]


def test_by_proxy_asks_which_precision_when_both_were_studied(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    fp32_and_bf16_studies(correlate_pm, tiny_data, store)
    result = report(correlate_pm, "--store", store, "--by-proxy")
    assert result.exit_code == 2 and "--precision" in result.output
    assert report(correlate_pm, "--store", store, "--by-proxy", "--precision", "fp32").exit_code == 0


def two_studies(pm, data, store: str) -> None:
    """nwot and first-draw on 5 archs, and nwot again on 4 archs: three summary rows."""
    invoke(pm, [*BASE[:6], "nwot,first-draw", *BASE[7:], "--sample", "5", "--json", "--store", store], data)
    invoke(pm, [*BASE, "--sample", "4", "--json", "--store", store], data)


def report(pm, *args: str):
    return CliRunner().invoke(make_cli(pm), ["report-proxies", *args])


def test_report_by_proxy_gives_one_row_per_proxy_with_its_definition(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    two_studies(correlate_pm, tiny_data, store)
    result = report(correlate_pm, "--store", store, "--by-proxy", "--sample", "random:5", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["proxy"]: r for r in map(json.loads, result.output.splitlines())}
    assert set(rows) == {"nwot", "first-draw"}
    assert rows["first-draw"]["definition"].startswith("A proxy whose score is the first uniform draw")
    assert set(rows["nwot"]) >= {"ρ toy", "τ toy", "archs/s", "peak mem", "n"}


def test_report_by_proxy_asks_to_pick_between_two_studies_of_a_proxy(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    two_studies(correlate_pm, tiny_data, store)
    result = report(correlate_pm, "--store", store, "--by-proxy")
    assert result.exit_code == 2
    assert "two studies of nwot on toy" in result.output and "Traceback" not in result.output


def test_report_proxies_filters_by_sample(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    two_studies(correlate_pm, tiny_data, store)
    result = report(correlate_pm, "--store", store, "--sample", "random:4", "--format", "json")
    assert [(r["proxy"], r["sample"]) for r in map(json.loads, result.output.splitlines())] == [("nwot", "random:4")]


def test_report_by_proxy_writes_its_table_between_the_markers_of_a_page(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    two_studies(correlate_pm, tiny_data, store)
    page = tmp_path / "proxies.md"
    page.write_text("intro\n<!-- report-proxies-by-proxy -->\nstale\n<!-- /report-proxies-by-proxy -->\nend\n")
    result = report(correlate_pm, "--store", store, "--by-proxy", "--sample", "random:5", "--write", str(page))
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "stale" not in text and text.startswith("intro\n") and text.endswith("end\n")
    assert "| nwot " in text and "sample random:5, seed 0, batch 8" in text


def test_report_proxies_write_without_markers_is_one_line(correlate_pm, tiny_data, tmp_path):
    store = str(tmp_path / "s.sqlite")
    two_studies(correlate_pm, tiny_data, store)
    page = tmp_path / "proxies.md"
    page.write_text("no markers here\n")
    result = report(correlate_pm, "--store", store, "--write", str(page))
    assert result.exit_code == 2 and "<!-- report-proxies -->" in result.output
    assert page.read_text() == "no markers here\n"


def test_report_proxies_on_a_corrupt_store_is_one_line(correlate_pm, tmp_path):
    store = tmp_path / "s.sqlite"
    store.write_bytes(b"this is not sqlite" * 100)
    result = CliRunner().invoke(make_cli(correlate_pm), ["report-proxies", "--store", str(store)])
    assert result.exit_code != 0
    assert "not a nasbench results store" in result.output and "Traceback" not in result.output


def test_plot_writes_one_png_per_proxy(correlate_pm, tiny_data, tmp_path):
    plots = tmp_path / "plots"
    result = invoke(
        correlate_pm, [*BASE, "--sample", "5", "--plot", str(plots), "--store", str(tmp_path / "s")], tiny_data
    )
    assert result.exit_code == 0, result.output
    (png,) = plots.glob("*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
