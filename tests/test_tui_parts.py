"""The coder app's parts that need no screen: wrapping, excerpt selection, code search,
resuming, the suggester protocol, and the `qualcode code` command's checks."""

from __future__ import annotations

import io
import json
import sys
import types
from dataclasses import asdict

import pytest
from builders import add_sample, add_transcript

from qualcode.codebook import project_codebook
from qualcode.coding import set_transcript_done
from qualcode.errors import QualcodeError
from qualcode.tui.excerpt import Selection, sentences
from qualcode.tui.screens import rank_codes
from qualcode.tui.segments import RowView, wrap_offsets
from qualcode.tui.session import Session, starting_point
from qualcode.tui.suggestions import SuggestionSource, project_source, serve


def test_wrap_offsets_cover_the_text_and_fit_the_width():
    text = "We run many fast experiments.\nA supercalifragilistic word\n\nend"
    lines = wrap_offsets(text, 12)
    assert [text[s:e] for s, e in lines] == [
        "We run many", "fast", "experiments.", "A", "supercalifra", "gilistic", "word", "",
        "end"]
    assert all(e - s <= 12 for s, e in lines)
    wide = "研究者が必要です 研究者"
    assert [wide[s:e] for s, e in wrap_offsets(wide, 10)] == ["研究者が必", "要です", "研究者"]


def test_row_height_matches_its_lines():
    row = RowView(3, "Participant", False, "word " * 40)
    assert len(row.lines(30)) == row.height(30) == len(wrap_offsets(row.text, 28)) + 2


def test_sentences_and_selection_moves():
    text = "We hired two. Really? Yes, from a lab... Then \"it worked.\" ok"
    assert [text[s:e] for s, e in sentences(text)] == [
        "We hired two.", "Really?", "Yes, from a lab...", "Then \"it worked.\"", "ok"]
    sel = Selection(text, *sentences(text)[0])
    sel.sentence(1)
    sel.grow(1)
    assert text[sel.start:sel.end] == "Really? Yes, from a lab..."
    sel.moving_end = True
    sel.word(-1)
    sel.char(-1)
    assert text[sel.start:sel.end] == "Really? Yes, from "
    sel.moving_end = False
    sel.word(1)
    assert sel.span() == (text.index("Yes"), text.index("from ") + 5)
    sel.whole()
    assert sel.span() is None


def test_rank_codes_matches_ids_labels_and_keywords(project):
    codes = project_codebook(project).codes
    assert rank_codes(codes, "")[0].id == "archetype.connector"
    assert rank_codes(codes, "grant")[0].id == "need.funding"  # a keyword
    assert rank_codes(codes, "early car")[0].id == "archetype.iterator.early"  # a label
    assert rank_codes(codes, "zzzz") == []


def test_resume_point_skips_finished_transcripts(project):
    add_sample(project)
    assert starting_point(project, "ana", None) == ("int-01", 1)
    set_transcript_done(project, "int-01", "ana")
    assert starting_point(project, "ana", None) == ("int-02", 1)
    assert starting_point(project, "ana", "int-01") == ("int-01", 1)
    with pytest.raises(QualcodeError, match="no transcript"):
        starting_point(project, "ana", "zz")


def test_a_transcript_without_segments_is_refused(project):
    add_transcript(project, "int-07", [])
    with pytest.raises(QualcodeError, match="no segments"):
        Session(project, "ana").open("int-07")


def test_uncertainty_needs_every_segment(project):
    segments = add_sample(project)["int-01"]
    source = SuggestionSource(lambda s: [], lambda s: None if s.ordinal == 2 else 0.5)
    assert source.uncertainties(segments) is None
    assert SuggestionSource(lambda s: []).uncertainties(segments) is None
    ranked = SuggestionSource(lambda s: [("need.funding", 1.7, "r")] * 12).for_segment(
        segments[0])
    assert len(ranked) == 9 and ranked[0].score == 1.0


def test_the_suggester_child_answers_one_json_line_per_request(project, monkeypatch):
    segment = add_sample(project)["int-01"][1]

    class FakeSuggester:
        @classmethod
        def for_project(cls, project, coder=None):
            return cls()

        def suggest(self, segment, top):
            return [types.SimpleNamespace(code_id="need.funding", score=0.5, reason="money")]

    monkeypatch.setitem(sys.modules, "qualcode.suggest",
                        types.SimpleNamespace(Suggester=FakeSuggester))
    requests = [{"request": "suggest", "segment": asdict(segment)},
                {"request": "uncertainty", "segment": asdict(segment)}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(r) + "\n"
                                                          for r in requests)))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    serve(project.folder, "ana")
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"ok": True, "value": [["need.funding", 0.5, "money"]]},
        {"ok": True, "value": None}]


def test_code_command_checks_before_starting(cli, project):
    folder = project.folder
    result = cli("code", "--coder", "ana", "--project", folder)
    assert result.exit_code == 1 and "no transcripts" in result.stderr
    add_sample(project)
    result = cli("code", "zz", "--coder", "ana", "--project", folder)
    assert result.exit_code == 1 and "no transcript 'zz'" in result.stderr
    result = cli("code", "--coder", " ", "--project", folder)
    assert result.exit_code == 1 and "coder name" in result.stderr


def test_the_project_suggester_runs_in_a_child_process(project):
    segment = add_sample(project)["int-01"][1]
    source = project_source(project.folder, "ana")
    try:
        ranked = source.for_segment(segment)
        assert ranked and all(0 <= s.score <= 1 and s.reason for s in ranked)
        assert {s.code_id for s in ranked} <= {c.id for c in project_codebook(project).codes}
        assert 0 <= source.uncertainty(segment) <= 1
    finally:
        source.close()
