"""CSV and JSON Lines export of coded excerpts (`qualcode export csv|jsonl`).

`coded_study` builds the small coded project that the export, report and REFI-QDA tests
share: three invented interviews, two coders and one consensus coding.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from builders import add_transcript
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.coding import apply_code, set_coding_memo
from qualcode.export import (
    ALL_CODINGS,
    CodingFilter,
    long_rows,
    make_filter,
    neutralize,
    write_csv,
    write_jsonl,
)
from qualcode.store import Project

TRICKY = '=SUM(A1) "quoted", with commas\nand a new line: café, naïve, 😀.'
TURNS = {
    "p01": [("Interviewer", "What does your team need?"),
            ("Participant", "We need people who run fast experiments, and funding is fine."),
            ("Interviewer", "Anything else?"),
            ("Participant", "Someone who sees the whole agenda would help.")],
    "p02": [("Interviewer", "What is scarce?"),
            ("Participant", "Money is scarce; we cannot hire."),
            ("Participant", "Big-picture thinkers too.")],
    "p03": [("Interviewer", "Say something tricky."),
            ("Participant", TRICKY),
            ("Participant", "-starts with a dash")],
}
ATTRIBUTES = {"p01": {"org_type": "scaling_lab"}, "p02": {"org_type": "scaling_lab"},
              "p03": {"org_type": "small_org", "size": 8}}
# (transcript, ordinal, code, coder, span) -> the codings of the study
CODINGS = [
    ("p01", 2, "archetype.iterator", "ana", (8, 39)),
    ("p01", 2, "need.funding", "ana", None),
    ("p01", 2, "archetype.iterator", "ben", None),
    ("p01", 2, "need.funding", "ben", None),
    ("p01", 4, "archetype.connector", "ana", None),
    ("p01", 4, "archetype.connector", "ben", None),
    ("p01", 4, "need.connectors", "ana", None),
    ("p02", 2, "need.funding", "ana", None),
    ("p02", 2, "need.funding", "ben", None),
    ("p02", 3, "archetype.connector", "ana", None),
    ("p02", 3, "archetype.iterator.early", "ben", None),
    ("p03", 2, "archetype.connector", "ana", (0, 8)),
    ("p03", 2, "need.funding", "ben", None),
    ("p03", 3, "archetype.iterator", "ana", None),
]


def coded_study(project: Project) -> Project:
    """Store the study's transcripts and codings, a coding memo and a consensus coding."""
    segments = {tid: add_transcript(project, tid, turns, ATTRIBUTES[tid])
                for tid, turns in TURNS.items()}
    for tid, ordinal, code, coder, span in CODINGS:
        coding = apply_code(project, segments[tid][ordinal - 1].id, code, coder, span=span)
        if (tid, ordinal, coder, code) == ("p02", 2, "ben", "need.funding"):
            set_coding_memo(project, coding.id, coder, "money, not people")
    apply_code(project, segments["p03"][1].id, "archetype.connector", "consensus",
               provenance="consensus")
    return project


@pytest.fixture
def study(project):
    return coded_study(project)


def _csv(project: Project, selection: CodingFilter = ALL_CODINGS, wide: bool = False):
    out = io.StringIO(newline="")
    rows = write_csv(project, out, selection, wide=wide)
    return rows, out.getvalue()


def _unquote(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def test_long_csv_round_trips_through_pandas(study):
    rows, text = _csv(study)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert rows == len(frame) == len(CODINGS) + 1
    assert list(frame.columns) == [
        "transcript", "segment", "speaker", "role", "coder", "code", "group", "code_label",
        "excerpt", "start", "end", "memo", "provenance", "attr_org_type", "attr_size"]
    texts = {tid: study.transcript(tid).text for tid in TURNS}
    for row in frame.itertuples():
        assert _unquote(row.excerpt) == texts[row.transcript][row.start:row.end]
    whole = frame[(frame.transcript == "p03") & (frame.code == "need.funding")].iloc[0]
    assert whole.excerpt == "'" + TRICKY  # quotes, commas, newline, accents, emoji intact
    assert whole.attr_size == "8" and whole.attr_org_type == "small_org"
    assert set(frame[frame.transcript == "p01"].attr_size) == {""}  # p01 has no size
    assert pd.read_csv(io.StringIO(text)).attr_size.max() == 8  # numbers stay numbers
    assert frame[frame.memo != ""].memo.tolist() == ["money, not people"]
    assert frame[frame.coder == "consensus"].provenance.tolist() == ["consensus"]


def test_cells_a_spreadsheet_would_run_are_neutralized(study):
    _, text = _csv(study)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert "'=SUM(A1)" in frame.excerpt.tolist()
    assert "'-starts with a dash" in frame.excerpt.tolist()
    for value in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralize(value) == "'" + value
    assert neutralize("plain") == "plain" and neutralize(-1) == -1


def test_csv_lines_built_in_sql_read_back_as_the_stored_values(study):
    """The fast CSV path (cells quoted in SQLite) parses to exactly the stored values,
    neutralized, as the csv module would have written them."""
    _, text = _csv(study)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = long_rows(study, ALL_CODINGS)
    assert parsed[0] == header
    expected = [["" if v is None else str(neutralize(v)) for v in row] for row in rows]
    assert parsed[1:] == expected


ANY_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                   min_size=1, max_size=40)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(said=ANY_TEXT, speaker=ANY_TEXT, memo=ANY_TEXT, span=st.tuples(
    st.integers(0, 40), st.integers(1, 40)))
