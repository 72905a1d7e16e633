"""Teams: assignments, progress against them, coder packs and merging them."""

from __future__ import annotations

import json
import shutil

import pytest
from builders import SAMPLE, add_sample, add_transcript

from qualcode.codebook import install_codebook, project_codebook
from qualcode.coding import (
    FileProblems,
    Progress,
    apply_code,
    assign,
    assigned_transcripts,
    merge_pack,
    parse_overlap,
    plan_assignments,
    progress,
    remove_code,
    segment_codings,
    set_coding_memo,
    set_done,
    set_segment_memo,
    undo,
    write_coder_pack,
)
from qualcode.errors import QualcodeError
from qualcode.project import init_project
from qualcode.store import Project

IDS = [f"int-{n:02d}" for n in range(1, 21)]


def test_parse_overlap():
    assert parse_overlap("25%") == parse_overlap(" 0.25 ") == 0.25
    for bad in ("lots", "120%", "-1"):
        with pytest.raises(QualcodeError, match="overlap"):
            parse_overlap(bad)


def test_plan_is_reproducible_with_a_shared_sample_and_an_even_split():
    plan = plan_assignments(IDS, ["ana", "ben", "cy"], 0.25, seed=7)
    assert plan == plan_assignments(list(reversed(IDS)), ["ana", "ben", "cy"], 0.25, seed=7)
    assert plan != plan_assignments(IDS, ["ana", "ben", "cy"], 0.25, seed=8)
    shared = {a.transcript_id for a in plan if a.overlap}
    assert len(shared) == 5
    for coder in ("ana", "ben", "cy"):
        assert {a.transcript_id for a in plan if a.coder == coder and a.overlap} == shared
    rest = [a for a in plan if not a.overlap]
    assert sorted(a.transcript_id for a in rest) == sorted(set(IDS) - shared)
    sizes = [sum(a.coder == c for a in rest) for c in ("ana", "ben", "cy")]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 15


def test_small_overlap_still_shares_one_transcript():
    plan = plan_assignments(IDS[:3], ["ana", "ben"], 0.1, seed=1)
    assert sum(a.overlap for a in plan) == 2


def test_assign_stores_the_plan_and_progress_reports_against_it(project):
    segs = add_sample(project)
    result = assign(project, ["ana", "ben"], 0.5, seed=3)
    with pytest.raises(QualcodeError, match="--replace"):
        assign(project, ["ana", "ben"], 0.5, seed=3)
    assert assign(project, ["ana", "ben"], 0.5, seed=3, replace=True) == result
    rows = {(a.coder, a.transcript_id): a.overlap for a in result.assignments}
    shared = [t for (c, t), o in rows.items() if o and c == "ana"]
    assert len(shared) == 1
    assert assigned_transcripts(project, "ana")[0] == shared[0]
    set_done(project, segs["int-01"][0].id, "ana")
    apply_code(project, segs["int-01"][0].id, "connector", "ana")
    apply_code(project, segs["int-02"][0].id, "connector", "cy")  # not assigned
    report = {(p.coder, p.transcript_id): p for p in progress(project)}
    assert set(report) == set(rows) | {("cy", "int-02")}
    assert report[("cy", "int-02")] == Progress("cy", "int-02", False, False, 0, 3, 1)
    assert sorted(assigned_transcripts(project, "ana")) == ["int-01", "int-02"]  # shared + rest
    assert assigned_transcripts(project, "ben") == shared
    assert report[("ana", "int-01")] == Progress("ana", "int-01", True, shared == ["int-01"],
                                                 1, 4, 1)


def test_progress_without_assignments_lists_work_done(project):
    segs = add_sample(project)
    set_done(project, segs["int-02"][1].id, "ben")
    assert progress(project) == [Progress("ben", "int-02", False, False, 1, 3, 0)]


def test_assign_refuses_bad_coders(project):
    add_sample(project)
    with pytest.raises(QualcodeError, match="twice"):
        assign(project, ["ana", "ana"], 0.25, seed=1)
    with pytest.raises(QualcodeError, match="at least one"):
        assign(project, [], 0.25, seed=1)


# -- coder packs -------------------------------------------------------------------------------

@pytest.fixture
def team(project, tmp_path):
    """The lead's project and a coder's copy of it (as handed out), both with the sample."""
    add_sample(project)
    project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(project.folder, tmp_path / "ana-laptop")
    laptop = Project.open(tmp_path / "ana-laptop")
    yield project, laptop
    laptop.close()


def do_some_work(laptop):
    segs = {s.ordinal: s for s in laptop.segments("int-01")}
    apply_code(laptop, segs[2].id, "iterator", "ana", span=(3, 9), memo="loops")
    apply_code(laptop, segs[4].id, "need.funding", "ana", provenance="suggestion",
               confidence=0.75)
    for s in segs.values():
        set_done(laptop, s.id, "ana")
    set_segment_memo(laptop, segs[4].id, "ana", "money is not it")


def lead_rows(project):
    return sorted(project.db.execute(
        "SELECT s.transcript_id, s.ordinal, c.coder, c.code_id, c.span_start, c.span_end, "
        "c.memo, c.provenance, c.confidence FROM codings c "
        "JOIN segments s ON s.id = c.segment_id"))


