"""Importing transcripts: segmentation and offsets, re-imports, transactions, attributes,
roles, anonymization, the CLI's import, transcripts, show and search."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode.ingest as ingest
from qualcode.errors import QualcodeError
from qualcode.ingest import (
    ImportOptions,
    fts_query,
    import_files,
    list_transcripts,
    parse_attributes,
    read_attributes_csv,
    search_segments,
    segment_turns,
    slugify,
)
from qualcode.parsers import Turn, parse_bytes
from qualcode.resources import data_path
from qualcode.store import Project

DATA = Path(__file__).parent / "data" / "transcripts"
PLAIN = ImportOptions(anonymize=False)


def sentences(count: int, words: int = 12) -> str:
    return " ".join(f"Sentence {i} " + "word " * (words - 3) + "ends." for i in range(count))


def assert_exact_offsets(project, transcript_id):
    transcript = project.transcript(transcript_id)
    segments = project.segments(transcript_id)
    assert segments and [s.ordinal for s in segments] == list(range(1, len(segments) + 1))
    for s in segments:
        assert transcript.text[s.char_start:s.char_end] == s.text
    return transcript, segments


def write_docx(path: Path) -> Path:
    document = docx.Document()
    for text in ["Interviewer: What is scarce?", "Ana Lima: Managers.", "Interviewer: Why?",
                 "Ana Lima: Nobody trains them."]:
        document.add_paragraph(text)
    document.save(path)
    return path


@pytest.fixture
def transcripts(tmp_path) -> Path:
    """A folder with one small transcript of every format."""
    folder = tmp_path / "raw"
    shutil.copytree(DATA, folder)
    write_docx(folder / "word.docx")
    return folder


# Segmentation and offsets.

def test_every_format_imports_with_exact_offsets(project, transcripts):
    report = import_files(project, [transcripts], PLAIN)
    assert not report.failed
    assert {r.format for r in report.results} == {"txt", "md", "docx", "vtt", "srt"}
    for result in report.results:
        transcript, segments = assert_exact_offsets(project, result.transcript_id)
        assert transcript.text == "\n\n".join(s.text for s in segments)
        assert not transcript.anonymized and result.segments == len(segments)
    _, segments = assert_exact_offsets(project, "labels")
    assert [(s.speaker, s.role, s.timestamp) for s in segments][:3] == [
        ("Interviewer", "interviewer", "00:00:05"), ("Wren Calloway", "participant", None),
        ("Interviewer", "interviewer", "00:12:31")]
    assert "00:12" not in project.transcript("labels").text
    assert project.transcript("bold").title == "Interview 7: a growing organization"


def test_long_turns_split_at_sentence_ends():
    long_text = sentences(60)  # 720 words
    turns = [Turn("Interviewer", "Tell me more.", 1, "00:01:00", "interviewer"),
             Turn("Ana", long_text, 2, "00:01:05")]
    seg = segment_turns(turns)
    parts = [s for s in seg.segments if s.turn == 2]
    assert [p.part for p in parts] == [1, 2, 3]
    assert all(len(p.text.split()) <= 300 and p.text.endswith("ends.") for p in parts)
    assert [p.timestamp for p in parts] == ["00:01:05", None, None]
    assert " ".join(p.text for p in parts) == long_text
    assert seg.words == 3 + 720 and seg.turn_starts == [0, len("Tell me more.") + 2]
    for s in seg.segments:
        assert seg.text[s.char_start:s.char_end] == s.text


def test_a_sentence_longer_than_a_part_is_cut_between_words():
    seg = segment_turns([Turn("Ana", "word " * 650 + "end", 1)])
    assert [len(s.text.split()) for s in seg.segments] == [217, 217, 217]


turn_texts = st.text(st.sampled_from("ab .!?\n"), min_size=1, max_size=200).filter(str.strip)


@settings(max_examples=80, deadline=None)
@given(st.lists(turn_texts, min_size=1, max_size=6), st.integers(min_value=2, max_value=12))
def test_segments_always_slice_the_text(texts, max_words):
    turns = [Turn("Ana", text.strip(), 1) for text in texts]
    seg = segment_turns(turns, max_words)
    for s in seg.segments:
        assert seg.text[s.char_start:s.char_end] == s.text and s.text == s.text.strip()
        assert 0 < len(s.text.split()) <= max_words
    for number, turn in enumerate(turns, 1):
        parts = [s.text for s in seg.segments if s.turn == number]
        assert " ".join(parts).split() == turn.text.split()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from("Ana Q:*#[]0123.<>v-\n\r é"), max_size=300),
       st.sampled_from(["a.txt", "a.md", "a.vtt", "a.srt"]))
def test_any_text_in_any_format_gives_exact_segments(text, name):
    prefix = {"a.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n",
              "a.srt": "1\n00:00:01,000 --> 00:00:02,000\n"}.get(name, "")
    try:
        parsed = parse_bytes((prefix + text).encode(), name)
    except QualcodeError:
        return
    seg = segment_turns(parsed.turns, 5)
    for s in seg.segments:
        assert seg.text[s.char_start:s.char_end] == s.text


def test_sample_interviews_import_cleanly(project):
    report = import_files(project, [data_path("interviews")],
                          ImportOptions(roster=data_path("interviews") / "roster.yaml"))
    assert not report.failed and len(report.results) == 8
    for result in report.results:
        transcript, segments = assert_exact_offsets(project, result.transcript_id)
        assert transcript.anonymized and result.speakers == 2
        # every turn is under 300 words: one segment per turn
        assert all(s.part == 1 for s in segments)
        assert [s.turn for s in segments] == list(range(1, len(segments) + 1))
        assert 25 <= len(segments) <= 40
        assert {s.role for s in segments} == {"interviewer", "participant"}
        assert transcript.attributes["org_type"]
    text = "".join(project.transcript(t).text for t in project.transcript_ids())
    assert "Halvard" not in text and "Beatrix" not in text


# Re-imports and transactions.

def test_reimport_is_refused_and_never_duplicated(project, transcripts):
    import_files(project, [transcripts / "labels.txt"], PLAIN)
    again = import_files(project, [transcripts / "labels.txt"], PLAIN)
    assert again.failed[0].error == (f"{transcripts / 'labels.txt'}: already imported as "
                                     "transcript labels (same content); use --replace to "
                                     "import it again")
    other = transcripts / "other"
    other.mkdir()
    (other / "labels.txt").write_text("Interviewer: Something else.\n", encoding="utf-8")
    same_id = import_files(project, [other / "labels.txt"], PLAIN)
    assert "transcript labels already exists" in same_id.failed[0].error
    assert project.transcript_ids() == ["labels"]


def add_coding(project, transcript_id):
    segment = project.segments(transcript_id)[0]
    with project.transaction() as db:
        db.execute("INSERT INTO codings (segment_id, code_id, coder, provenance, "
                   "codebook_version, created_at) VALUES (?, 'archetype.connector', 'ana', "
                   "'manual', 1, 'now')", [segment.id])


def test_replace_refuses_to_delete_codings_unless_forced(project, transcripts):
    import_files(project, [transcripts / "labels.txt"], PLAIN)
    add_coding(project, "labels")
    path = transcripts / "labels.txt"
    path.write_text("Interviewer: A new question about mentorship.\nWren: Yes.\n",
                    encoding="utf-8")
    refused = import_files(project, [path], ImportOptions(anonymize=False, replace=True))
    assert "has 1 codings" in refused.failed[0].error and "--force" in refused.failed[0].error
    forced = import_files(project, [path],
                          ImportOptions(anonymize=False, replace=True, force=True))
    assert not forced.failed
    assert project.transcript("labels").text.startswith("A new question")
    assert project.db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    payload = json.loads(project.db.execute(
        "SELECT payload FROM events WHERE action = 'import' ORDER BY id DESC").fetchone()[0])
    assert payload["replaced"] == ["labels"] and payload["deleted_codings"] == 1
    # the search index follows: the new text is found, the old is gone
    assert [h.ordinal for h in search_segments(project, "mentorship")] == [1]
    assert search_segments(project, "reorganisation") == []
    assert_search_index_consistent(project)


def database_dump(project) -> list[str]:
    return list(project.db.conn.iterdump())


def test_a_failed_import_leaves_the_project_exactly_as_before(project, transcripts,
                                                              monkeypatch):
    import_files(project, [transcripts / "bold.md"], PLAIN)
    before = database_dump(project)

    def fail(*args, **kwargs):
        raise QualcodeError("disk full")

    monkeypatch.setattr(project, "log", fail)
    report = import_files(project, [transcripts / "labels.txt", transcripts / "bold.md"],
                          ImportOptions(anonymize=False, replace=True))
    assert [r.error for r in report.results] == ["disk full", "disk full"]
    assert database_dump(project) == before
    assert search_segments(project, "scarce")[0].transcript_id == "bold"


def assert_search_index_consistent(project):
    """FTS5's own check, against the segments table too: fails on a missing or doubled row."""
    project.db.execute("INSERT INTO segments_fts (segments_fts, rank) "
                       "VALUES ('integrity-check', 1)")


