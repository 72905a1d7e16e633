"""Reliability on a project: the unit x coder x code arrays, the figures per code, group, pair
and overall, disagreements, reconciliation (library, CLI and the Textual app)."""

from __future__ import annotations

import csv
import io
import json

import krippendorff
import numpy as np
import pytest
from builders import add_transcript

from qualcode.agreement import alpha, code_agreement
from qualcode.coding import apply_code, list_codings, segment_memos, set_done, set_segment_memo
from qualcode.errors import QualcodeError
from qualcode.reliability import (
    CHARACTER_INTERVAL,
    Scope,
    apply_decisions,
    band,
    compare_segments,
    disagreements,
    explain_code,
    read_decisions,
    reconcile,
    reconcile_agreed,
    reconcile_all,
    reliability,
    reliability_data,
    sentence_spans,
)
from qualcode.tui.reconcile import ReconcileApp

nan = np.nan
P1 = [
    ("Interviewer", "Who do you need?"),
    ("Participant", "People who run fast experiments. Also someone with the big picture."),
    ("Participant", "Money is not our problem."),
    ("Participant", "We grow through mentorship."),
]
P2 = [
    ("Interviewer", "And hiring?"),
    ("Participant", "Work tests beat CVs. Funding is tight though."),
    ("Participant", "Nobody sees the whole agenda."),
]


@pytest.fixture
def study(project):
    """Two interviews coded by ana and ben, ana's memos included; cy did one segment."""
    segments = {("p1", s.ordinal): s for s in add_transcript(project, "p1", P1)} | {
        ("p2", s.ordinal): s for s in add_transcript(project, "p2", P2)
    }
    for segment in segments.values():
        for coder in ("ana", "ben"):
            set_done(project, segment.id, coder)
    set_done(project, segments["p1", 2].id, "cy")

    def code(where, coder, code_id, **kw):
        apply_code(project, segments[where].id, code_id, coder, **kw)

    code(("p1", 2), "ana", "iterator")
    code(("p1", 2), "ben", "iterator", span=(0, 32))  # first sentence only
    code(("p1", 2), "ana", "connector", span=(33, 67), memo="big picture")
    code(("p1", 2), "cy", "iterator")
    code(("p1", 3), "ana", "funding")
    code(("p1", 3), "ben", "funding")
    code(("p2", 2), "ana", "funding", span=(21, 45))
    code(("p2", 2), "ben", "connectors")
    code(("p2", 3), "ana", "connector")
    code(("p2", 3), "ben", "connector")
    code(("p1", 1), "ana", "connector")  # an interviewer turn: left out by default
    set_segment_memo(project, segments["p2", 2].id, "ben", "not sure")
    project.segments_by_key = segments
    return project


def ids(project):
    return project.segments_by_key


# --- the arrays -------------------------------------------------------------------------------


def test_segment_units_are_participant_turns(study):
    data = reliability_data(study, Scope())
    assert data.coders == ["ana", "ben", "cy"]
    assert [(u.transcript_id, u.ordinal) for u in data.units] == [
        ("p1", 2),
        ("p1", 3),
        ("p1", 4),
        ("p2", 2),
        ("p2", 3),
    ]
    assert [c.id for c in data.codes] == [
        "archetype.connector",
        "archetype.iterator",
        "archetype.iterator.early",
        "need.connectors",
        "need.funding",
    ]
    assert data.reviewed.tolist() == [[True] * 5, [True] * 5, [True, False, False, False, False]]
    iterator = data.present[:, :, 1]
    assert iterator.tolist() == [[True, False, False, False, False]] * 3
    everyone = reliability_data(study, Scope(all_speakers=True))
    assert (everyone.units[0].transcript_id, everyone.units[0].ordinal) == ("p1", 1)
    assert everyone.present[0, 0, 0]


def test_scope_filters(study):
    data = reliability_data(study, Scope(coders=("ben", "ana"), group="need", transcript="p2"))
    assert data.coders == ["ben", "ana"]
    assert [c.id for c in data.codes] == ["need.connectors", "need.funding"]
    assert {u.transcript_id for u in data.units} == {"p2"}
    with pytest.raises(QualcodeError, match="no coder 'zoe'"):
        reliability_data(study, Scope(coders=("ana", "zoe")))
    with pytest.raises(QualcodeError, match="two or more coders"):
        reliability_data(study, Scope(coders=("ana",)))


def test_sentence_spans():
    text = 'He said "go." Then left!  Why? Because.'
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        'He said "go."',
        "Then left!",
        "Why?",
        "Because.",
    ]
    assert sentence_spans("no end mark") == [(0, 11)]


