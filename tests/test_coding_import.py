"""`codings import`: codings made in a spreadsheet or another tool, all rows or none."""

from __future__ import annotations

import csv

import pytest
from builders import add_sample, add_transcript

from qualcode.coding import FileProblems, import_codings, segment_codings, undo
from qualcode.errors import QualcodeError
from qualcode.project import init_project
from qualcode.resources import data_path


@pytest.fixture
def sample(project):
    return add_sample(project)


def write(tmp_path, text, name="codings.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def table(project):
    return sorted(project.db.execute(
        "SELECT s.transcript_id, s.ordinal, c.coder, c.code_id, c.span_start, c.span_end, "
        "c.memo, c.provenance FROM codings c JOIN segments s ON s.id = c.segment_id"))


def reviewed(project):
    return sorted(project.db.execute(
        "SELECT s.transcript_id, s.ordinal, r.coder FROM reviews r "
        "JOIN segments s ON s.id = r.segment_id"))


GOOD = (
    "\ufeffCode,Coder , transcript,segment,start,end,memo,notes\r\n"
    "archetype.iterator,ana,int-01,2,,,,free text\r\n"
    " CONNECTOR ,ana,int-01,2,0,5,\"big, picture\",\r\n"
    "Funding,ben,INT-01,4.0,,,,\r\n"
    ",ana,int-01,3,,,,\r\n"
    "archetype.iterator,ana,int-01,2,,,,repeated row\r\n"
    "\r\n"
    "need.funding,ana,int-02,1,,,,\r\n"
)


def test_good_file_imports_codings_and_reviews(project, sample, tmp_path):
    result = import_codings(project, write(tmp_path, GOOD))
    assert (result.rows, result.duplicates, result.codings_added, result.reviews_added) == (
        6, 1, 4, 4)
    assert result.ignored_columns == ["notes"]
    assert table(project) == [
        ("int-01", 2, "ana", "archetype.connector", 0, 5, "big, picture", "imported"),
        ("int-01", 2, "ana", "archetype.iterator", None, None, None, "imported"),
        ("int-01", 4, "ben", "need.funding", None, None, None, "imported"),
        ("int-02", 1, "ana", "need.funding", None, None, None, "imported"),
    ]
    assert reviewed(project) == [("int-01", 2, "ana"), ("int-01", 3, "ana"),
                                 ("int-01", 4, "ben"), ("int-02", 1, "ana")]


def test_importing_twice_changes_nothing(project, sample, tmp_path):
    path = write(tmp_path, GOOD)
    import_codings(project, path)
    events = project.db.execute("SELECT count(*) FROM events").fetchone()[0]
    again = import_codings(project, path)
    assert (again.codings_added, again.reviews_added, again.memos_updated) == (0, 0, 0)
    assert project.db.execute("SELECT count(*) FROM events").fetchone()[0] == events


def test_bad_file_reports_every_problem_and_imports_nothing(project, sample, tmp_path):
    path = write(tmp_path, (
        "transcript,segment,coder,code,start,end,memo\n"
        "int-01,2,ana,iterator,,,\n"  # fine
        "int-99,2,ana,iterator,,,\n"
        "int-01,9,ana,iterator,,,\n"
        "int-01,two,,nonsense,,,\n"
        "int-01,2,ana,iterator,3,,\n"
        "int-01,2,ana,iterator,0,999,\n"
        "int-01,2,ana,iterator,,,a note, with a comma\n"
        "int-01,4,ana,need.funding,,,\n"
        "int-01,4,ana,need.connectors,,,\n"
        "int-01,2,ana,connector,,,one memo\n"
        "int-01,2,ana,connector,,,another memo\n"
    ))
    with pytest.raises(FileProblems) as caught:
        import_codings(project, path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}:") for line in lines)
    assert [p.line for p in caught.value.problems] == [3, 4, 5, 5, 5, 6, 7, 8, 10, 12]
    text = str(caught.value)
    for expected in (":3: no transcript 'int-99'", ":4: transcript int-01 has no segment 9",
                     ":5: segment must be", ":5: coder is empty", ":5: no code 'nonsense'",
                     ":6: start and end must both be whole numbers",
                     ":7: span 0:999 is not inside", ":8: 8 cells but 7 columns",
                     ":10: need.connectors and need.funding (line 9)",
                     ":12: same coding as line 11 with another memo"):
        assert expected in text
    assert table(project) == [] and reviewed(project) == []


def test_missing_columns_and_bad_encoding(project, sample, tmp_path):
    with pytest.raises(FileProblems, match=r":1: missing column\(s\) coder, code"):
        import_codings(project, write(tmp_path, "transcript;segment\nint-01;2\n"))
    with pytest.raises(QualcodeError, match="not UTF-8"):
        import_codings(project, write(tmp_path, "transcript,segment,coder,code\nint-01,2,Åsa,x\n",
                                      encoding="latin-1"))


def test_utf16_tab_separated_from_a_spreadsheet(project, sample, tmp_path):
    path = write(tmp_path, "\ufefftranscript\tsegment\tcoder\tcode\r\nint-02\t2\tÅsa\tfunding\r\n",
                 encoding="utf-16-le")
    assert import_codings(project, path).codings_added == 1
    assert table(project)[0][2:4] == ("Åsa", "need.funding")


def test_semicolon_csv_and_whole_segment_span(project, sample, tmp_path):
    length = len(sample["int-01"][1].text)
    import_codings(project, write(tmp_path, f"transcript;segment;coder;code;start;end\n"
                                            f"int-01;2;ana;iterator;0;{length}\n"))
    assert table(project) == [("int-01", 2, "ana", "archetype.iterator", None, None, None,
                               "imported")]


def test_import_replaces_in_exclusive_groups_and_updates_memos(project, sample, tmp_path):
    import_codings(project, write(tmp_path, "transcript,segment,coder,code,memo\n"
                                            "int-01,4,ana,need.funding,first\n"))
    result = import_codings(project, write(tmp_path, "transcript,segment,coder,code,memo\n"
                                                     "int-01,4,ana,need.connectors,\n"
                                                     "int-01,4,ana,need.connectors,\n", "b.csv"))
    assert (result.codings_added, result.codings_replaced, result.duplicates) == (1, 1, 1)
    assert [c.code_id for c in segment_codings(project, "int-01", "ana")[4]] == [
        "need.connectors"]
    undo(project, "ana")
    assert [(c.code_id, c.memo) for c in segment_codings(project, "int-01", "ana")[4]] == [
        ("need.funding", "first")]


def test_import_is_one_undoable_action_per_coder(project, sample, tmp_path):
    import_codings(project, write(tmp_path, GOOD))
    undo(project, "ana")
    assert [row[2] for row in table(project)] == ["ben"]
    assert reviewed(project) == [("int-01", 4, "ben")]


def test_the_bundled_sample_codings_import_cleanly(tmp_path):
    """interviews/codings.csv against stand-in transcripts with as many segments."""
    path = data_path("interviews") / "codings.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["transcript"]] = max(sizes.get(row["transcript"], 0), int(row["segment"]))
    with init_project(tmp_path / "study").project as project:
        for tid, size in sizes.items():
            add_transcript(project, tid, [("Participant", f"turn {n}") for n in range(size)])
        result = import_codings(project, path)
        assert result.rows == len(rows)
        assert result.codings_added == sum(1 for r in rows if r["code"]) - result.duplicates
        assert {r[2] for r in table(project)} == {"ana", "ben"}
