"""The labelled test set meets the targets (benchmarks/anonymize_eval.py prints the figures)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent.parent / "benchmarks" / "anonymize_eval.py"


def load_eval():
    spec = importlib.util.spec_from_file_location("anonymize_eval", EVAL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report():
    module = load_eval()
    return module.evaluate(module.DEFAULT_DATA, module.DEFAULT_DATA / "roster.yaml", False,
                           typos=10)


def test_targets_are_met(report):
    assert len(report["targets"]) == 5
    assert all(row["met"] for row in report["targets"].values()), report["targets"]


def test_every_pattern_and_exact_roster_name_is_caught(report):
    for category in ("email", "url", "phone", "handle", "roster-person", "roster-org",
                     "roster-project", "roster-place"):
        assert report["recall"][category]["recall"] == 1.0, category


def test_one_edit_misspellings_of_roster_names_are_caught(report):
    for length in ("4 letters", "5 letters", "6+ letters"):
        assert report["misspellings"][f"1 edit, {length}"]["recall"] >= 0.97


def test_the_markup_parser():
    text, gold = load_eval().parse("Hi [[Dana|roster-person]], see [[x.org|url]].")
    assert text == "Hi Dana, see x.org."
    assert [(text[g.start:g.end], g.category) for g in gold] == [
        ("Dana", "roster-person"), ("x.org", "url")]


def test_a_name_counts_as_caught_when_only_neutral_words_are_left():
    # "[ORG_1] and [ORG_2]" and "[ORG_3]'s" give nothing away; "Brisk" left alone would.
    module = load_eval()
    text = "We sold to Halden and Brisk, then to Tavrin Joe's."
    words = {name: [text[a:b] for a, b in module.identifying_words(
        text, module.Gold(text.index(name), text.index(name) + len(name), "org"))]
        for name in ("Halden and Brisk", "Tavrin Joe's")}
    assert words == {"Halden and Brisk": ["Halden", "Brisk"], "Tavrin Joe's": ["Tavrin", "Joe"]}


def test_as_import_counts_replaced_speaker_labels(tmp_path):
    # Initials as speaker labels: the import replaces the labels, and the detector alone
    # cannot tell "MS" from the title Ms.
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "01.txt").write_text(
        "[[MS|person]] (00:00:21): I joined [[Brightwater Labs|org]] in May.\n"
        "Interviewer (00:00:25): And then?\n"
        "[[MS|person]] (00:00:29): Then I left.\n", encoding="utf-8")
    module = load_eval()
    raw = module.evaluate(tmp_path, None, False)
    imported = module.evaluate(tmp_path, None, False, as_import=True)
    assert raw["recall"]["person"]["caught"] == 0
    assert imported["recall"]["person"]["caught"] == 2
    assert imported["recall"]["org"]["caught"] == 1
    assert imported["precision_by_kind"]["PERSON"] == {"tp": 2, "precision": 1.0}


def test_the_benchmark_corpus_is_anonymized():
    spec = importlib.util.spec_from_file_location("anonymize_bench", EVAL.with_name(
        "anonymize_bench.py"))
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    from qualcode.anonymize import Anonymizer
    from qualcode.parsers import parse_bytes

    roster, files = bench.corpus(2, 400)
    anonymizer = Anonymizer(roster=roster)
    text = "\n".join(t.text + (t.speaker or "") for data in files
                     for t in anonymizer.anonymize_turns(parse_bytes(data, "b.txt").turns).turns)
    for entry in roster.entries:
        for word in entry.name.split():
            if word not in ("Labs", "Institute", "Foundation", "Collective", "Research", "AI",
                            "Fund", "Trust"):
                assert word not in text, word
