"""Synthetic events and the measurement command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching.__main__ import main
from matching.bench import spread_report, text_report
from matching.synth import HOSTING, REGIONS, SECTORS, SIZES, USE_CASES, make_event

TAXONOMY = Path(__file__).resolve().parents[3] / "app" / "data" / "taxonomy.json"


def taxonomy_codes() -> dict[str, set[str]]:
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    codes = {key: {item["code"] for item in data[key]} for key in ("sectors", "sizes", "regions")}
    codes["hosting"] = {item["code"] for item in data["hosting"]}
    codes["use_cases"] = {u["code"] for f in data["functions"] for u in f["use_cases"]}
    return codes


@pytest.mark.parametrize(
    ("key", "ours"),
    [
        ("use_cases", USE_CASES),
        ("sectors", SECTORS),
        ("sizes", SIZES),
        ("regions", REGIONS),
        ("hosting", HOSTING),
    ],
    ids=["use_cases", "sectors", "sizes", "regions", "hosting"],
)
def test_synth_codes_exist_in_taxonomy(key, ours):
    assert set(ours) - taxonomy_codes()[key] == set()


def test_synth_event_is_reproducible():
    assert make_event(30, 8, seed=5) == make_event(30, 8, seed=5)


def test_synth_event_has_stars():
    event = make_event(10, 40, seed=1)
    assert [len(p.use_cases) >= 7 for p in event.providers[:3]] == [True, True, False]


@pytest.mark.parametrize("command", ["bench", "text", "speed"], ids=["bench", "text", "speed"])
def test_main_prints_report(command, capsys):
    main([command, "--companies", "30", "--providers", "8", "--seed", "2"])
    out = capsys.readouterr().out
    assert out.startswith(f"{command}: 30 companies, 8 providers, seed 2")


def test_text_report_char_ngrams_beat_words_on_synthetic_event():
    report = text_report(make_event(200, 40, seed=4))
    assert report["char_wb"]["MAP"] > report["word"]["MAP"]


def test_spread_report_default_beats_naive():
    report = spread_report(make_event(200, 40, seed=4))
    naive, default = report["naive top-k"], report["b-matching alpha=1.5 fairness=0.5"]
    assert default["schedulable_share"] > naive["schedulable_share"]
    assert default["schedulable_pairs"] > naive["schedulable_pairs"]
    assert default["max_load_per_capacity"] <= 1.5 + 1 / 7
