"""Genotype text: the DARTS notation (read and written) and JSON (read and written).

DARTS notation, as printed by the DARTS code::

    Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
             reduce=[('max_pool_3x3', 0), ...], reduce_concat=[2, 3, 4, 5])

JSON: ``{"normal": [["sep_conv_3x3", 0], ...], "normal_concat": [2, 3, 4, 5], "reduce": [...],
"reduce_concat": [2, 3, 4, 5]}`` (``*_concat`` optional). Both are parsed with regular
expressions / ``json`` only, never ``eval``. Entries 2m and 2m+1 feed intermediate node m+2.
"""

from __future__ import annotations

import json
import re

from nasbench.api import BadInput
from nasbench_plugins.darts_space.spec import CONCAT, Genotype

_PAIR = r"""\(\s*(?:'[a-z0-9_]+'|"[a-z0-9_]+")\s*,\s*\d+\s*\)"""
_LIST = rf"\[\s*(?:{_PAIR}\s*(?:,\s*{_PAIR}\s*)*,?\s*)?\]"
_INTS = r"(?:\[\s*(?:\d+\s*(?:,\s*\d+\s*)*,?\s*)?\]|range\(\s*\d+\s*,\s*\d+\s*\))"
_FIELD = re.compile(
    rf"\s*(?P<name>normal|reduce)\s*=\s*(?P<list>{_LIST})\s*,"
    rf"\s*(?P<cname>normal_concat|reduce_concat)\s*=\s*(?P<ints>{_INTS})\s*"
)
_GENOTYPE = re.compile(r"^\s*Genotype\s*\((?P<body>.*)\)\s*$", re.DOTALL)
_PAIRS = re.compile(r"""\(\s*['"]([a-z0-9_]+)['"]\s*,\s*(\d+)\s*\)""")

FIELDS = ("normal", "reduce")


def _pairs(text: str) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for m in _PAIRS.finditer(text)]


def _concat(values: list[int], field: str) -> None:
    if values != CONCAT:
        raise BadInput(f"{field}={values}: this space concatenates every intermediate node, {CONCAT}")


def parse_darts(text: str) -> Genotype:
    """Read the DARTS ``Genotype(...)`` notation; ``BadInput`` when malformed."""
    m = _GENOTYPE.match(text)
    if m is None:
        raise BadInput(
            f"malformed genotype {text[:80]!r}: expected Genotype(normal=[('op', input), ...], "
            "normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5]) or JSON"
        )
    body = m.group("body")
    out: Genotype = {}
    pos = 0
    while pos < len(body):
        f = _FIELD.match(body, pos)
        if f is None:
            raise BadInput(f"malformed genotype near {body[pos : pos + 40]!r}")
        name, concat_name = f.group("name"), f.group("cname")
        if concat_name != f"{name}_concat" or name in out:
            raise BadInput(f"malformed genotype: {name} must be followed once by {name}_concat")
        out[name] = _pairs(f.group("list"))
        ints = [int(v) for v in re.findall(r"\d+", f.group("ints"))]
        _concat(list(range(*ints)) if f.group("ints").startswith("range") else ints, concat_name)
        pos = f.end()
        if pos < len(body):
            if body[pos] != ",":
                raise BadInput(f"malformed genotype near {body[pos : pos + 40]!r}")
            pos += 1
    if set(out) != set(FIELDS):
        raise BadInput("malformed genotype: needs both normal=[...] and reduce=[...]")
    return out


def parse_json(text: str) -> Genotype:
    """Read the JSON form; ``BadInput`` when malformed."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"malformed genotype JSON ({exc})") from exc
    if not isinstance(raw, dict) or not all(isinstance(raw.get(f), list) for f in FIELDS):
        raise BadInput('genotype JSON must be an object with lists "normal" and "reduce"')
    out: Genotype = {}
    for field in FIELDS:
        pairs = []
        for item in raw[field]:
            ok = (
                isinstance(item, list)
                and len(item) == 2
                and isinstance(item[0], str)
                and isinstance(item[1], int)
                and not isinstance(item[1], bool)
                and item[1] >= 0
            )
            if not ok:
                raise BadInput(f'genotype JSON: {field} entries must be ["op", input]; got {item!r}')
            pairs.append((item[0], item[1]))
        out[field] = pairs
        if f"{field}_concat" in raw:
            _concat(raw[f"{field}_concat"], f"{field}_concat")
    return out


def parse(text: str) -> Genotype:
    """DARTS notation or JSON, told apart by the first character."""
    if not isinstance(text, str):
        raise BadInput(f"a genotype must be text, got {type(text).__name__}")
    return parse_json(text) if text.lstrip().startswith("{") else parse_darts(text)


def format_darts(genotype: Genotype) -> str:
    def cell(pairs: list[tuple[str, int]]) -> str:
        return "[" + ", ".join(f"('{op}', {j})" for op, j in pairs) + "]"

    return (
        f"Genotype(normal={cell(genotype['normal'])}, normal_concat={CONCAT}, "
        f"reduce={cell(genotype['reduce'])}, reduce_concat={CONCAT})"
    )


def format_json(genotype: Genotype) -> str:
    return json.dumps(
        {
            "normal": [[op, j] for op, j in genotype["normal"]],
            "normal_concat": CONCAT,
            "reduce": [[op, j] for op, j in genotype["reduce"]],
            "reduce_concat": CONCAT,
        }
    )
