"""`correlate`'s score cache reuses a score only for the space configuration that produced it:
a new space version recomputes; rows stored before configurations were recorded still serve a
version-"1" space at its defaults."""

from __future__ import annotations

import sqlite3

from nasbench.errors import EXIT_OK

ARGS = ["correlate", "--proxy", "params", "--sample", "3", "--batch-size", "4"]


def test_a_rerun_with_the_same_space_reuses_every_score(cli, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    assert cli([*ARGS, "--store", store]).exit_code == EXIT_OK
    again = cli([*ARGS, "--store", store])
    assert "computed 0 arch(s)" in again.output and "3 taken from the store" in again.output


def test_a_new_space_version_recomputes_instead_of_reusing(cli, faulty_pm, data_dir, tmp_path, monkeypatch):
    store = tmp_path / "s.sqlite"
    cli([*ARGS, "--store", store])
    from nasbench.registry import Registry

    space = Registry(faulty_pm).get("space", "nb201")
    monkeypatch.setattr(type(space), "version", "2", raising=False)
    again = cli([*ARGS, "--store", store])
    assert "computed 3 arch(s)" in again.output, again.output
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT count(*) FROM proxy_scores").fetchone()[0] == 3  # replaced, not added


def test_rows_stored_before_space_configs_serve_the_default_space(cli, data_dir, tmp_path):
    store = tmp_path / "s.sqlite"
    cli([*ARGS, "--store", store])
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE proxy_scores SET space_config = NULL")  # as an older nasbench wrote them
    again = cli([*ARGS, "--store", store])
    assert "3 taken from the store" in again.output, again.output