def test_sentence_units_follow_spans(study):
    data = reliability_data(study, Scope(unit="sentence", coders=("ana", "ben")))
    p1 = [u for u in data.units if (u.transcript_id, u.ordinal) == ("p1", 2)]
    assert [(u.start, u.end) for u in p1] == [(0, 32), (33, 67)]
    first, second = (data.units.index(u) for u in p1)
    iterator, connector = 1, 0
    assert data.present[:, first, iterator].tolist() == [True, True]
    assert data.present[:, second, iterator].tolist() == [True, False]  # ben's span ends before
    assert data.present[:, second, connector].tolist() == [True, False]
    assert not data.present[:, first, connector].any()


def test_character_units_match_krippendorff_on_every_character(study):
    """Runs of characters coded alike, weighted by length, give the same alpha as one unit
    per character."""
    scope = Scope(unit="character", coders=("ana", "ben"))
    data = reliability_data(study, scope)
    assert data.weights.sum() == sum(u.end - u.start for u in data.units)
    report = reliability(study, scope)
    for k in range(len(data.codes)):
        per_character = np.repeat(
            np.where(data.reviewed, data.present[:, :, k], nan), data.weights, axis=1
        )
        with np.errstate(all="ignore"):
            try:
                expected = krippendorff.alpha(per_character, level_of_measurement="nominal")
            except ValueError:
                expected = nan
        got = report.codes[k].agreement.krippendorff_alpha.value
        assert (got is None and np.isnan(expected)) or got == pytest.approx(expected, abs=1e-9)
        assert report.codes[k].agreement.alpha_ci.reason == CHARACTER_INTERVAL
    funding = report.codes[4].agreement
    assert funding.n_units == report.n_units == int(data.weights.sum())


# --- the figures ------------------------------------------------------------------------------


def test_per_code_figures_are_the_agreement_of_the_arrays(study):
    scope = Scope(coders=("ana", "ben"))
    data = reliability_data(study, scope)
    report = reliability(study, scope, resamples=200, seed=3)
    expected = code_agreement(data.present, data.reviewed, resamples=200, seed=3)
    assert [r.agreement for r in report.codes] == expected
    funding = report.codes[4]
    assert funding.code == "need.funding"
    assert funding.agreement.applied == (2, 1)
    assert funding.agreement.disagreements == 1
    assert funding.agreement.percent_agreement.value == pytest.approx(4 / 5)


