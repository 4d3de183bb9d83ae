"""Reading the official NAS-Bench-201 ``.pth`` and NATS-Bench ``.pickle.pbz2`` files safely.

Both are pickles. They are read with an allow-list unpickler that builds only plain data (dicts,
lists, numbers, strings, ``OrderedDict``, numpy scalars/arrays); in ``.pth`` files ``torch.load``
rebuilds tensors from the file's storages as its ``weights_only`` mode does, in ``.pickle.pbz2``
files tensors become ``None`` without running torch code. A file that needs any other class is
refused with one line; ``trust=True`` (``--trust-pickle``) unpickles it fully, as the official
package does.
"""

from __future__ import annotations

import bz2
import io
import pickle
import re
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from nasbench.api import DataError


class _Dropped:
    """Stands in for torch globals in a plain pickle: calling it builds nothing and returns ``None``."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None


_NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("_codecs", "encode"),  # bytes in protocol-2 pickles (torch.save), as torch's weights_only allows
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("__builtin__", "set"),  # protocol-2 name of the same
    ("__builtin__", "frozenset"),
}
_TENSOR_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_parameter"),
}


class _PlainUnpickler(pickle.Unpickler):
    """Builds plain data only (C unpickler, so fast); any class outside the allow-list is refused.

    Torch globals are replaced by ``_Dropped`` (tensors become ``None``, nothing of torch runs),
    except in ``_TensorUnpickler``, used inside ``torch.load``, where torch rebuilds tensors from
    the file's own storages with its tensor-rebuild functions, as its ``weights_only`` mode does.
    """

    keep_tensors = False

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) in _NUMPY_GLOBALS or (self.keep_tensors and (module, name) in _TENSOR_GLOBALS):
            return super().find_class(module, name)
        if not self.keep_tensors and (module == "torch" or module.startswith("torch.")):
            return _Dropped()
        raise pickle.UnpicklingError(f"Unsupported global: GLOBAL {module}.{name}")


class _TensorUnpickler(_PlainUnpickler):
    keep_tensors = True


class _PlainPickleModule:
    """What ``torch.load(pickle_module=...)`` needs: ``Unpickler`` and ``load``."""

    __name__ = "nasbench_plain_pickle"
    Unpickler = _TensorUnpickler

    @staticmethod
    def load(file: Any, **kwargs: Any) -> Any:
        return _TensorUnpickler(file, **kwargs).load()


def _needs_trust(path: Path, exc: Exception) -> DataError:
    found = re.search(r"GLOBAL ([\w.]+)", str(exc))
    what = f"the pickled class {found.group(1)}" if found else "pickled classes"
    return DataError(
        f"{path} needs {what}, which nasbench does not unpickle (only plain data); "
        "if you trust the file, re-run with --trust-pickle"
    )


def load_pth(path: Path, trust: bool) -> Any:
    import torch

    try:
        if trust:
            return torch.load(path, map_location="cpu", weights_only=False)
        return torch.load(path, map_location="cpu", weights_only=False, pickle_module=_PlainPickleModule)
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc):
            raise _needs_trust(path, exc) from None
        raise DataError(f"{path} is corrupt or not a NAS-Bench-201 .pth file ({first_line(exc)})") from None
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        zipfile.BadZipFile,
        AttributeError,
        TypeError,
        KeyError,
        IndexError,
        ImportError,
    ) as exc:
        raise DataError(f"{path} is corrupt or not a NAS-Bench-201 .pth file ({first_line(exc)})") from None


def load_pbz2(path: Path, trust: bool) -> Any:
    try:
        raw = bz2.decompress(path.read_bytes())
    except (OSError, ValueError, EOFError) as exc:
        hint = "; for a NAS-Bench-201 .pth use `nasbench data import nb201`" if path.suffix == ".pth" else ""
        raise DataError(f"{path} is corrupt or not a NATS-Bench .pickle.pbz2 file ({first_line(exc)}){hint}") from None
    try:
        if trust:
            return pickle.loads(raw)  # noqa: S301 - the user asked for it (--trust-pickle), as nats_bench does
        return _PlainUnpickler(io.BytesIO(raw)).load()
    except pickle.UnpicklingError as exc:
        if "Unsupported global" in str(exc):
            raise _needs_trust(path, exc) from None
        raise DataError(f"{path} is corrupt: not a readable pickle ({first_line(exc)})") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, ImportError) as exc:
        raise DataError(f"{path} is corrupt: not a readable pickle ({first_line(exc)})") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0].split(". ")[0] if text else ""
    first = first if len(first) <= 120 else first[:117] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