def test_a_batch_is_prepared_in_a_helper_and_indexed_at_its_end(project, transcripts,
                                                               monkeypatch, tmp_path):
    monkeypatch.setattr(ingest, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(ingest, "BATCH_INDEX_MIN_FILES", 2)
    shutil.copy(transcripts / "labels.txt", tmp_path / "copy.txt")  # same content
    files = [transcripts / "labels.txt", tmp_path / "missing.txt", transcripts / "zoom.vtt",
             tmp_path / "copy.txt"]
    report = import_files(project, files, ImportOptions(anonymize=False, replace=True))
    assert [r.ok for r in report.results] == [True, False, True, True]
    assert report.failed[0].error.endswith("missing.txt: no such file")
    assert project.transcript_ids() == ["copy", "zoom"]  # the copy replaced labels
    assert_exact_offsets(project, "zoom")
    assert_search_index_consistent(project)
    assert {h.transcript_id for h in search_segments(project, "team")} == {"copy"}


def test_an_interrupted_batch_is_indexed_by_the_next_import(project, transcripts):
    options = ImportOptions(anonymize=False)
    ingest.store(project, ingest.prepare_file(transcripts / "labels.txt", options), options,
                 unindexed=set())  # stored, then killed before the batch was indexed
    with pytest.raises(Exception, match="malformed"):
        assert_search_index_consistent(project)
    import_files(project, [transcripts / "zoom.vtt"], options)
    assert_search_index_consistent(project)
    assert search_segments(project, "reorganisation")[0].transcript_id == "labels"


# Attributes and roles.

def test_attributes_from_csv_and_options(project, transcripts):
    (transcripts / "attributes.csv").write_bytes(
        b"\xef\xbb\xbffile,org_type,wave\r\nlabels.txt,small_org,1\r\nbold.md,scaling_lab,\r\n")
    options = ImportOptions(anonymize=False, attributes=parse_attributes(["wave=2"]))
    import_files(project, [transcripts / "labels.txt", transcripts / "bold.md",
                           transcripts / "notes.txt"], options)
    attributes = {s.id: s.attributes for s in list_transcripts(project)}
    assert attributes == {"labels": {"org_type": "small_org", "wave": "2"},
                          "bold": {"org_type": "scaling_lab", "wave": "2"},
                          "notes": {"wave": "2"}}


def test_bad_attribute_input(tmp_path):
    with pytest.raises(QualcodeError, match="expected key=value"):
        parse_attributes(["org_type"])
    (tmp_path / "attributes.csv").write_text("name,org\nx.txt,a\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match="line 1: the first column must be called `file`"):
        read_attributes_csv(tmp_path / "attributes.csv")
    (tmp_path / "attributes.csv").write_text("file,org\nx.txt,a\nx.txt,b\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match="line 3: 'x.txt' is listed twice"):
        read_attributes_csv(tmp_path / "attributes.csv")


def test_roles_from_labels_and_interviewer_option(project, tmp_path):
    (tmp_path / "a.txt").write_text("Moderator: Hi.\nAna: Hello.\nHost: Bye.\n")
    (tmp_path / "b.txt").write_text("Sam: Hi.\nAna: Hello.\nSam: Bye.\nAna: Bye.\n")
    (tmp_path / "c.txt").write_text("Sam: Hi.\nAna: Hello.\nSam: Bye.\nAna: Bye.\n ")
    report = import_files(project, [tmp_path / "a.txt", tmp_path / "b.txt"], PLAIN)
    roles = {t: [s.role for s in project.segments(t)] for t in ("a", "b")}
    assert roles["a"] == ["interviewer", "participant", "interviewer"]
    assert roles["b"] == ["participant"] * 4
    assert "no interviewer label recognised" in report.results[1].notes[0]
    import_files(project, [tmp_path / "c.txt"],
                 ImportOptions(anonymize=False, interviewers=("sam",)))
    assert [s.role for s in project.segments("c")] == ["interviewer", "participant"] * 2


# Anonymization.

def test_names_are_pseudonymized_in_text_speakers_titles_and_file_names(project, tmp_path):
    path = tmp_path / "interview_Wren_Calloway.md"
    path.write_text("# Talking with Wren Calloway\n\nInterviewer: Hello Wren, welcome.\n\n"
                    "Wren Calloway: Thanks. I joined Brindlewood Lab with Ossian Vell.\n",
                    encoding="utf-8")
    report = import_files(project, [path])
    assert not report.failed
    transcript, segments = assert_exact_offsets(project, report.results[0].transcript_id)
    stored = json.dumps([transcript.id, transcript.title, transcript.source_name,
                         transcript.text, [s.speaker for s in segments]])
    for name in ("Wren", "Calloway", "Ossian", "Vell"):
        assert name not in stored and name.lower() not in stored
    assert transcript.anonymized and transcript.id.startswith("interview-person-")
    assert [s.role for s in segments] == ["interviewer", "participant"]
    replacements = project.db.execute(
        "SELECT char_start, char_end, label FROM replacements").fetchall()
    assert replacements and all(transcript.text[a:b] == label for a, b, label in replacements)


# Reading: listing and search.

def test_list_and_search(project, transcripts):
    import_files(project, [transcripts / "labels.txt", transcripts / "zoom.vtt"], PLAIN)
    summary = {s.id: s for s in list_transcripts(project)}
    assert summary["zoom"].speakers == ["Interviewer", "Ossian Vell"]
    assert summary["zoom"].segments == 4 and summary["zoom"].words == 35
    hits = search_segments(project, "mentor")
    assert [(h.transcript_id, h.ordinal, h.speaker) for h in hits] == [
        ("zoom", 4, "Ossian Vell")]
    assert hits[0].snippet == "A **mentor**, honestly."
    assert {h.transcript_id for h in search_segments(project, "experiment*")} == {"labels"}
    assert search_segments(project, "team", transcript_id="zoom") == []
    assert len(search_segments(project, '"whole team" OR grant')) == 2


def test_fts_query_quotes_words():
    assert fts_query("sub-teams mentor*") == '"sub-teams" "mentor"*'
    assert fts_query('"research taste" OR vision') == '"research taste" OR "vision"'
    with pytest.raises(QualcodeError, match="give some words"):
        fts_query(' "" OR ')


@pytest.mark.parametrize("stem, slug", [
    ("P01 Scaling_Lab", "p01-scaling-lab"), ("--Interview (3)--", "interview-3"),
    ("entrevista_José", "entrevista-josé"), ("___", "transcript")])
def test_slugify(stem, slug):
    assert slugify(stem) == slug


# The command line.

def test_cli_import_reports_bad_files_and_imports_the_good_ones(cli, project, tmp_path):
    bad = {"binary.txt": b"\x00\x01\x02secret name\x00", "empty.md": b"",
           "notes.pdf": b"%PDF-1.4", "broken.txt": b"Ana Lima: caf\x81\x8d"}
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text("Interviewer: Hello.\nAna: Hi.\n", encoding="utf-8")
    files = [tmp_path / name for name in bad] + [good, tmp_path / "missing.txt"]
    result = cli("import", *files, "--no-anonymize", "--project", project.folder)
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 5
    for line, name in zip(errors, [*bad, "missing.txt"], strict=True):
        assert line.startswith(f"error: {tmp_path / name}: ")
    assert "secret name" not in result.output and "Ana Lima" not in result.output
    assert "1 imported, 5 failed" in result.stdout
    assert project.transcript_ids() == ["good"]


def test_cli_import_json_attributes_and_interviewer(cli, project, transcripts):
    result = cli("import", transcripts / "labels.txt", "--no-anonymize", "--attr",
                 "org_type=small_org", "--interviewer", "Wren Calloway", "--json",
                 "-p", project.folder)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == [{
        "file": str(transcripts / "labels.txt"), "status": "ok", "id": "labels",
        "format": "txt", "speakers": 2, "segments": 5, "words": 77, "notes": [],
        "error": None}]
    assert {s.role for s in project.segments("labels")} == {"interviewer"}
    assert project.transcript("labels").attributes == {"org_type": "small_org"}


def test_cli_dry_run_stores_nothing(cli, project, transcripts):
    result = cli("import", transcripts / "bold.md", "--dry-run", "-p", project.folder)
    assert result.exit_code == 0, result.stderr
    assert "Juno" not in result.stdout and "Managers, mostly." in result.stdout
    assert "Dry run: nothing stored" in result.stdout
    assert project.transcript_ids() == []


def test_cli_transcripts_show_and_search(cli, project, transcripts):
    import_files(project, [transcripts / "labels.txt", transcripts / "bold.md"],
                 ImportOptions(anonymize=False, attributes={"wave": "1"}))
    folder = project.folder
    table = cli("transcripts", "-p", folder)
    assert table.exit_code == 0 and "Wren Calloway" in table.stdout and "wave=1" in table.stdout
    listing = json.loads(cli("transcripts", "-p", folder, "--json").stdout)
    assert [t["id"] for t in listing] == ["bold", "labels"]
    assert set(listing[0]) == {"id", "title", "source_name", "format", "encoding", "speakers",
                               "segments", "words", "attributes", "anonymized", "imported_at"}
    shown = cli("show", "lab", "-p", folder)
    assert shown.exit_code == 0 and re.search(r"5 .*00:15:02 .*Interviewer", shown.stdout)
    data = json.loads(cli("show", "labels", "-p", folder, "--json").stdout)
    assert data["id"] == "labels" and len(data["segments"]) == 5
    assert set(data["segments"][0]) == {"ordinal", "turn", "part", "speaker", "role",
                                        "timestamp", "char_start", "char_end", "text"}
    found = cli("search", "research", "team", "-p", folder)
    assert found.exit_code == 0 and "bold" in found.stdout
    hits = json.loads(cli("search", "scarce", "-p", folder, "--json").stdout)
    assert hits == [{"transcript_id": "bold", "ordinal": 3, "speaker": "Q",
                     "role": "interviewer", "text": "And what is scarce?",
                     "snippet": "And what is **scarce**?"}]
    assert "No segment matches" in cli("search", "zebra", "-p", folder).stdout
    missing = cli("show", "nothing", "-p", folder)
    assert missing.exit_code == 1 and "no transcript 'nothing'" in missing.stderr


def test_speakers_are_roles_by_default_or_the_text_pseudonyms(cli, tmp_path, tiny_codebook):
    """`--speakers pseudonym` labels a named speaker with the [PERSON_n] the text uses; the
    default gives participant codes (P01...) that do not reveal how often a name occurs."""
    labelled = tmp_path / "talk.txt"
    labelled.write_text("Interviewer: Hello Wren Halloway.\n\nWren Halloway: Hello.\n")
    speakers = {}
    for style in ("role", "pseudonym"):
        folder = tmp_path / style
        assert cli("init", folder, "--codebook", tiny_codebook).exit_code == 0
        assert cli("import", labelled, "--speakers", style, "--project", folder).exit_code == 0
        with Project.open(folder) as opened:
            segments = opened.segments("talk")
            speakers[style] = [s.speaker for s in segments]
            assert "Wren" not in opened.transcript("talk").text
    assert speakers["role"] == ["Interviewer", "P01"]
    assert speakers["pseudonym"][0] == "Interviewer"
    assert speakers["pseudonym"][1].startswith("[PERSON_")
