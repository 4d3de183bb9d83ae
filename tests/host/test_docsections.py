"""Generated sections: a table is written between its markers and nothing else in the file moves."""

from __future__ import annotations

import pytest

from nasbench.docsections import replace_section, write_section
from nasbench.errors import BadInput

PAGE = "# Title\n\nprose before\n<!-- table -->\nold row\n<!-- /table -->\nprose after\n"


def test_only_the_text_between_the_markers_is_replaced():
    new = replace_section(PAGE, "table", "| a |\n|---|\n| 1 |")
    assert new == "# Title\n\nprose before\n<!-- table -->\n| a |\n|---|\n| 1 |\n<!-- /table -->\nprose after\n"


def test_writing_twice_gives_the_same_file(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    write_section(page, "table", "row\n")
    once = page.read_text()
    write_section(page, "table", "row\n")
    assert page.read_text() == once


@pytest.mark.parametrize("text", ["no markers\n", PAGE + "<!-- table -->\n", "<!-- /table -->\n<!-- table -->\n"])
def test_missing_duplicated_or_swapped_markers_are_one_clear_error(text):
    with pytest.raises(BadInput, match="exactly one <!-- table -->|swap the markers"):
        replace_section(text, "table", "x")


def test_a_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="cannot read"):
        write_section(tmp_path / "nope.md", "table", "x")
