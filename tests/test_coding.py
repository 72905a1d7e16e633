"""Applying and removing codes, reviews, memos, undo and redo."""

from __future__ import annotations

import json

import pytest
from builders import add_sample

from qualcode.coding import (
    apply_code,
    done_ordinals,
    first_unfinished,
    get_coding,
    redo,
    remove_code,
    segment_codings,
    segment_memos,
    set_coding_memo,
    set_done,
    set_segment_memo,
    set_transcript_done,
    undo,
)
from qualcode.errors import QualcodeError


@pytest.fixture
def segs(project):
    return add_sample(project)["int-01"]


def codes_of(project, transcript="int-01", coder="ana"):
    return {o: [(c.code_id, c.span) for c in cs]
            for o, cs in segment_codings(project, transcript, coder).items()}


def events(project):
    return [r[0] for r in project.db.execute("SELECT action FROM events WHERE coder IS NOT NULL "
                                             "ORDER BY id")]


def test_apply_returns_the_coding_and_logs_one_event(project, segs):
    coding = apply_code(project, segs[1].id, "Connector", "ana", memo="agenda")
    assert (coding.transcript_id, coding.ordinal, coding.code_id) == ("int-01", 2,
                                                                      "archetype.connector")
    assert (coding.coder, coding.memo, coding.provenance, coding.span) == ("ana", "agenda",
                                                                           "manual", None)
    assert events(project) == ["coding.apply"]


def test_apply_is_idempotent(project, segs):
    first = apply_code(project, segs[1].id, "iterator.early", "ana")
    again = apply_code(project, segs[1].id, "archetype.iterator.early", "ana", memo="other")
    assert again == first
    assert events(project) == ["coding.apply"]


def test_apply_accepts_any_code_reference_and_rejects_unknown(project, segs):
    for ref in ("archetype.iterator", "ITERATOR", "Early-career iterator"):
        apply_code(project, segs[1].id, ref, "ana")
    assert codes_of(project)[2] == [("archetype.iterator", None),
                                    ("archetype.iterator.early", None)]
    with pytest.raises(QualcodeError, match="no code"):
        apply_code(project, segs[1].id, "nonsense", "ana")
    with pytest.raises(QualcodeError, match="coder"):
        apply_code(project, segs[1].id, "connector", "  ")


def test_exclusive_group_replaces_the_coders_other_code_in_one_undoable_action(project, segs):
    apply_code(project, segs[3].id, "need.funding", "ana")
    apply_code(project, segs[3].id, "need.funding", "ben")
    apply_code(project, segs[3].id, "connector", "ana")
    apply_code(project, segs[3].id, "need.connectors", "ana")
    assert codes_of(project)[4] == [("archetype.connector", None), ("need.connectors", None)]
    assert codes_of(project, coder="ben")[4] == [("need.funding", None)]
    undo(project, "ana")
    assert codes_of(project)[4] == [("archetype.connector", None), ("need.funding", None)]
    redo(project, "ana")
    assert codes_of(project)[4] == [("archetype.connector", None), ("need.connectors", None)]


def test_spans_are_checked_and_stored_inside_the_segment(project, segs):
    text = segs[1].text
    coding = apply_code(project, segs[1].id, "iterator", "ana", span=(3, 9))
    assert coding.span == (3, 9)
    whole = apply_code(project, segs[1].id, "connector", "ana", span=(0, len(text)))
    assert whole.span is None  # a span over the whole text is the whole segment
    for bad in [(5, 5), (-1, 3), (0, len(text) + 1), (9, 3)]:
        with pytest.raises(QualcodeError, match="not inside segment 2"):
            apply_code(project, segs[1].id, "iterator", "ana", span=bad)
    apply_code(project, segs[1].id, "iterator", "ana")
    assert codes_of(project)[2] == [("archetype.connector", None), ("archetype.iterator", None),
                                    ("archetype.iterator", (3, 9))]


def test_remove_by_span_and_every_span(project, segs):
    sid = segs[1].id
    apply_code(project, sid, "iterator", "ana")
    apply_code(project, sid, "iterator", "ana", span=(0, 4))
    apply_code(project, sid, "iterator", "ana", span=(5, 8))
    assert remove_code(project, sid, "iterator", "ana", span=(0, 4))
    assert not remove_code(project, sid, "iterator", "ana", span=(0, 4))
    assert not remove_code(project, sid, "iterator", "ben")
    assert remove_code(project, sid, "iterator", "ana", every_span=True)
    assert segment_codings(project, "int-01", "ana") == {}
    undo(project, "ana")
    assert codes_of(project)[2] == [("archetype.iterator", None), ("archetype.iterator", (5, 8))]


