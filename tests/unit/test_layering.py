"""The pure packages `matching/` and `scheduling/` import nothing from the web app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "app")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def forbidden_imports(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for module in sorted(imported_modules(path)):
            if module.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(package.parent)} imports {module}")
    return found


@pytest.mark.parametrize("package", ["matching", "scheduling"])
def test_pure_package_imports_nothing_from_the_app(package):
    assert (ROOT / package).is_dir()
    assert forbidden_imports(ROOT / package) == []


def test_layering_check_catches_a_violation(tmp_path):
    package = tmp_path / "pure"
    package.mkdir()
    (package / "bad.py").write_text(
        "import json\nfrom app.models import db\nimport sqlalchemy as sa\nfrom . import x\n"
    )
    assert forbidden_imports(package) == [
        "pure/bad.py imports app.models",
        "pure/bad.py imports sqlalchemy",
    ]
