"""What a match is in every `nasbench verify METHOD` table, and the reference folder's one-line errors."""

from __future__ import annotations

import json
import math

import pytest

from nasbench.api import Check, DataError, mismatch_lines, reference_data_file, reference_json


def test_a_value_matches_within_rtol_of_the_official_value():
    check = Check("kappa")
    check.value(100.0 + 1e-3, 100.0, 1e-4, "a")
    check.value(100.1, 100.0, 1e-4, "b")
    assert check.n == 2 and check.worst == pytest.approx(1e-3)
    assert check.mismatches == ["b: ours 100.1, official 100.0"]


def test_a_nan_the_official_code_produced_is_matched_by_a_nan_and_by_nothing_else():
    check = Check("scores")
    check.value(math.nan, math.nan, 0.0, "both")
    assert not check.mismatches and check.worst == 0.0
    check.value(1.0, math.nan, 0.0, "ours finite")
    assert check.mismatches == ["ours finite: ours 1.0, official nan"] and check.worst == math.inf


def test_a_floor_of_one_makes_the_error_absolute_below_one():
    relative, floored = Check("loss"), Check("loss", floor=1.0)
    for check in (relative, floored):
        check.value(1e-6, 0.0, 1e-5, "near zero")
    assert relative.mismatches and not floored.mismatches


def test_mismatch_lines_print_the_first_five_of_each_quantity_in_table_order():
    a, b = Check("a"), Check("b")
    for k in range(7):
        a.same(k, -1, f"a{k}")
    b.same("x", "y", "b0")
    lines = mismatch_lines([a, b])
    assert (
        len(lines) == 6 and lines[0] == "  mismatch: a0: ours 0, official -1" and lines[-1].startswith("  mismatch: b0")
    )


def test_a_reference_json_lacking_a_key_is_one_line_naming_it(tmp_path):
    (tmp_path / "reference.json").write_text(json.dumps({"format": "x/1", "calls": {}}))
    with pytest.raises(DataError, match="'calls' is missing or not a list"):
        reference_json(tmp_path, {"calls": list})
    with pytest.raises(DataError, match="is not a TE-NAS reference"):
        reference_json(tmp_path, {}, ("tenas/1", "TE-NAS reference"))


def test_a_data_file_is_looked_up_in_the_data_dirs_then_in_the_folder(tmp_path):
    data, folder = tmp_path / "data", tmp_path / "ref"
    data.mkdir()
    folder.mkdir()
    (folder / "b.bin").write_bytes(b"")
    assert reference_data_file(folder, "b.bin", [data]) == folder / "b.bin"
    (data / "b.bin").write_bytes(b"")
    assert reference_data_file(folder, "b.bin", [data]) == data / "b.bin"
    with pytest.raises(DataError, match="missing image file 'c.bin' of the reference: looked in"):
        reference_data_file(folder, "c.bin", [data])