def test_reviews_done_ordinals_and_first_unfinished(project, segs):
    assert first_unfinished(project, "int-01", "ana") == 1
    set_done(project, segs[0].id, "ana")
    set_done(project, segs[0].id, "ana")  # no change, no event
    set_done(project, segs[2].id, "ana")
    assert done_ordinals(project, "int-01", "ana") == {1, 3}
    assert first_unfinished(project, "int-01", "ana") == 2
    assert first_unfinished(project, "int-01", "ben") == 1
    set_done(project, segs[0].id, "ana", done=False)
    assert done_ordinals(project, "int-01", "ana") == {3}
    assert events(project) == ["review.set"] * 3
    assert set_transcript_done(project, "int-01", "ana") == 3
    assert first_unfinished(project, "int-01", "ana") is None
    undo(project, "ana")
    assert done_ordinals(project, "int-01", "ana") == {3}


def test_coding_memo_set_clear_and_owner_only(project, segs):
    coding = apply_code(project, segs[1].id, "iterator", "ana")
    set_coding_memo(project, coding.id, "ana", "fast loops")
    assert get_coding(project, coding.id).memo == "fast loops"
    set_coding_memo(project, coding.id, "ana", "  ")
    assert get_coding(project, coding.id).memo is None
    with pytest.raises(QualcodeError, match="belongs to ana"):
        set_coding_memo(project, coding.id, "ben", "mine")
    undo(project, "ana")
    assert get_coding(project, coding.id).memo == "fast loops"


def test_segment_memo_one_per_coder_and_undo(project, segs):
    set_segment_memo(project, segs[1].id, "ana", "first thought")
    set_segment_memo(project, segs[1].id, "ana", "second thought")
    set_segment_memo(project, segs[1].id, "ben", "ben's")
    assert segment_memos(project, "int-01", "ana") == {2: "second thought"}
    assert project.db.execute("SELECT count(*) FROM memos").fetchone()[0] == 2
    undo(project, "ana")
    assert segment_memos(project, "int-01", "ana") == {2: "first thought"}
    set_segment_memo(project, segs[1].id, "ana", None)
    assert segment_memos(project, "int-01", "ana") == {}


def test_undo_redo_chain_restores_each_state(project, segs):
    sid = segs[1].id
    states = [codes_of(project)]
    apply_code(project, sid, "connector", "ana")
    states.append(codes_of(project))
    apply_code(project, sid, "iterator", "ana", span=(1, 4))
    states.append(codes_of(project))
    remove_code(project, sid, "connector", "ana")
    states.append(codes_of(project))
    for expected in reversed(states[:-1]):
        result = undo(project, "ana")
        assert result.ordinal == 2 and result.transcript_id == "int-01"
        assert codes_of(project) == expected
    assert undo(project, "ana") is None
    for expected in states[1:]:
        assert redo(project, "ana").action in ("coding.apply", "coding.remove")
        assert codes_of(project) == expected
    assert redo(project, "ana") is None


def test_undo_is_per_coder_and_new_action_clears_redo(project, segs):
    apply_code(project, segs[1].id, "connector", "ana")
    apply_code(project, segs[1].id, "connector", "ben")
    result = undo(project, "ana")
    assert result.action == "coding.apply"
    assert codes_of(project, coder="ben") == {2: [("archetype.connector", None)]}
    assert codes_of(project) == {}
    apply_code(project, segs[2].id, "iterator", "ana")
    assert redo(project, "ana") is None
    undo_row = project.db.execute(
        "SELECT undoes, payload FROM events WHERE action = 'undo'").fetchone()
    assert json.loads(undo_row[1]) == {"action": "coding.apply"}
    assert undo_row[0] == result.target_event


def test_undo_keeps_the_coding_identity(project, segs):
    coding = apply_code(project, segs[1].id, "connector", "ana", memo="m", confidence=0.5,
                        provenance="suggestion")
    remove_code(project, segs[1].id, "connector", "ana")
    undo(project, "ana")
    assert get_coding(project, coding.id) == coding


def test_undo_refuses_when_the_row_changed_since(project, segs):
    apply_code(project, segs[1].id, "connector", "ana")
    project.db.execute("UPDATE codings SET memo = 'edited elsewhere'")
    with pytest.raises(QualcodeError, match="changed since"):
        undo(project, "ana")
    assert codes_of(project) == {2: [("archetype.connector", None)]}


def test_every_action_is_in_the_database_at_once(project, segs, tmp_path):
    from qualcode.store import Project

    apply_code(project, segs[1].id, "connector", "ana")
    set_done(project, segs[1].id, "ana")
    with Project.open(project.folder) as other:
        assert codes_of(other) == {2: [("archetype.connector", None)]}
        assert done_ordinals(other, "int-01", "ana") == {2}
