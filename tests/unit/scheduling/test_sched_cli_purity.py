"""CLI behaviour and the pure-package rule."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from scheduling.cli import main

PACKAGE = Path(__file__).resolve().parents[3] / "scheduling"


def test_scheduling_imports_nothing_from_the_web_stack():
    forbidden = {"flask", "sqlalchemy", "app", "flask_sqlalchemy", "werkzeug"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not {n.split(".")[0] for n in names} & forbidden, path.name


def test_cli_generate_solve_check_round_trip(tmp_path, capsys):
    problem, solution = tmp_path / "p.json", tmp_path / "s.json"
    assert main(["generate", "--participants", "12", "--seed", "1", "-o", str(problem)]) == 0
    args = ["solve", str(problem), "-o", str(solution), "--time-limit", "3", "--workers", "1"]
    assert main(args) == 0
    assert main(["check", str(problem), str(solution)]) == 0
    assert main(["bound", str(problem)]) == 0
    out = capsys.readouterr().out.split()
    assert out[0] == "ok"
    assert int(out[1]) >= json.loads(solution.read_text())["stats"]["weight"]


def test_cli_check_lists_violations_and_exits_1(tmp_path, capsys):
    problem, solution = tmp_path / "p.json", tmp_path / "s.json"
    main(["generate", "--participants", "12", "-o", str(problem)])
    data = {"status": "feasible", "meetings": [{"request": "r1", "slot": "zz", "table": "T1"}]}
    solution.write_text(json.dumps(data))
    assert main(["check", str(problem), str(solution)]) == 1
    assert 'unknown slot "zz"' in capsys.readouterr().out


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"slots": [], "participants": [], "requests": [{"id": 3, "a": "x", "b": "y"}]}')
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: requests[0].id: expected a non-empty string")


def test_cli_missing_file_exits_2(tmp_path, capsys):
    assert main(["bound", str(tmp_path / "nope.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