def test_partial_units_count_for_alpha_only(study):
    """cy marked one segment done: kappa's complete units are that one; alpha has all five."""
    report = reliability(study, Scope(), resamples=0)
    iterator = report.codes[1].agreement
    assert iterator.n_units == 1 and iterator.n_pairable == 5
    matrix = np.array([[1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [1, nan, nan, nan, nan]])
    assert iterator.krippendorff_alpha.value == pytest.approx(
        krippendorff.alpha(matrix, level_of_measurement="nominal"), abs=1e-12
    )
    assert iterator.cohen_kappa.value is None
    assert iterator.cohen_kappa.reason.startswith("undefined for 3 of 3 coder pairs")


def test_groups(study):
    report = reliability(study, Scope(coders=("ana", "ben")), resamples=100)
    need, archetype = sorted(report.groups, key=lambda g: g.group, reverse=True)
    assert need.exclusive and need.group == "need"
    # need as one variable: none / connectors / funding per segment, ana then ben
    ana = [0, 2, 0, 2, 0]
    ben = [0, 2, 0, 1, 0]
    expected = krippendorff.alpha(np.array([ana, ben]), level_of_measurement="nominal")
    assert need.agreement.krippendorff_alpha.value == pytest.approx(expected, abs=1e-12)
    assert need.agreement.cohen_kappa.value is not None
    sets = [
        [
            {"archetype.connector", "archetype.iterator"},
            set(),
            set(),
            set(),
            {"archetype.connector"},
        ],
        [{"archetype.iterator"}, set(), set(), set(), {"archetype.connector"}],
    ]
    assert archetype.agreement.krippendorff_alpha == alpha(sets, "masi")
    assert archetype.agreement.percent_agreement.value == pytest.approx(4 / 5)
    assert archetype.agreement.cohen_kappa.value is None
    assert "non-exclusive" in archetype.agreement.cohen_kappa.reason


def test_exclusive_group_with_two_codes_on_a_unit_is_undefined(study):
    segment = ids(study)["p1", 4]
    for code_id in ("need.connectors", "need.funding"):  # as a careless import might leave it
        study.db.execute(
            "INSERT INTO codings (segment_id, code_id, coder, provenance, codebook_version, "
            "created_at) VALUES (?, ?, 'ana', 'imported', 1, 'now')",
            [segment.id, code_id],
        )
    report = reliability(study, Scope(coders=("ana", "ben")), resamples=0)
    need = next(g for g in report.groups if g.group == "need")
    assert need.agreement.krippendorff_alpha.value is None
    assert "two or more codes of this exclusive group" in need.agreement.krippendorff_alpha.reason


def test_overall_and_pairs(study):
    report = reliability(study, Scope(), resamples=100)
    assert [p.coders for p in report.pairs] == [("ana", "ben"), ("ana", "cy"), ("ben", "cy")]
    pair = reliability(study, Scope(coders=("ana", "ben")), resamples=100)
    assert report.pairs[0].agreement == pair.overall
    data = reliability_data(study, Scope(coders=("ana", "ben")))
    flat = np.where(data.reviewed[:, :, None], data.present, nan).reshape(2, -1)
    assert pair.overall.krippendorff_alpha.value == pytest.approx(
        krippendorff.alpha(flat, level_of_measurement="nominal"), abs=1e-12
    )


def test_explain_code(study):
    found = explain_code(study, Scope(coders=("ana", "ben")), "funding")
    e = found.explanation
    assert e.values == ("absent", "present")
    assert e.marginals.tolist() == [7, 3]
    assert e.alpha.value == pytest.approx(
        reliability(study, Scope(coders=("ana", "ben")), resamples=0)
        .codes[4]
        .agreement.krippendorff_alpha.value
    )
    assert [found.units[i].ordinal for i, _ in e.units] == [2, 3, 4, 2, 3]


def test_band():
    assert [band(v) for v in (0.9, 0.8, 0.7, 0.2, None)] == [
        "reliable",
        "reliable",
        "tentative",
        "unreliable",
        "undefined",
    ]


def test_model_as_one_more_coder(study, monkeypatch):
    import qualcode.suggest

    def fake(project, segment_ids):
        return {sid: {"need.funding"} for sid in segment_ids}

    monkeypatch.setattr(qualcode.suggest, "predict_codes", fake)
    report = reliability(study, Scope(coders=("ana", "ben"), with_model=True), resamples=0)
    assert report.coders == ["ana", "ben", "model"]
    assert report.codes[4].agreement.applied == (2, 1, 5)


# --- disagreements and reconciliation ---------------------------------------------------------


def test_disagreements_list_codes_memos_and_notes(study):
    found = disagreements(study, Scope(coders=("ana", "ben")))
    assert [(d.transcript, d.ordinal, d.disputed) for d in found] == [
        ("p1", 2, ["archetype.connector"]),
        ("p2", 2, ["need.connectors", "need.funding"]),
    ]
    ana, ben = found[0].coders
    assert ana.codes == ["archetype.connector", "archetype.iterator"]
    assert ana.memos == {"archetype.connector": "big picture"}
    assert found[1].coders[1].note == "not sure"
    only_funding = disagreements(study, Scope(coders=("ana", "ben"), codes=("funding",)))
    assert [(d.ordinal, d.disputed) for d in only_funding] == [(2, ["need.funding"])]


def test_reconcile_takes_a_coder_both_or_neither(study):
    scope = Scope(coders=("ana", "ben"))
    assert reconcile_agreed(study, scope) == 3
    p1, p2 = disagreements(study, scope)
    assert reconcile(study, p1, "ben", scope=scope) == ["archetype.iterator"]
    mine = {(c.ordinal, c.code_id, c.span) for c in list_codings(study, coder="consensus")}
    assert (2, "archetype.iterator", (0, 32)) in mine  # ben's span is copied
    assert reconcile(study, p1, "both", scope=scope, memo="both apply") == [
        "archetype.iterator",
        "archetype.connector",
    ]
    mine = {(c.ordinal, c.code_id, c.span) for c in list_codings(study, coder="consensus")}
    assert (2, "archetype.iterator", None) in mine and (
        2,
        "archetype.iterator",
        (0, 32),
    ) not in mine
    assert segment_memos(study, "p1", "consensus") == {2: "both apply"}
    with pytest.raises(QualcodeError, match="exclusive group need"):
        reconcile(study, p2, "both", scope=scope)
    assert reconcile(study, p2, "neither", scope=scope) == []
    assert all(c.provenance == "consensus" for c in list_codings(study, coder="consensus"))
    assert all(d.decided for d in disagreements(study, scope))
    assert reliability(study, Scope()).coders == ["ana", "ben", "cy"]  # consensus stays out


def test_reconcile_all_and_decisions_file(study, tmp_path):
    scope = Scope(coders=("ana", "ben"))
    path = tmp_path / "decisions.csv"
    path.write_text("transcript,segment,take,memo\np1,2,ana,ana saw it\np2,9,ben,\n")
    with pytest.raises(QualcodeError, match=r"decisions.csv:3: p2 segment 9 is not a disag"):
        apply_decisions(study, scope, read_decisions(path), path)
    assert list_codings(study, coder="consensus") == []  # all or nothing
    path.write_text("transcript,segment,take,memo\np1,2,ana,ana saw it\n")
    assert apply_decisions(study, scope, read_decisions(path), path) == 1
    assert reconcile_all(study, scope, "ben") == 1
    codes = {
        (c.transcript_id, c.ordinal, c.code_id) for c in list_codings(study, coder="consensus")
    }
    assert codes == {
        ("p1", 2, "archetype.iterator"),
        ("p1", 2, "archetype.connector"),
        ("p2", 2, "need.connectors"),
    }
    with pytest.raises(QualcodeError, match="take must be one of ana, ben, both, neither"):
        reconcile(study, compare_segments(study, scope)[0], "cy", scope=scope)


# --- the command line -------------------------------------------------------------------------


def test_agree_json_has_stable_keys_and_reasons(study, cli):
    result = cli(
        "agree", "--project", study.folder, "--coders", "ana,ben", "--json", "--resamples", "50"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "unit",
        "coders",
        "n_units",
        "codes",
        "groups",
        "overall",
        "pairs",
        "reading",
    }
    early = next(c for c in data["codes"] if c["code"] == "archetype.iterator.early")
    for key in (
        "code",
        "group",
        "n_units",
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "krippendorff_alpha",
        "alpha_ci95",
        "gwet_ac1",
        "brennan_prediger",
        "applied",
        "disagreements",
        "reasons",
    ):
        assert key in early
    assert early["cohen_kappa"] is None
    assert early["reasons"]["cohen_kappa"] == "no coder applied it on the 5 units compared"
    assert early["applied"] == {"ana": 0, "ben": 0}


def test_agree_table_and_reading(study, cli):
    result = cli("agree", "--project", study.folder, "--coders", "ana,ben", "--resamples", "0")
    assert result.exit_code == 0
    assert "Agreement per code" in result.stdout
    assert "Of 5 codes" in result.stdout and "cannot be judged" in result.stdout
    explained = cli(
        "agree", "--project", study.folder, "--coders", "ana,ben", "--explain", "funding"
    )
    assert "Coincidence matrix" in explained.stdout
    assert "p2 segment 2: ana=present, ben=absent" in explained.stdout
    bad = cli("agree", "--project", study.folder, "--unit", "word")
    assert bad.exit_code != 0


def test_disagreements_csv_round_trip(study, cli, tmp_path):
    result = cli("disagreements", "--project", study.folder, "--coders", "ana,ben", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["transcript"], r["segment"], r["disputed"]) for r in rows] == [
        ("p1", "2", "archetype.connector"),
        ("p2", "2", "need.connectors; need.funding"),
    ]
    assert rows[0]["memos:ana"] == "archetype.connector: big picture"
    rows[0]["take"], rows[1]["take"] = "both", "ben"
    path = tmp_path / "filled.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = cli("reconcile", "--project", study.folder, "--coders", "ana,ben", "--decisions", path)
    assert done.exit_code == 0, done.output
    assert "3 agreed segments copied" in done.stdout and "2 disagreements decided" in done.stdout
    assert len(list_codings(study, coder="consensus")) == 5


