"""Anonymization inside a project: consistent pseudonyms across transcripts and imports,
keyed hashes instead of names, the secret, the key file, speaker labels, saved offsets."""

from __future__ import annotations

import os
import stat

import pytest

from qualcode.anonymize import Anonymizer
from qualcode.anonymize.pseudonyms import secret_path
from qualcode.errors import QualcodeError
from qualcode.ingest import ImportOptions, import_files
from qualcode.parsers import Turn

ROSTER = """\
interviewee: Marisol Okafor
colleagues: [Dana Whitcombe]
employer: {name: Northwind Labs, aliases: [NWL]}
"""
FIRST = """\
Interviewer: Thanks for joining, Marisol.
Marisol Okafor: Happy to. I run evals at Northwind Labs with Dana Whitcombe. My colleague \
Tobias Brandt wrote the work test. Mail me at marisol@northwind.example.
Interviewer: And what did Cash think?
Marisol Okafor: Ask Dana.
"""
SECOND = """\
Interviewer: Welcome back, Marisol.
Marisol Okafor: Since then Brandt left NWL, and Whitcomb took over.
"""
NAMES = ["Marisol", "Okafor", "Dana", "Whitcombe", "Whitcomb", "Tobias", "Brandt", "Northwind",
         "marisol@northwind"]


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    (folder / "first.txt").write_text(FIRST, encoding="utf-8")
    (folder / "second.txt").write_text(SECOND, encoding="utf-8")
    return folder


def stored(project, transcript_id):
    return project.db.execute("SELECT text FROM transcripts WHERE id = ?",
                              [transcript_id]).fetchone()[0]


def database_bytes(project) -> bytes:
    project.db.execute("PRAGMA wal_checkpoint(FULL)")
    return b"".join(p.read_bytes() for p in project.folder.iterdir() if p.is_file())


def test_import_pseudonymizes_consistently(project, files):
    options = ImportOptions(roster=files / "roster.yaml")
    report = import_files(project, [files / "first.txt", files / "second.txt"], options)
    assert not report.failed
    first, second = stored(project, "first"), stored(project, "second")
    for name in NAMES:
        assert name not in first and name not in second
    labels = dict(project.db.execute(
        "SELECT DISTINCT substr(t.text, r.char_start + 1, r.char_end - r.char_start), r.label "
        "FROM replacements r JOIN transcripts t ON t.id = r.transcript_id"))
    assert all(text == label for text, label in labels.items())  # offsets point at labels
    assert "[EMAIL]" in first and "Cash" in first  # a name or a word: kept, for review
    # the same people, the same pseudonyms, in both transcripts and in the speaker labels
    assert first.startswith("Thanks for joining, [PERSON_1].")
    assert "[PERSON_1]" in second and "[ORG_1]" in first and "[ORG_1]" in second
    brandt = first.split("My colleague ")[1].split(" wrote")[0]
    assert brandt in second  # Brandt alone, in the other transcript
    dana = first.split("with ")[1].split(".")[0]
    assert second.count(dana) == 1  # Whitcomb, misspelled, is still Dana Whitcombe
    speakers = {s for (s,) in project.db.execute("SELECT DISTINCT speaker FROM segments")}
    assert speakers == {"Interviewer", "P01"}
    candidates = project.db.execute(
        "SELECT substr(t.text, c.char_start + 1, c.char_end - c.char_start), c.reason "
        "FROM anonymization_candidates c JOIN transcripts t ON t.id = c.transcript_id"
    ).fetchall()
    assert candidates == [("Cash", "first name that is also a word")]


def test_names_never_reach_the_database(project, files):
    import_files(project, [files / "first.txt", files / "second.txt"],
                 ImportOptions(roster=files / "roster.yaml"))
    data = database_bytes(project)
    for name in NAMES:
        assert name.encode() not in data and name.lower().encode() not in data


def test_later_imports_recognise_names_from_earlier_ones(project, files):
    import_files(project, [files / "first.txt"], ImportOptions())
    import_files(project, [files / "second.txt"], ImportOptions())
    first, second = stored(project, "first"), stored(project, "second")
    brandt = first.split("My colleague ")[1].split(" wrote")[0]
    assert brandt.startswith("[PERSON_") and brandt in second
    assert "Brandt" not in second


def test_a_later_caption_in_lower_case_does_not_keep_a_known_name(project, files):
    import_files(project, [files / "first.txt"], ImportOptions())
    caption = files / "caption.txt"
    caption.write_text("so tobias brandt said the review was fine\n", encoding="utf-8")
    import_files(project, [caption], ImportOptions())
    assert "brandt" not in stored(project, "caption").lower()


