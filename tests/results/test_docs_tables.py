"""The docs' tables of committed results are printed from ``results/``, never typed: importing the
committed files into a fresh store and printing each suite's table gives every ``<!-- suite:NAME -->``
section of the docs byte for byte, and ``nasbench report --results FILE`` every
``<!-- report:FILE -->`` section (docs/results.md). A table edited by hand, or a results file changed
without re-printing the page (`REPORT_ONLY=1 scripts/paper-tables`), fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nasbench_plugins.suites.engine import load_suite
from tests.conftest import REPO, needs_data

REPORT = re.compile(r"^<!-- report:(?P<file>[^ ]+) -->\n(?P<body>.*?)^<!-- /report:(?P=file) -->$", re.M | re.S)
SECTION = re.compile(r"^<!-- suite:(?P<name>[^ ]+) -->\n(?P<body>.*?)^<!-- /suite:(?P=name) -->$", re.M | re.S)


def _suite_files() -> dict[str, Path]:
    """Suite name (its ``[suite] name``) -> its file."""
    out = {}
    for path in sorted((REPO / "suites").glob("*.toml")):
        out[load_suite(path).name] = path
    return out


PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _sections(pattern: re.Pattern = SECTION, key: str = "name") -> list[tuple[str, str, str]]:
    """(page, section name, body) of every section of ``pattern`` in the docs and the README."""
    found = []
    for page in PAGES:
        for match in pattern.finditer(page.read_text(encoding="utf-8")):
            found.append((page.relative_to(REPO).as_posix(), match[key], match["body"]))
    return found


def test_every_suite_section_names_a_suite_with_committed_results():
    suites = _suite_files()
    for page, name, _ in _sections():
        base = name.removesuffix("-quick")
        assert base in suites, f"{page}: section suite:{name} names no suite in suites/"
        assert (REPO / "results" / f"{suites[base].stem}.jsonl").is_file(), f"{page}: no results for {name}"


@needs_data
@pytest.mark.parametrize("page,name,body", _sections(), ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_a_docs_table_is_what_the_committed_results_print(nasbench_cli, tmp_path, page, name, body):
    suite = _suite_files()[name.removesuffix("-quick")]
    results = REPO / "results" / f"{suite.stem}.jsonl"
    imported = nasbench_cli(["results", "import", str(results), "--store", str(tmp_path / "fresh.sqlite")])
    assert imported.exit_code == 0, imported.output
    args = ["suite", "report", str(suite), "--store", str(tmp_path / "fresh.sqlite")]
    printed = nasbench_cli([*args, "--quick"] if name.endswith("-quick") else args)
    assert printed.exit_code == 0, printed.output
    assert printed.output == body, f"{page}: section suite:{name} differs from what results/ prints"


@needs_data
@pytest.mark.parametrize(
    "page,file,body", _sections(REPORT, "file"), ids=lambda v: v if isinstance(v, str) and "\n" not in v else ""
)
def test_a_report_section_is_what_report_prints_from_its_results_file(nasbench_cli, page, file, body):
    assert (REPO / file).is_file(), f"{page}: section report:{file} names no committed file"
    printed = nasbench_cli(["report", "--results", str(REPO / file)])
    assert printed.exit_code == 0, printed.output
    assert printed.output == body, f"{page}: section report:{file} differs from what `nasbench report` prints"
