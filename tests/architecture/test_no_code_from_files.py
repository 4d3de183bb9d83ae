"""No file nasbench reads runs code: every ``torch.load`` is ``weights_only=True``, every
``np.load`` is ``allow_pickle=False``, and only the two allow-list unpicklers of third-party
pickles (official NB201/NATS files, ImageNet16/CIFAR-100 batches) touch ``pickle`` at all.
Checked on the code, so a new loader (another helper's plugin too) cannot slip back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "harness" / "nasbench", ROOT / "plugins" / "nasbench_plugins"]
#: read third-party pickles with an allow-list unpickler (``--trust-pickle`` is the user's choice)
UNPICKLERS = {
    "plugins/nasbench_plugins/nb201/safe_pickle.py",
    "plugins/nasbench_plugins/correlate/datasets.py",
}


def _calls():
    """(file, call text, call node) of every call in the host and the built-in plugins."""
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    yield rel, ast.unparse(node.func), node


def _keyword(call: ast.Call, name: str) -> object:
    found = [k.value for k in call.keywords if k.arg == name]
    return found[0].value if found and isinstance(found[0], ast.Constant) else None


def test_every_torch_load_is_weights_only():
    offenders = [
        f"{rel}:{call.lineno}"
        for rel, func, call in _calls()
        if func == "torch.load" and _keyword(call, "weights_only") is not True and rel not in UNPICKLERS
    ]
    assert offenders == []


def test_every_numpy_load_refuses_pickles():
    offenders = [
        f"{rel}:{call.lineno}"
        for rel, func, call in _calls()
        if func in ("np.load", "numpy.load") and _keyword(call, "allow_pickle") is not False
    ]
    assert offenders == []


def test_only_the_allow_list_readers_unpickle():
    offenders = [
        f"{rel}:{call.lineno} {func}"
        for rel, func, call in _calls()
        if func.startswith("pickle.") and func.split(".")[1] in ("load", "loads", "Unpickler") and rel not in UNPICKLERS
    ]
    assert offenders == []
