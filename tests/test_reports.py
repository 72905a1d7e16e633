"""Synthesis reports on the shared coded study: frequencies, cross-tabs, co-occurrence,
excerpts and the HTML report, through the library and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from builders import add_transcript
from test_export import coded_study

from qualcode.coding import apply_code, set_transcript_done
from qualcode.errors import QualcodeError
from qualcode.export import ALL_CODINGS, make_filter
from qualcode.reports import (
    agreement_rows,
    cooccurrence,
    crosstab,
    dimension,
    excerpts,
    frequencies,
    html_report,
    ranking_text,
)


@pytest.fixture
def study(project):
    return coded_study(project)


def _counts(rows):
    return {(r.code, r.key): (r.excerpts, r.transcripts, r.codings) for r in rows}


def test_frequencies_count_a_segment_once_per_code_whoever_coded_it(study):
    counts = _counts(frequencies(study, ALL_CODINGS))
    assert counts[("archetype.connector", None)] == (3, 3, 5)
    assert counts[("need.funding", None)] == (3, 3, 5)
    assert counts[("need.connectors", None)] == (1, 1, 1)
    assert counts[("archetype.iterator.early", None)] == (1, 1, 1)
    assert len(counts) == 5  # every code, zeros included
    ben = _counts(frequencies(study, make_filter(study, coder="ben")))
    assert ben[("archetype.connector", None)] == (1, 1, 1)
    assert ben[("need.connectors", None)] == (0, 0, 0)


def test_frequencies_by_coder_transcript_and_attribute(study):
    by_coder = _counts(frequencies(study, ALL_CODINGS, "coder"))
    assert by_coder[("archetype.connector", "ana")] == (3, 3, 3)
    assert by_coder[("archetype.connector", "consensus")] == (1, 1, 1)
    assert ("need.connectors", "ben") not in by_coder
    by_transcript = _counts(frequencies(study, ALL_CODINGS, "transcript"))
    assert by_transcript[("need.funding", "p01")] == (1, 1, 2)
    by_org = _counts(frequencies(study, ALL_CODINGS, "attr:org_type"))
    assert by_org[("need.funding", "scaling_lab")] == (2, 2, 4)
    assert by_org[("need.funding", "small_org")] == (1, 1, 1)
    with pytest.raises(QualcodeError, match="no transcript has the attribute 'sector'"):
        frequencies(study, ALL_CODINGS, "attr:sector")
    with pytest.raises(QualcodeError, match="--by must be"):
        frequencies(study, ALL_CODINGS, "speaker")


def test_crosstab_of_an_attribute_and_a_group_ranks_like_the_published_table(study):
    table = crosstab(study, ALL_CODINGS, "org_type", "need")
    assert table.rows.kind == "attribute" and table.rows.values == ("scaling_lab", "small_org")
    cell = table.cells["scaling_lab", "need.funding"]
    assert (cell.transcripts, cell.excerpts) == (2, 2)
    assert table.row_totals["scaling_lab"].transcripts == 2  # interviewees of that org type
    ranked = dict(table.ranking())
    assert [c.column for c in ranked["scaling_lab"]] == ["need.funding", "need.connectors"]
    assert ranking_text(table, ranked["scaling_lab"]) == \
        "funding (2 transcripts, 2 excerpts) > connectors (1, 1)"
    assert [c.column for c in ranked["small_org"]] == ["need.funding"]


def test_crosstab_of_two_groups_needs_both_codes_on_one_segment(study):
    table = crosstab(study, ALL_CODINGS, "archetype", "need")
    assert table.cells["archetype.connector", "need.connectors"].excerpts == 1
    assert table.cells["archetype.connector", "need.funding"].excerpts == 1  # p03 #2
    assert table.cells["archetype.iterator", "need.funding"].excerpts == 1  # p01 #2
    assert table.cells["archetype.iterator.early", "need.funding"].excerpts == 0


def test_a_dimension_is_a_group_first_then_an_attribute(study):
    assert dimension(study, "need").kind == "group"
    assert dimension(study, "attr:org_type").kind == "attribute"
    assert dimension(study, "org_type").kind == "attribute"  # no group has that id
    with pytest.raises(QualcodeError, match="neither a code group nor a transcript attribute"):
        dimension(study, "sector")
    with pytest.raises(QualcodeError, match="must be a code group"):
        crosstab(study, ALL_CODINGS, "need", "org_type")
    with study.transaction():
        study.db.execute("UPDATE transcripts SET attributes = json_set(attributes, '$.need', "
                         "'x')")
    assert dimension(study, "need").kind == "group"
    assert dimension(study, "attr:need").values == ("x",)


def test_cooccurrence_counts_and_jaccard(study):
    result = cooccurrence(study, ALL_CODINGS)
    pair = result.pair("archetype.iterator", "need.funding")
    assert (pair.excerpts, pair.transcripts) == (1, 1)
    assert pair.jaccard == pytest.approx(1 / 4)  # iterator on 2 segments, funding on 3
    assert result.pair("archetype.connector", "archetype.iterator.early").excerpts == 1
    assert result.pair("archetype.iterator", "need.connectors") is None
    grouped = cooccurrence(study, make_filter(study, group="need"))
    assert grouped.pairs == [] and grouped.codes == ["need.connectors", "need.funding"]


def test_cooccurrence_of_overlapping_spans(project):
    [segment] = add_transcript(project, "t", [("Participant", "first half, second half")])
    apply_code(project, segment.id, "connector", "ana", span=(0, 10))
    apply_code(project, segment.id, "iterator", "ana", span=(12, 23))
    apply_code(project, segment.id, "funding", "ana")
    assert len(cooccurrence(project, ALL_CODINGS).pairs) == 3
    overlapping = cooccurrence(project, ALL_CODINGS, overlap=True)
    assert {(p.a, p.b) for p in overlapping.pairs} == {
        ("archetype.connector", "need.funding"), ("archetype.iterator", "need.funding")}


def test_excerpts_behind_a_claim(study):
    funding = excerpts(study, ALL_CODINGS, "funding")
    assert [(x.transcript, x.segment, x.coders) for x in funding] == [
        ("p01", 2, ("ana", "ben")), ("p02", 2, ("ana", "ben")), ("p03", 2, ("ben",))]
    assert funding[1].memos == ("money, not people",)
    assert funding[1].text == study.transcript("p02").text[funding[1].start:funding[1].end]
    both = excerpts(study, ALL_CODINGS, "connector", also=("funding",))
    assert [(x.transcript, x.text, x.coders) for x in both] == [
        ("p03", study.segment("p03", 2).text, ("consensus",)), ("p03", "=SUM(A1)", ("ana",))]
    lab = excerpts(study, ALL_CODINGS, "connector", attributes={"org_type": "scaling_lab"})
    assert {x.transcript for x in lab} == {"p01", "p02"}
    assert excerpts(study, ALL_CODINGS, "connector", attributes={"size": "8"})[0].segment == 2


def test_cli_reports_in_table_json_and_csv(study, cli):
    where = ("--project", study.folder)
    ranked = cli("report", "crosstab", "org_type", "need", "--rank", *where)
    assert ranked.exit_code == 0
    assert "scaling_lab: funding (2 transcripts, 2 excerpts) > connectors (1, 1)" in \
        " ".join(ranked.stdout.split())
    data = json.loads(cli("report", "crosstab", "org_type", "need", "--rank", "--json",
                          *where).stdout)
    assert data["ranking"][0]["ranked"][0] == {"row": "scaling_lab", "column": "need.funding",
                                               "transcripts": 2, "excerpts": 2}
    rows = list(csv.DictReader(io.StringIO(cli("report", "crosstab", "org_type", "need",
                                               "--rank", "--csv", *where).stdout)))
    assert {"row": "scaling_lab", "column": "need.connectors", "transcripts": "1",
            "excerpts": "1", "rank": "2"} in rows
    freq = json.loads(cli("report", "frequencies", "--by", "coder", "--json", *where).stdout)
    assert {"code": "need.funding", "group": "need", "label": "Funding", "key": "ben",
            "excerpts": 3, "transcripts": 3, "codings": 3} in freq["rows"]
    table = cli("report", "frequencies", "--consensus", *where)
    assert table.exit_code == 0 and "consensus codings only" in table.stdout
    pairs = list(csv.DictReader(io.StringIO(cli("report", "cooccurrence", "--csv",
                                                *where).stdout)))
    assert pairs[0].keys() == {"a", "b", "excerpts", "transcripts", "jaccard"}
    quotes = cli("report", "excerpts", "funding", "--and", "iterator", "--attr",
                 "org_type=scaling_lab", *where)
    assert "run fast experiments" in quotes.stdout and "1 excerpt;" in quotes.stdout
    assert cli("report", "frequencies", "--json", "--csv", *where).exit_code == 1
    assert "every coder's" in cli("report", "crosstab", "--help").stdout


def test_html_report_is_self_contained_and_escaped(study, cli, tmp_path):
    segments = add_transcript(study, "p04", [("Participant", "<script>alert('x')</script> & co")],
                              {"org_type": "<b>lab</b>"})
    apply_code(study, segments[0].id, "funding", "ana")
    page = html_report(study, ALL_CODINGS, crosstabs=[("org_type", "need")], top=10)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;lab&lt;/b&gt;" in page and "<b>lab</b>" not in page
    assert not re.search(r"(?i)(https?:|//[a-z]|<link|@import|url\()", page)
    for heading in ("Codebook", "Frequencies", "Cross-tabs", "Co-occurrence",
                    "Top excerpts per code"):
        assert f"<h2>{heading}</h2>" in page
    assert "Conceptual thinkers who bridge theory and experiments." in page
    assert "funding (2 transcripts, 2 excerpts) &gt; connectors (1, 1)" in page
    target = tmp_path / "report.html"
    result = cli("report", "html", target, "--crosstab", "org_type:need", "--top", "1",
                 "--project", study.folder)
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert cli("report", "html", target, "--crosstab", "need", "--project",
               study.folder).exit_code == 1


def test_html_report_has_agreement_once_two_coders_reviewed(study):
    page = html_report(study, ALL_CODINGS)
    assert "<h2>Agreement</h2>" in page and "Not computed: agreement needs two" in page
    for tid in ("p01", "p02", "p03"):
        for coder in ("ana", "ben"):
            set_transcript_done(study, tid, coder)
    rows, note = agreement_rows(study)
    assert note.startswith("Coders ana, ben; 6 segments")
    connector = next(r for r in rows if r["code"] == "archetype.connector")
    assert connector["percent_agreement"] == pytest.approx(4 / 6)
    page = html_report(study, ALL_CODINGS)
    assert "Krippendorff&#x27;s α" in page and "<td>all codes</td>" in page


def test_html_report_leaves_agreement_out_for_one_coder(project):
    [segment] = add_transcript(project, "solo", [("Participant", "Only one coder here.")])
    apply_code(project, segment.id, "funding", "ana")
    assert "Agreement" not in html_report(project, ALL_CODINGS)