def test_csv_is_correct_under_every_text(project, said, speaker, memo, span):
    tid = f"h{project.db.execute('SELECT count(*) FROM transcripts').fetchone()[0]}"
    [segment] = add_transcript(project, tid, [(speaker, said)], {"note": memo})
    start = min(span[0], len(said) - 1)
    coding = apply_code(project, segment.id, "funding", "ana",
                        span=(start, max(start + 1, min(span[1], len(said)))))
    set_coding_memo(project, coding.id, "ana", memo)
    _, text = _csv(project, make_filter(project, transcript=tid))
    [header, row] = list(csv.reader(io.StringIO(text, newline="")))
    cells = dict(zip(header, row, strict=True))
    assert cells["excerpt"] == neutralize(said[int(cells["start"]) - len(speaker) - 2:
                                               int(cells["end"]) - len(speaker) - 2])
    assert cells["speaker"] == neutralize(speaker) and cells["attr_note"] == neutralize(memo)
    assert cells["memo"] == (neutralize(memo) if memo.strip() else "")  # blank: no memo


def test_filters_pick_coder_consensus_code_group_and_transcript(study):
    def codes(**options):
        _, text = _csv(study, make_filter(study, **options))
        return pd.read_csv(io.StringIO(text), keep_default_na=False)

    assert set(codes(coder="ben").coder) == {"ben"}
    assert len(codes(coder="ben")) == sum(c[3] == "ben" for c in CODINGS)
    consensus = codes(consensus=True)
    assert consensus[["transcript", "segment", "code"]].values.tolist() == [
        ["p03", 2, "archetype.connector"]]
    assert set(codes(codes=["funding"]).code) == {"need.funding"}
    assert set(codes(group="archetype").group) == {"archetype"}
    only = codes(transcript="p02")
    assert set(only.transcript) == {"p02"} and "attr_size" not in only.columns


def test_wide_has_one_row_per_segment_and_a_column_per_code(study):
    rows, text = _csv(study, wide=True)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert rows == len(frame) == sum(len(t) for t in TURNS.values())
    codes = ["archetype.connector", "archetype.iterator", "archetype.iterator.early",
             "need.connectors", "need.funding"]
    assert list(frame.columns)[-5:] == codes
    row = frame[(frame.transcript == "p02") & (frame.segment == 3)].iloc[0]
    assert [row[c] for c in codes] == [1, 0, 1, 0, 0]  # union of ana's and ben's codes
    assert frame[codes].sum().tolist() == [3, 2, 1, 1, 3]
    _, ben = _csv(study, make_filter(study, coder="ben"), wide=True)
    ben = pd.read_csv(io.StringIO(ben), keep_default_na=False)
    assert ben[codes].sum().tolist() == [1, 1, 1, 0, 3]
    assert pd.crosstab(frame.attr_org_type, frame["need.funding"]).loc["scaling_lab", 1] == 2


def test_jsonl_has_the_csv_keys_and_raw_text(study):
    out = io.StringIO()
    assert write_jsonl(study, out) == len(CODINGS) + 1
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    _, text = _csv(study)
    header = text.splitlines()[0].split(",")
    assert all(list(r) == header for r in records)
    tricky = [r for r in records if r["code"] == "need.funding" and r["transcript"] == "p03"]
    assert tricky[0]["excerpt"] == TRICKY and tricky[0]["attr_size"] == 8


def test_cli_writes_files_stdout_and_excel_bom(study, cli, tmp_path):
    target = tmp_path / "excerpts.csv"
    result = cli("export", "csv", target, "--project", study.folder)
    assert result.exit_code == 0 and f"{len(CODINGS) + 1} codings" in result.stdout
    assert target.read_bytes().startswith(b"transcript,")
    cli("export", "csv", target, "--excel", "--project", study.folder)
    assert target.read_bytes().startswith(b"\xef\xbb\xbftranscript,")
    assert pd.read_csv(target, encoding="utf-8-sig").shape[0] == len(CODINGS) + 1
    piped = cli("export", "csv", "-", "--wide", "--coder", "ana", "--project", study.folder)
    assert piped.exit_code == 0 and piped.stdout.startswith("transcript,segment,")
    assert "segments written to -" in piped.stderr
    lines = cli("export", "jsonl", "-", "--code", "funding", "--project", study.folder)
    assert {json.loads(x)["code"] for x in lines.stdout.splitlines()} == {"need.funding"}
    assert not list(tmp_path.glob("*.part"))


def test_cli_mistakes_are_one_line_errors_and_leave_no_file(study, cli, tmp_path):
    target = tmp_path / "out.csv"
    both = cli("export", "csv", target, "--coder", "ana", "--consensus", "--project",
               study.folder)
    assert both.exit_code == 1 and "not both" in both.stderr
    nobody = cli("export", "csv", target, "--coder", "zoe", "--project", study.folder)
    assert nobody.exit_code == 1
    assert "no codings by coder 'zoe' (coders: ana, ben, consensus)" in nobody.stderr
    assert not target.exists()