def test_pack_is_deterministic_json_lines(team, tmp_path):
    _, laptop = team
    do_some_work(laptop)
    summary = write_coder_pack(laptop, "ana", tmp_path / "a.jsonl")
    write_coder_pack(laptop, "ana", tmp_path / "b.jsonl")
    text = (tmp_path / "a.jsonl").read_text()
    assert text == (tmp_path / "b.jsonl").read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert all(line == json.dumps(r, sort_keys=True, ensure_ascii=False)
               for line, r in zip(text.splitlines(), records, strict=True))
    header = records[0]
    assert (header["format"], header["format_version"], header["coder"]) == (
        "qualcode-coder-pack", 1, "ana")
    assert header["project_id"] == laptop.project_id
    assert {"codebook_version", "codebook_hash"} <= set(header)
    assert records[1]["type"] == "transcript" and len(records[1]["text_sha256"]) == 64
    assert (summary.transcripts, summary.codings, summary.reviews, summary.memos) == (1, 2, 4, 1)


def test_pack_round_trip_and_merging_twice_changes_nothing(team, tmp_path):
    lead, laptop = team
    do_some_work(laptop)
    apply_code(laptop, laptop.segment("int-02", 1).id, "connector", "ben")  # not in ana's pack
    write_coder_pack(laptop, "ana", tmp_path / "ana.jsonl")
    result = merge_pack(lead, tmp_path / "ana.jsonl")
    assert (result.codings_added, result.reviews_added, result.memos_added) == (2, 4, 1)
    assert lead_rows(lead) == [r for r in lead_rows(laptop) if r[2] == "ana"]
    events = lead.db.execute("SELECT count(*) FROM events").fetchone()[0]
    again = merge_pack(lead, tmp_path / "ana.jsonl")
    assert (again.codings_added, again.codings_updated, again.reviews_added,
            again.memos_added, again.memos_updated) == (0, 0, 0, 0, 0)
    assert lead.db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    write_coder_pack(lead, "ana", tmp_path / "back.jsonl")
    assert (tmp_path / "back.jsonl").read_text() == (tmp_path / "ana.jsonl").read_text()


def test_merge_updates_memos_keeps_unpacked_codings_and_is_undoable(team, tmp_path):
    lead, laptop = team
    do_some_work(laptop)
    write_coder_pack(laptop, "ana", tmp_path / "ana.jsonl")
    merge_pack(lead, tmp_path / "ana.jsonl")
    seg2 = laptop.segment("int-01", 2).id
    undo(laptop, "ana")  # the segment memo
    set_coding_memo(laptop, segment_codings(laptop, "int-01", "ana")[2][0].id, "ana", "tight")
    remove_code(laptop, laptop.segment("int-01", 4).id, "need.funding", "ana")
    apply_code(laptop, seg2, "connector", "ana")
    write_coder_pack(laptop, "ana", tmp_path / "ana2.jsonl")
    result = merge_pack(lead, tmp_path / "ana2.jsonl")
    assert (result.codings_added, result.codings_updated, result.not_in_pack) == (1, 1, 1)
    codes = {(r[1], r[3]): r[6] for r in lead_rows(lead)}
    assert codes == {(2, "archetype.iterator"): "tight", (2, "archetype.connector"): None,
                     (4, "need.funding"): None}
    undo(lead, "ana")
    assert {(r[1], r[3]): r[6] for r in lead_rows(lead)} == {
        (2, "archetype.iterator"): "loops", (4, "need.funding"): None}


def test_merge_refuses_a_pack_made_against_other_text(team, tmp_path):
    lead, laptop = team
    do_some_work(laptop)
    laptop.db.execute("UPDATE transcripts SET text = text || ' ' WHERE id = 'int-01'")
    write_coder_pack(laptop, "ana", tmp_path / "ana.jsonl")
    with pytest.raises(FileProblems, match=r"ana.jsonl:2: made against other text of "
                                           r"transcript int-01"):
        merge_pack(lead, tmp_path / "ana.jsonl")
    assert lead_rows(lead) == []


def test_merge_refuses_another_codebook_and_unknown_transcripts(team, tmp_path):
    lead, laptop = team
    do_some_work(laptop)
    codebook = project_codebook(laptop)
    codebook.groups[0].codes[0].definition = "Changed on the laptop."
    install_codebook(laptop, codebook, change="edit")
    add_transcript(laptop, "int-03", SAMPLE["int-02"])
    apply_code(laptop, laptop.segment("int-03", 1).id, "connector", "ana")
    write_coder_pack(laptop, "ana", tmp_path / "ana.jsonl")
    with pytest.raises(FileProblems) as caught:
        merge_pack(lead, tmp_path / "ana.jsonl")
    text = str(caught.value)
    assert ":1: made against codebook tiny version 2" in text
    assert ":3: transcript int-03 is not in this project" in text
    assert lead_rows(lead) == []


def test_merge_into_another_project_with_the_same_transcripts(project, tmp_path, tiny_codebook):
    add_sample(project)
    other = init_project(tmp_path / "elsewhere", tiny_codebook).project
    add_sample(other)
    apply_code(other, other.segment("int-02", 3).id, "connector", "cy")
    write_coder_pack(other, "cy", tmp_path / "cy.jsonl")
    result = merge_pack(project, tmp_path / "cy.jsonl")
    assert result.codings_added == 1 and "another project" in result.notes[0]
    other.close()


def test_malformed_pack(project, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "header"}\nnot json\n')
    with pytest.raises(FileProblems, match=r"bad.jsonl:2: not valid JSON"):
        merge_pack(project, bad)
    bad.write_text('{"type": "coding"}\n')
    with pytest.raises(QualcodeError, match="not a qualcode coder pack"):
        merge_pack(project, bad)
