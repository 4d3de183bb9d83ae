"""``nasbench report --results FILE --write PAGE`` puts the table between PAGE's
``<!-- report:FILE -->`` markers, so a README table is printed from committed trials."""

from tests.conftest import needs_data


@needs_data
def test_report_writes_its_table_between_the_markers_named_by_the_results_file(nasbench_cli, tmp_path):
    run = ["run", "--space", "nb201", "--scorer", "best-acc", "--strategy", "independent", "--store", "a.sqlite"]
    nasbench_cli(run)
    assert nasbench_cli(["results", "export", "r.jsonl", "--store", "a.sqlite"]).exit_code == 0
    (tmp_path / "page.md").write_text("intro\n<!-- report:r.jsonl -->\nold\n<!-- /report:r.jsonl -->\nend\n")
    printed = nasbench_cli(["report", "--results", "r.jsonl", "--write", "page.md"])
    assert printed.exit_code == 0, printed.output
    section = f"<!-- report:r.jsonl -->\n{printed.output}<!-- /report:r.jsonl -->"
    assert (tmp_path / "page.md").read_text() == f"intro\n{section}\nend\n"


def test_write_needs_exactly_one_results_file(nasbench_cli):
    result = nasbench_cli(["report", "--store", "s.sqlite", "--write", "page.md"])
    assert result.exit_code == 2 and "exactly one --results FILE" in result.output