def test_digests_not_names_and_the_secret_is_private(project, files):
    import_files(project, [files / "first.txt"], ImportOptions(roster=files / "roster.yaml"))
    digests = [d for (d,) in project.db.execute("SELECT digest FROM pseudonym_digests")]
    assert digests and all(len(d) == 64 for d in digests)
    path = secret_path(project.project_id)
    assert str(path).startswith(os.environ["XDG_CONFIG_HOME"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_key_file_only_when_asked_and_private(project, files, tmp_path):
    key = tmp_path / "keys" / "study-key.csv"
    key.parent.mkdir()
    import_files(project, [files / "first.txt"], ImportOptions(roster=files / "roster.yaml"))
    assert not key.exists()
    import_files(project, [files / "second.txt"],
                 ImportOptions(roster=files / "roster.yaml", key_path=key))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    content = key.read_text(encoding="utf-8")
    assert content.startswith("label,kind,original\n")
    assert "[PERSON_1],PERSON,Marisol" in content and "Whitcomb" in content
    assert b"Whitcomb" not in database_bytes(project)


def test_a_missing_secret_is_refused_once_names_are_known(project, files):
    import_files(project, [files / "first.txt"], ImportOptions())
    secret_path(project.project_id).unlink()
    with pytest.raises(QualcodeError, match="secret is missing"):
        Anonymizer.for_project(project)


def test_speaker_styles():
    turns = [Turn("Interviewer", "Hello Ines.", 1, role="interviewer"),
             Turn("Ines Albrecht", "Hi. Albrecht here.", 2),
             Turn("Speaker 3", "And me.", 3), Turn("Speaker B", "Me too.", 4),
             Turn("Al", "Hi.", 5)]
    by_role = Anonymizer().anonymize_turns(turns).turns
    assert [t.speaker for t in by_role] == ["Interviewer", "P01", "Speaker 3", "Speaker B",
                                            "P02"]
    assert by_role[0].text == "Hello [PERSON_1]." and by_role[1].text == "Hi. [PERSON_1] here."
    by_name = Anonymizer(speaker_style="pseudonym").anonymize_turns(turns).turns
    assert [t.speaker for t in by_name] == ["Interviewer", "[PERSON_1]", "Speaker 3",
                                            "Speaker B", "[PERSON_2]"]


def test_labels_that_name_no_one_stay_and_a_speakers_name_as_a_word_is_kept():
    turns = [Turn("Unknown", "Welcome back.", 1), Turn("Dana Long", "It was a long day.", 2),
             Turn("Unknown", "Thanks, Dana.", 3)]
    result = Anonymizer().anonymize_turns(turns).turns
    assert [t.speaker for t in result] == ["Unknown", "P01", "Unknown"]
    assert [t.text for t in result] == ["Welcome back.", "It was a long day.",
                                        "Thanks, [PERSON_1]."]


def test_headings_taken_for_speakers_stay_but_names_and_initials_do_not():
    turns = [Turn("Partial Transcript", "So, where did you grow up?", 1),
             Turn("Keywords", "Halden; school", 2), Turn("Welsh", "In Halden.", 3),
             Turn("KG", "Thanks.", 4), Turn("Long", "Yes.", 5)]
    result = Anonymizer().anonymize_turns(turns).turns
    assert [t.speaker for t in result] == ["Partial Transcript", "Keywords", "P01", "P02", "P03"]


def test_a_heading_of_role_words_is_no_speaker_and_the_role_stays():
    # An article's heading line "CISO Interviews: ..." reads like a speaker's turn.
    turns = [Turn("CISO Interviews", "Halvard Mutual's Tomas Brandt on the job.", 1),
             Turn(None, "Is being a CISO a dead end? The CIO role may suit a CISO.", 2)]
    result = Anonymizer().anonymize_turns(turns).turns
    assert result[0].speaker == "CISO Interviews"
    assert result[1].text == "Is being a CISO a dead end? The CIO role may suit a CISO."


def test_named_interviewers_become_interviewer():
    turns = [Turn("Dr. Kwame Mensah", "Hello.", 1, role="interviewer"),
             Turn("Ines Albrecht", "Hi Kwame.", 2),
             Turn("Sunniva Haugland", "Hi.", 3, role="interviewer")]
    result = Anonymizer().anonymize_turns(turns).turns
    assert [t.speaker for t in result] == ["Interviewer", "P01", "Interviewer 2"]
    assert result[1].text == "Hi [PERSON_1]."


def test_replacements_and_candidates_point_into_the_anonymized_turns():
    turns = [Turn("P", "Ines Albrecht, and what did Cash think of Tobias Brandt?", 1)]
    result = Anonymizer().anonymize_turns(turns)
    text = result.turns[0].text
    assert [text[r.start:r.end] for r in result.replacements] == ["[PERSON_1]", "[PERSON_2]"]
    assert [text[c.start:c.end] for c in result.candidates] == ["Cash"]


def test_anonymize_text_handles_file_names():
    anonymizer = Anonymizer(roster=None)
    anonymizer.anonymize_turns([Turn("P", "My colleague Ines Albrecht agreed.", 1)])
    assert anonymizer.anonymize_text("interview_Ines_Albrecht.docx") == \
        "interview_[PERSON_1].docx"


def test_dry_run_prints_anonymized_text(cli, project, files):
    result = cli("import", files / "first.txt", "--roster", files / "roster.yaml", "--dry-run",
                 "--project", project.folder)
    assert result.exit_code == 0, result.output
    assert "[PERSON_1]" in result.output and "Tobias" not in result.output
    assert project.db.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0