def test_reconcile_take_from_the_command_line(study, cli):
    result = cli(
        "reconcile",
        "--project",
        study.folder,
        "--coders",
        "ana,ben",
        "--take",
        "ana",
        "--as",
        "final",
    )
    assert result.exit_code == 0, result.output
    assert {c.coder for c in list_codings(study)} >= {"final"}
    listed = cli("disagreements", "--project", study.folder, "--coders", "ana,ben", "--json")
    assert [d["decided"] for d in json.loads(listed.stdout)] == [False, False]  # as consensus


# --- the reconcile app ------------------------------------------------------------------------


async def test_reconcile_app_walks_the_disagreements(study):
    scope = Scope(coders=("ana", "ben"))
    app = ReconcileApp(study, scope, "consensus")
    async with app.run_test() as pilot:
        assert "p1 segment 2 (1 of 2 open)" in str(app.query_one("#where").content)
        await pilot.press("j", "k")  # skip ahead and back
        await pilot.press("2")  # take ben's
        assert "p2 segment 2 (1 of 1 open)" in str(app.query_one("#where").content)
        await pilot.press("b")  # both: two codes of an exclusive group, refused
        assert "exclusive group need" in str(app.query_one("#status").content)
        await pilot.press("m", *"ben is right", "enter", "2")
        assert "No open disagreements" in str(app.query_one("#where").content)
        await pilot.press("q")
    assert app.return_value == 2
    codes = {
        (c.transcript_id, c.ordinal, c.code_id) for c in list_codings(study, coder="consensus")
    }
    assert codes == {("p1", 2, "archetype.iterator"), ("p2", 2, "need.connectors")}
    assert segment_memos(study, "p2", "consensus") == {2: "ben is right"}
    again = ReconcileApp(study, scope, "consensus")
    assert again.open == []  # resumes with nothing left
