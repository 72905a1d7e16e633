"""`qualcode suggest` and `qualcode suggest evaluate` on the invented test corpus."""

from __future__ import annotations

import json

import pytest
from test_suggest import build_corpus, snapshot

from qualcode.store import Project


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "study"
    build_corpus(path).close()
    return path


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_suggest_lists_participant_turns_with_ranked_probabilities(cli, folder):
    listed = run_json(cli, "suggest", "alder", "--top", "2", "-p", folder)
    with Project.open(folder) as project:
        participant = [s.ordinal for s in project.segments("alder") if s.role == "participant"]
    assert [entry["segment"] for entry in listed] == participant
    for entry in listed:
        assert entry["transcript"] == "alder"
        scores = [s["score"] for s in entry["suggestions"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 2
        for suggestion in entry["suggestions"]:
            assert set(suggestion) == {"code", "score", "reason"}
            assert 0 <= suggestion["score"] <= 1 and suggestion["reason"]
    assert any(s["code"] == "topic.hiring" for s in listed[1]["suggestions"])


def test_suggest_one_segment_learning_from_one_coder(cli, folder):
    listed = run_json(cli, "suggest", "bir", "--segment", "4", "--top", "1", "--coder", "ben",
                      "-p", folder)
    assert len(listed) == 1 and listed[0]["segment"] == 4
    assert listed[0]["suggestions"][0]["code"] == "topic.hiring"
    table = cli("suggest", "birch", "--segment", "3", "-p", folder)
    assert table.exit_code == 0 and "none applied" in table.stdout


def test_evaluate_reports_learned_next_to_cold_start(cli, folder):
    report = run_json(cli, "suggest", "evaluate", "--coder", "ana", "--folds", "3", "-p", folder)
    assert report["coder"] == "ana" and report["folds"] == 3 and report["transcripts"] == 8
    for method in ("learned", "cold_start"):
        scores = report[method]
        assert {"precision", "recall", "f1", "top1", "top3", "uncoded_kept"} <= set(scores)
        assert {c["code_id"] for c in scores["codes"]} >= {"topic.hiring", "stance.scarce"}
    assert report["learned"]["f1"] > report["cold_start"]["f1"]
    table = cli("suggest", "evaluate", "--folds", "2", "-p", folder)
    assert table.exit_code == 0 and "top-3 hit rate" in table.stdout


def test_suggest_and_evaluate_leave_the_codings_unchanged(cli, folder):
    with Project.open(folder) as project:
        before = snapshot(project)
    assert cli("suggest", "cedar", "-p", folder).exit_code == 0
    assert cli("suggest", "cedar", "--json", "--all-roles", "-p", folder).exit_code == 0
    assert cli("suggest", "evaluate", "--folds", "2", "--json", "-p", folder).exit_code == 0
    with Project.open(folder) as project:
        assert snapshot(project) == before


def test_evaluate_needs_two_coded_transcripts(cli, folder):
    result = cli("suggest", "evaluate", "--coder", "nobody", "-p", folder)
    assert result.exit_code == 1
    assert "at least two" in result.stderr


def test_unknown_transcript_is_one_error_line(cli, folder):
    result = cli("suggest", "nowhere", "-p", folder)
    assert result.exit_code == 1 and result.stderr.startswith("error: no transcript")
