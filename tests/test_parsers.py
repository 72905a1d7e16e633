"""Transcript formats into turns: speaker rules, timestamps, encodings, every format."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.parsers import (
    accept_speakers,
    clock,
    decode,
    is_interviewer_label,
    parse_bytes,
    parse_file,
)

DATA = Path(__file__).parent / "data" / "transcripts"


def speakers_and_texts(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


def test_plain_text_labels_timestamps_and_annotation_lines():
    parsed = parse_file(DATA / "labels.txt")
    assert parsed.format == "txt" and parsed.encoding == "utf-8" and parsed.notes == []
    assert [t.speaker for t in parsed.turns] == [
        "Interviewer", "Wren Calloway", "Interviewer", "Wren Calloway", "Interviewer"]
    answer = parsed.turns[1].text
    # Note: inside a turn, and a time at a line start, are text, not speakers
    assert "\nNote: this was before the reorganisation.\n" in answer
    assert answer.endswith("\n\n10:30 is when the whole team meets, every day.")
    assert "Example: someone" in parsed.turns[3].text and "Update: we" in parsed.turns[3].text
    # timestamps in every position are metadata, never text
    assert [t.timestamp for t in parsed.turns] == [
        "00:00:05", None, "00:12:31", "00:12:40", "00:15:02"]
    assert parsed.turns[0].text.startswith("Thanks") and parsed.turns[3].text.startswith("People")
    assert [t.line for t in parsed.turns] == [1, 3, 9, 11, 16]


def test_markdown_title_headings_and_bold_labels():
    parsed = parse_file(DATA / "bold.md")
    assert parsed.format == "md" and parsed.title == "Interview 7: a growing organization"
    assert speakers_and_texts(parsed) == [
        ("Q", "How large is the organization now?"),
        ("Juno Marrick", "About twenty people.\n\nWe doubled last year."),
        ("Q", "And what is scarce?"),
        ("Juno Marrick", "Managers, mostly. People who can run a research team."),
    ]


def test_no_speaker_labels_gives_one_turn_per_paragraph():
    parsed = parse_file(DATA / "notes.txt")
    assert [t.speaker for t in parsed.turns] == [None, None, None]
    assert parsed.turns[1].text.endswith("\nNote: the budget was not discussed.")
    assert parsed.notes == ["no speaker labels: split into paragraphs"]


def test_an_unlabelled_paragraph_continues_the_turn_and_a_preamble_stands_alone():
    text = "Interview notes, March\n\nInterviewer: Hello.\n\nAnd welcome.\nAna: Hi."
    parsed = parse_bytes(text.encode(), "a.txt")
    assert speakers_and_texts(parsed) == [
        (None, "Interview notes, March"), ("Interviewer", "Hello.\n\nAnd welcome."),
        ("Ana", "Hi.")]


def test_label_acceptance_rule():
    # recurring labels are speakers; a one-off label is one only beside an interviewer alone
    assert accept_speakers(Counter({"ana": 3, "however": 1, "interviewer": 3})) == {
        "ana", "interviewer"}
    assert accept_speakers(Counter({"interviewer": 4, "ana": 1})) == {"interviewer", "ana"}
    assert accept_speakers(Counter({"ana": 1})) == set()
    assert accept_speakers(Counter({"bo": 1, "cy": 2}), interviewers=["Bo"]) == {"bo", "cy"}
    assert accept_speakers(Counter({"p3": 1, "speaker 2": 1})) == {"p3", "speaker 2"}


@pytest.mark.parametrize("line, speaker", [
    ("Interviewer: Hello there.", "Interviewer"),
    ("INTERVIEWER: Hello there.", "INTERVIEWER"),
    ("**Interviewer:** Hello there.", "Interviewer"),
    ("[00:01:02] Interviewer: Hello there.", "Interviewer"),
    ("Interviewer [01:02]: Hello there.", "Interviewer"),
    ("Dr. Mara de Vries: Hello there.", "Dr. Mara de Vries"),
    ("Note: Hello there.", None),
    ("Example: Hello there.", None),
    ("10:30: Hello there.", None),
    ("So the answer is: Hello there.", None),
    ("See https://example.org: Hello there.", None),
])
def test_what_counts_as_a_speaker_label(line, speaker):
    text = f"{line}\n\n{line}\n\nInterviewer: Thanks."
    parsed = parse_bytes(text.encode(), "a.txt")
    assert parsed.turns[0].speaker == speaker
    if speaker is None:
        assert parsed.turns[0].text.endswith("Hello there.") and ":" in parsed.turns[0].text


def test_interviewer_labels():
    for label in ("Interviewer", "interviewer 2", "Q", "I", "Moderator", "Host", "INT"):
        assert is_interviewer_label(label)
    assert not is_interviewer_label("Ana") and not is_interviewer_label("Participant 1")
    assert is_interviewer_label("ana lima", interviewers=["Ana Lima"])


def test_bom_crlf_and_cr_give_the_same_turns():
    text = (DATA / "labels.txt").read_text(encoding="utf-8")
    plain = parse_bytes(text.encode(), "a.txt")
    bom_crlf = parse_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "a.txt")
    cr = parse_bytes(text.replace("\n", "\r").encode(), "a.txt")
    assert speakers_and_texts(bom_crlf) == speakers_and_texts(plain) == speakers_and_texts(cr)
    assert bom_crlf.encoding == "utf-8-sig" and cr.encoding == "utf-8"
    assert all("\r" not in t.text and "\ufeff" not in t.text for t in bom_crlf.turns)


def test_cp1252_fallback_is_noted_and_text_is_nfc():
    data = "Interviewer: Caf\xe9 \u201cquoted\u201d.\r\nAna: Fine.".encode("cp1252")
    parsed = parse_bytes(data, "word.txt")
    assert parsed.encoding == "cp1252"
    assert parsed.notes == ["not UTF-8: read as cp1252 (Windows)"]
    assert parsed.turns[0].text == "Caf\xe9 \u201cquoted\u201d."
    decomposed = parse_bytes("Ana: Cafe\u0301.\nInterviewer: Ok.".encode(), "a.txt")
    assert decomposed.turns[0].text == "Caf\xe9."


def test_utf16_with_bom():
    text, encoding = decode("Interviewer: Hello.".encode("utf-16"), "a.txt")
    assert (text, encoding) == ("Interviewer: Hello.", "utf-16")


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.txt", "the file is empty"),
    (b"  \n\n ", "blank.txt", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt", "binary content"),
    (b"Interviewer: caf\x81\x8d\x90", "bad.txt", "cannot be decoded"),
    (b"text", "notes.pdf", "unknown file type '.pdf'"),
    (b"text", "old.doc", "save it as .docx"),
    (b"not a zip", "broken.docx", "not a readable Word"),
    (b"WEBVTT\n\nNOTE nothing here\n", "empty.vtt", "no transcript text"),
])
def test_bad_input_names_the_file(data, name, message):
    with pytest.raises(QualcodeError, match=message) as error:
        parse_bytes(data, name)
    assert str(error.value).startswith(f"{name}: ")


def test_a_missing_file(tmp_path):
    with pytest.raises(QualcodeError, match="no such file"):
        parse_file(tmp_path / "gone.txt")


def word_document(paragraphs: list[str], title: str = "", table: bool = False) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        document.add_table(rows=1, cols=2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_follow_the_speaker_rules():
    data = word_document(["Interviewer: What do you need?", "Ana Lima: Mentors.",
                          "Note: and funding.", "", "More mentors.", "Interviewer: Thanks.",
                          "Ana Lima: Welcome."], title="Interview 3", table=True)
    parsed = parse_bytes(data, "three.docx")
    assert parsed.format == "docx" and parsed.title == "Interview 3"
    assert speakers_and_texts(parsed) == [
        ("Interviewer", "What do you need?"),
        ("Ana Lima", "Mentors.\n\nNote: and funding.\n\nMore mentors."),
        ("Interviewer", "Thanks."), ("Ana Lima", "Welcome.")]
    assert parsed.notes == ["1 table(s) not imported: only paragraphs are read"]


def test_vtt_voice_tags_and_cue_merging():
    parsed = parse_file(DATA / "zoom.vtt")
    assert speakers_and_texts(parsed) == [
        ("Interviewer", "Hello, can you hear me all right? Good, let us start."),
        ("Ossian Vell", "I can, thanks. I work on interpretability & evaluations. "
                        "Mostly on my own, with a grant."),
        ("Interviewer", "What would help you most?"),
        ("Ossian Vell", "A mentor, honestly."),
    ]
    assert [t.timestamp for t in parsed.turns] == ["00:00:01", "00:00:07", "00:01:02",
                                                    "00:01:02"]


def test_vtt_with_name_labels_in_the_cues():
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna Lima: Hello.\n\n"
           "00:00:02.000 --> 00:00:03.000\nAna Lima: Still me.\n\n"
           "00:00:03.000 --> 00:00:04.000\nInterviewer: Thanks.\n")
    assert speakers_and_texts(parse_bytes(vtt.encode(), "z.vtt")) == [
        ("Ana Lima", "Hello. Still me."), ("Interviewer", "Thanks.")]


def test_srt_labels_continuation_and_tags():
    parsed = parse_file(DATA / "subtitles.srt")
    assert speakers_and_texts(parsed) == [
        ("Moderator", "Thanks for joining. Could you tell me about your role?"),
        ("Tilde Amsel", "I direct a policy programme. We are about twenty-five people."),
        ("Moderator", "Thank you."),
    ]
    assert parsed.turns[1].timestamp == "00:00:06"


def test_subtitles_without_speakers():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:00:02,000 --> 00:00:03,000\nBye.\n"
    parsed = parse_bytes(srt.encode(), "a.srt")
    assert speakers_and_texts(parsed) == [(None, "Hello. Bye.")]
    assert parsed.notes == ["no speaker labels: split into paragraphs"]


def test_clock():
    assert clock("12:31") == "00:12:31" and clock("1:02:03.500") == "01:02:03"
    assert clock("00:00:04,200") == "00:00:04"


names = st.sampled_from(["Interviewer", "Ana Lima", "Bo", "P2"])
words = st.sampled_from(["we", "need", "people.", "Mentors,", "caf\u00e9", "Note:", "10:30 is",
                         "why?", "(really)", "e.g.", "**so**"])
paragraphs = st.lists(words, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.lists(paragraphs, min_size=1, max_size=3)),
                min_size=1, max_size=5),
       st.sampled_from(["\n", "\r\n"]))
def test_written_turns_read_back(turns, newline):
    turns = turns + turns  # every speaker starts at least two turns
    text = newline.join(f"{speaker}: {(newline * 2).join(paragraphs)}" + newline
                        for speaker, paragraphs in turns)
    parsed = parse_bytes(text.encode(), "a.txt")
    assert speakers_and_texts(parsed) == [
        (speaker, "\n\n".join(paragraphs)) for speaker, paragraphs in turns]


def test_docx_title_and_headings_are_the_title_not_turns(tmp_path):
    """A Word transcript's Title/Heading paragraphs are structure: the first one names the
    transcript and none becomes a segment (else every segment number shifts by one)."""
    import docx

    document = docx.Document()
    document.add_paragraph("Interview 12 with a growing organization", style="Title")
    document.add_heading("Part one", level=1)
    document.add_paragraph("Interviewer: How did you start?")
    document.add_paragraph("Wren: By accident, mostly.")
    path = tmp_path / "p12.docx"
    document.save(path)
    parsed = parse_file(path)
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "Wren"]
    assert parsed.title == "Interview 12 with a growing organization"
