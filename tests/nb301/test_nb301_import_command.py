"""``nasbench data import nb301 DIR``: clear one-line errors; the stand-in stays in use."""

from __future__ import annotations

from pathlib import Path

from nasbench_plugins.nb301 import official as nb301_official


def test_import_rejects_a_dir_without_the_models(nasbench_cli, tmp_path: Path) -> None:
    result = nasbench_cli(["data", "import", "nb301", str(tmp_path)])
    assert result.exit_code == 2 and "xgb_v1.0" in result.output
    assert not nb301_official.record_path().exists()


def test_import_without_the_official_package_says_so(nasbench_cli, tmp_path: Path) -> None:
    (tmp_path / "xgb_v1.0").mkdir()
    result = nasbench_cli(["data", "import", "nb301", str(tmp_path)])
    assert result.exit_code == 2 and "nasbench301 package is not installed" in result.output
    assert nb301_official.load() is None
