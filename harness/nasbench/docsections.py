"""Generated sections of text files: what lies between ``<!-- name -->`` and ``<!-- /name -->``.

The tables in the docs are printed from the store by commands, not typed; writing one into its
place lets a page be regenerated after a new study while the prose around it stays as written.
"""

from __future__ import annotations

from pathlib import Path

from nasbench.errors import BadInput


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def replace_section(text: str, name: str, content: str, where: str = "the text") -> str:
    """``text`` with the lines between the two markers of ``name`` replaced by ``content``."""
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1:
        raise BadInput(f"{where} needs exactly one {begin} line and one {end} line to write the table between")
    head, rest = text.split(begin, 1)
    if end not in rest:
        raise BadInput(f"{end} comes before {begin} in {where}: swap the markers")
    _, tail = rest.split(end, 1)
    if head and not head.endswith("\n"):
        raise BadInput(f"{begin} must start a line in {where}")
    body = content if content.endswith("\n") else content + "\n"
    return f"{head}{begin}\n{body}{end}{tail}"


def write_section(path: str | Path, name: str, content: str) -> None:
    """Replace the section ``name`` of the file at ``path`` (which must exist and hold its markers)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {file}: {exc}") from exc
    new = replace_section(text, name, content, where=str(file))
    if new != text:
        file.write_text(new, encoding="utf-8")
