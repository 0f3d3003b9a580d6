"""The layers hold: what import-linter checks (pyproject.toml's contracts), and what it cannot
see — that the domain uses the libraries through their public interfaces only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def private_uses(source: str) -> list[str]:
    """`x._name` where `x` is not `self` or `cls`: a private attribute of something else."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return found


def test_private_uses_are_found() -> None:
    assert private_uses("self._own\nself.app._record(p)\nx.__dict__") == [
        "self.app._record (line 2)"]


def test_the_domain_touches_no_private_attribute_of_another_object() -> None:
    offending = {str(path.relative_to(ROOT)): uses for path in (ROOT / "domain").rglob("*.py")
                 if (uses := private_uses(path.read_text()))}
    assert offending == {}
