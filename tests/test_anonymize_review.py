"""Reviewing anonymization: listing, report, confirm/keep, adding a name across the project
(with every offset shifted in one transaction), rejecting a replacement, and the CLI."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.anonymize.review import (
    _Shifts,
    add_name,
    confirm,
    edit_transcript,
    keep,
    reject,
    report,
    review_items,
)
from qualcode.coding import apply_code
from qualcode.errors import QualcodeError
from qualcode.ingest import ImportOptions, import_files

FIRST = """\
Interviewer: What happened with the grant?
Participant: The KVQ people liked the Thistle approach. My colleague Tobias Brandt agreed, \
and the work test went well.
Interviewer: And then?
Participant: We hired two Iterators and one research manager.
"""
SECOND = """\
Interviewer: Anything else?
Participant: Only that Thistle paid for it. Brandt thinks so too.
"""


@pytest.fixture
def imported(project, tmp_path):
    for name, text in (("first.txt", FIRST), ("second.txt", SECOND)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in ("first.txt", "second.txt"):  # apart, so that Thistle is kept in both
        assert not import_files(project, [tmp_path / name], ImportOptions()).failed
    return project


def text_of(project, transcript_id):
    return project.db.execute("SELECT text FROM transcripts WHERE id = ?",
                              [transcript_id]).fetchone()[0]


def assert_consistent(project, transcript_id):
    """Every stored offset still agrees with the stored text."""
    text = text_of(project, transcript_id)
    for seg_text, start, end in project.db.execute(
            "SELECT text, char_start, char_end FROM segments WHERE transcript_id = ?",
            [transcript_id]):
        assert text[start:end] == seg_text
    for label, start, end, status in project.db.execute(
            "SELECT label, char_start, char_end, status FROM replacements "
            "WHERE transcript_id = ?", [transcript_id]):
        if status != "rejected":
            assert text[start:end] == label


def test_items_and_report(imported):
    items = review_items(imported, "first")
    assert [i.text for i in items if i.item == "candidate"] == ["KVQ", "Thistle"]
    person = next(i for i in items if i.item == "replacement")
    assert person.text == "[PERSON_1]" and person.before.endswith("My colleague ")
    r = report(imported)
    assert r.transcripts == 2 and r.replaced == {("PERSON", "proper_name"): 1,
                                                 ("PERSON", "known"): 1}
    assert r.candidates == {("acronym", "open"): 1, ("rare capitalized word", "open"): 2}


def test_confirm_and_keep(imported):
    items = review_items(imported, "first")
    replacement = next(i for i in items if i.item == "replacement")
    candidate = next(i for i in items if i.item == "candidate" and i.text == "KVQ")
    assert confirm(imported, [replacement.id]) == 1
    assert keep(imported, [candidate.id]) == 1
    statuses = {(i.item, i.status) for i in review_items(imported, "first")}
    assert ("replacement", "confirmed") in statuses and ("candidate", "kept") in statuses
    with pytest.raises(QualcodeError, match="no replacement 999"):
        confirm(imported, [999])


def test_add_name_rewrites_every_transcript_and_shifts_offsets(imported):
    segment = imported.segments("first")[1]
    words = ["liked", "agreed", "work test"]
    spans = {w: (segment.text.index(w), segment.text.index(w) + len(w)) for w in words}
    for span in spans.values():
        apply_code(imported, segment.id, "connector", "ana", span=span)
    later = imported.segments("first")[3]
    apply_code(imported, later.id, "iterator", "ana", span=(12, 21))
    before_later = later.text[12:21]

    counts = add_name(imported, "Thistle", "ORG")

    assert counts == {"first": 1, "second": 1}
    for transcript_id in ("first", "second"):
        assert "Thistle" not in text_of(imported, transcript_id)
        assert_consistent(imported, transcript_id)
    segment = imported.segments("first")[1]
    coded = {segment.text[a:b] for a, b in imported.db.execute(
        "SELECT span_start, span_end FROM codings WHERE segment_id = ?", [segment.id])}
    assert coded == set(words)
    later = imported.segments("first")[3]
    (a, b), = imported.db.execute("SELECT span_start, span_end FROM codings "
                                  "WHERE segment_id = ?", [later.id])
    assert later.text[a:b] == before_later
    assert "the [ORG_1] approach" in segment.text
    added = imported.db.execute("SELECT detector, status FROM replacements WHERE label = "
                                "'[ORG_1]'").fetchall()
    assert added == [("manual", "confirmed")] * 2
    assert {i.status for i in review_items(imported, "first") if i.item == "candidate"
            and i.text == "[ORG_1]"} == {"replaced"}
    search = imported.db.execute("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH "
                                 "'brindlewick'").fetchone()[0]
    assert search == 0
    payloads = " ".join(p for (p,) in imported.db.execute("SELECT payload FROM events"))
    assert "Thistle" not in payloads


def test_added_names_are_consistent_with_later_imports(imported, tmp_path):
    add_name(imported, "Thistle", "ORG")
    (tmp_path / "third.txt").write_text("Participant: Thistle called.\n", encoding="utf-8")
    import_files(imported, [tmp_path / "third.txt"], ImportOptions())
    assert text_of(imported, "third") == "[ORG_1] called."


def test_add_a_person_with_parts(imported):
    add_name(imported, "Tobias Brandt", "PERSON")  # already replaced: nothing left to do
    assert "Brandt" not in text_of(imported, "second")


def test_reject_puts_the_word_back_and_keeps_it_later(imported, tmp_path):
    add_name(imported, "Iterators", "ORG")
    assert "Iterators" not in text_of(imported, "first")
    rid = imported.db.execute("SELECT id FROM replacements WHERE label = '[ORG_1]'"
                              ).fetchone()[0]
    assert reject(imported, rid, "Iterators") == 1
    assert "We hired two Iterators" in text_of(imported, "first")
    assert_consistent(imported, "first")
    with pytest.raises(QualcodeError, match="give the text"):
        reject(imported, rid)


def test_reject_reads_the_key_file(project, tmp_path):
    (tmp_path / "a.txt").write_text("Participant: We met Ines Albrecht there.\n",
                                    encoding="utf-8")
    key = tmp_path / "key.csv"
    import_files(project, [tmp_path / "a.txt"], ImportOptions(key_path=key))
    rid = project.db.execute("SELECT id FROM replacements").fetchone()[0]
    assert reject(project, rid, key_path=key) == 1
    assert text_of(project, "a") == "We met Ines Albrecht there."


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_shifts_keep_untouched_text(data):
    text = data.draw(st.text(alphabet="abcdef ", min_size=1, max_size=60))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6, unique=True)))
    edits = [(a, b, data.draw(st.sampled_from(["", "X", "[ORG_12]"])))
             for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    shifts = _Shifts(edits)
    new = text
    for a, b, s in reversed(edits):
        new = new[:a] + s + new[b:]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    if not any((a < end and start < b) or start < a < end for a, b, _ in edits):
        assert new[shifts.start(start):shifts.end(end)] == text[start:end]
    for (_, _, inserted), (x, y) in zip(edits, shifts.placed, strict=True):
        assert new[x:y] == inserted


def test_edit_transcript_with_random_edits(imported):
    rng = random.Random(3)
    for _ in range(5):
        text = text_of(imported, "first")
        points = sorted(rng.sample(range(len(text)), 4))
        with imported.transaction():
            edit_transcript(imported, "first", [(points[0], points[1], "[PERSON_9]"),
                                                (points[2], points[3], "")])
        segments = imported.db.execute(
            "SELECT text, char_start, char_end FROM segments WHERE transcript_id = 'first'")
        new = text_of(imported, "first")
        assert all(new[a:b] == t for t, a, b in segments)


def test_cli_report_and_json(cli, imported):
    result = cli("anonymize", "review", "--report", "--project", imported.folder)
    assert result.exit_code == 0, result.output
    assert "proper_name" in result.output and "Tobias" not in result.output
    result = cli("anonymize", "review", "first", "--json", "--project", imported.folder)
    assert '"item": "candidate"' in result.output


def test_cli_show_originals_needs_a_terminal(cli, imported, tmp_path):
    result = cli("anonymize", "review", "--report", "--show-originals", "--key",
                 tmp_path / "key.csv", "--project", imported.folder)
    assert result.exit_code == 1 and "terminal" in result.stderr


def test_cli_interactive_review(cli, imported):
    # KVQ (keep), Thistle (replace, as an ORG), the colleague (confirm), then done
    result = cli("anonymize", "review", "first", "--project", imported.folder,
                 input="k\nr\nORG\ny\n")
    assert result.exit_code == 0, result.output
    statuses = {(i.item, i.text, i.status) for i in review_items(imported, "first")}
    assert ("replacement", "[PERSON_1]", "confirmed") in statuses
    assert ("candidate", "KVQ", "kept") in statuses
    assert ("candidate", "[ORG_1]", "replaced") in statuses
    assert "Thistle" not in text_of(imported, "second")
    assert "Nothing left to review" in result.output


def test_cli_add_and_reject(cli, imported):
    result = cli("anonymize", "add", "Thistle", "--kind", "org", "--project",
                 imported.folder)
    assert result.exit_code == 0 and "Replaced 2 mentions in 2 transcripts" in result.output
    rid = imported.db.execute("SELECT id FROM replacements WHERE label = '[ORG_1]'"
                              ).fetchone()[0]
    result = cli("anonymize", "reject", rid, "--text", "Thistle", "--all", "--project",
                 imported.folder)
    assert result.exit_code == 0 and "Restored 2" in result.output


def test_add_name_reaches_titles_speakers_and_memos(imported):
    from qualcode.store import now

    imported.db.execute("INSERT INTO memos (coder, target, target_id, text, created_at, "
                        "updated_at) VALUES ('ana', 'transcript', 'first', ?, ?, ?)",
                        ["Ask Thistle about the grant.", now(), now()])
    imported.db.execute("UPDATE transcripts SET title = 'Thistle follow-up' WHERE id = 'second'")
    add_name(imported, "Thistle", "ORG")
    assert imported.db.execute("SELECT text FROM memos").fetchone()[0] == \
        "Ask [ORG_1] about the grant."
    assert imported.transcript("second").title == "[ORG_1] follow-up"
