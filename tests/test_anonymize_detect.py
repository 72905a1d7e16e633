"""Detection without a project: patterns, roster, misspellings, unknown names, candidates."""

from __future__ import annotations

import pytest

from qualcode.anonymize import DETECTORS, Detector, Roster, RosterEntry, load_roster
from qualcode.anonymize.patterns import find_patterns
from qualcode.anonymize.text import unwrap
from qualcode.anonymize.trie import trie_pattern

ROSTER = Roster([
    RosterEntry("Marisol Okafor", "PERSON", ("Mari",)),
    RosterEntry("Dana Whitcombe", "PERSON"),
    RosterEntry("Dana Reyes", "PERSON"),
    RosterEntry("Hope Castellan", "PERSON"),
    RosterEntry("Northwind Labs", "ORG", ("NWL",)),
    RosterEntry("Project Cinderbox", "PROJECT"),
])


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(ROSTER, allow=["Connector", "Iterator", "Amplifier"])


@pytest.fixture
def rules() -> Detector:
    """The rules alone, without the learned look at what they keep and queue."""
    return Detector(ROSTER, allow=["Connector", "Iterator", "Amplifier"],
                    detectors=[d for d in DETECTORS if d != "learned"])


def found(detector: Detector, text: str) -> dict[str, tuple[str, str]]:
    """{replaced text: (kind, detector)}."""
    return {text[s.start:s.end]: (s.kind, s.detector) for s in detector.detect(text).spans}


def kinds(detector: Detector, text: str) -> dict[str, str]:
    """{replaced text: kind}."""
    return {k: kind for k, (kind, _) in found(detector, text).items()}


def queued(detector: Detector, text: str) -> list[str]:
    return [text[c.start:c.end] for c in detector.detect(text).candidates]


@pytest.mark.parametrize("text, expected", [
    ("write to dana.whitcombe@northwind-labs.org today", "dana.whitcombe@northwind-labs.org"),
    ("or dana [at] example [dot] org", "dana [at] example [dot] org"),
    ("see https://example.org/team?id=3.", "https://example.org/team?id=3"),
    ("see www.example.org/about, then", "www.example.org/about"),
    ("on github.com/northwind/evals now", "github.com/northwind/evals"),
    ("ping @dana_w on the forum", "@dana_w"),
    ("call +44 20 7946 0958 now", "+44 20 7946 0958"),
    ("call (555) 014-2231 now", "(555) 014-2231"),
    ("call 07700 900123 now", "07700 900123"),
    ("at 14 Larkspur Lane in town", "14 Larkspur Lane"),
])
def test_patterns(text, expected):
    assert [text[s.start:s.end] for s in find_patterns(text)] == [expected]


@pytest.mark.parametrize("text", [
    "between 2019-2021 we grew to 10-30 FTE",
    "at 00:12:31 on 2023-04-01 with version 2.3.1",
    "from 2019 2020 2021 onwards, about 1,000,000 dollars",
    "an e.g. or i.e. and Node.js",
])
def test_patterns_leave_numbers_and_dates(text):
    assert find_patterns(text) == []


def test_trie_pattern_prefers_the_longest():
    import re

    pattern = re.compile(r"\b(?:" + trie_pattern(["dan", "dana", "dana okafor"]) + r")\b")
    assert pattern.findall("dana okafor, dana, dan, danai") == ["dana okafor", "dana", "dan"]


def test_roster_forms(detector):
    text = ("Marisol's team. Okafor said M. Okafor and M.O. agree; mari too. "
            "MARISOL OKAFOR signed. Dana Whitcombe and Whitcombe too.")
    hits = found(detector, text)
    for surface in ("Marisol", "Okafor", "M. Okafor", "M.O.", "mari", "MARISOL OKAFOR",
                    "Dana Whitcombe", "Whitcombe"):
        assert hits[surface] == ("PERSON", "roster"), surface


def test_roster_orgs_and_projects(detector):
    hits = found(detector, "Northwind Labs, then Northwind, then NWL, and Project Cinderbox.")
    assert hits["Northwind Labs"] == ("ORG", "roster")
    assert hits["Northwind"] == ("ORG", "roster")
    assert hits["NWL"] == ("ORG", "roster")
    assert hits["Project Cinderbox"] == ("PROJECT", "roster")


def test_ambiguous_first_name_goes_to_the_last_full_mention(detector):
    text = "Dana Reyes joined. Later Dana said no. Dana Whitcombe agreed, and Dana left."
    spans = detector.detect(text).spans
    danas = [s for s in spans if text[s.start:s.end] == "Dana"]
    assert [s.entity for s in danas] == ["dana reyes", "dana whitcombe"]
    assert all(s.confidence < 1 for s in danas)


def test_common_word_parts_only_count_capitalized_mid_sentence(detector):
    text = "I hope so. Hope disagreed. We asked Hope about it."
    hits = found(detector, text)
    assert list(hits) == ["Hope"] and text.count("Hope") == 2
    assert detector.detect(text).spans[0].start == text.rindex("Hope")


@pytest.mark.parametrize("misspelled", ["Okafur", "Okafro", "Whitcomb", "Marisole"])
def test_misspellings_of_roster_names(detector, misspelled):
    text = f"Yesterday I talked to {misspelled} about it."
    spans = detector.detect(text).spans
    assert [(text[s.start:s.end], s.detector) for s in spans] == [(misspelled, "fuzzy")]


def test_misspelled_surname_next_to_a_first_name_even_when_a_word():
    roster = Roster([RosterEntry("Gwendolyn Pryce", "PERSON")])
    text = "Gwendolyn Price runs the fellowship."
    spans = Detector(roster).detect(text).spans
    assert [(text[s.start:s.end], s.entity) for s in spans] == [
        ("Gwendolyn Price", "gwendolyn pryce")]


@pytest.mark.parametrize("text", [
    "We need more Iterators and Connectors than Amplifiers.",
    "Honestly, that was in March, on a Monday, in Germany.",
    "We use PyTorch, JAX and Python on a Slurm cluster with GPUs.",
    "Okay. So. Yeah, the Department of Computer Science does not teach RLHF.",
    "It's a Whitcomb-style tradeoff, the Dance of the Okay.",
])
def test_hard_negatives_survive(detector, text):
    assert found(detector, text) == {} or all(
        k not in ("Iterators", "Connectors", "Amplifiers", "March", "Monday", "Germany",
                  "PyTorch", "JAX", "Python", "GPUs", "RLHF", "Okay", "Dance")
        for k in found(detector, text))


@pytest.mark.parametrize("text, name, kind", [
    ("My colleague Tobias Brandt designed it.", "Tobias Brandt", "PERSON"),
    ("It was Dr. Lindqvist who advised us.", "Lindqvist", "PERSON"),
    ("She was at the Halcyon Institute before.", "Halcyon Institute", "ORG"),
    ("He studied at the University of Eastbrook then.", "University of Eastbrook", "ORG"),
    ("We got a grant from the Copperleaf Foundation.", "Copperleaf Foundation", "ORG"),
    ("She joined Quillfeather last year.", "Quillfeather", "ORG"),
    ("In the end Okonkwo said yes.", "Okonkwo", "PERSON"),
    ("They are based in Tarrowby now.", "Tarrowby", "PLACE"),
    ("I think Priya would agree.", "Priya", "PERSON"),
    ("Tools from companies like Zentrova help.", "Zentrova", "ORG"),
    # allowed words inside a name, a speaker label left in the text, a dash before a name
    ("Before that I worked at GitHub for a while.", "GitHub", "ORG"),
    ("He is the founder of Quiet Lantern now.", "Quiet Lantern", "ORG"),
    ("She got a job at a place called The Lantern.", "The Lantern", "ORG"),
    ("with the inspiration of John Holland, my advisor", "John Holland", "PERSON"),
    ("this is the podcast of Tavrin Nash, welcome", "Tavrin Nash", "PERSON"),
    ("Tobi: I agree with that.", "Tobi", "PERSON"),
    ("I had two supervisors---Dave Marloweth and others.", "Dave Marloweth", "PERSON"),
    # an apostrophe inside a name; speech-to-text's lower case beside a name
    ("Here are your hosts Tobi Nash and L’erin Quist.", "L’erin Quist", "PERSON"),
    ("I'm your host, priya Tarrowby. Let's dig in.", "priya Tarrowby", "PERSON"),
    # a first name that is also a word, with a surname, at a sentence start; a judge
    ("Bill Sullivan came in late.", "Bill Sullivan", "PERSON"),
    ("The Hon. Quist presiding.", "Quist", "PERSON"),
    ("I am interviewing Bill Quist for the Halden Gazette today.", "Bill Quist", "PERSON"),
    ("Joining us today is Ariana okonkwovic, a software engineer.", "Ariana okonkwovic",
     "PERSON"),
])
def test_unknown_names(detector, text, name, kind):
    assert found(detector, text).get(name, (None,))[0] == kind


@pytest.mark.parametrize("text, name", [
    # ordinary words with capitals where an employer goes
    ("Before that I worked at Happy Door for two years.", "Happy Door"),
    ("I was working for Green Field back then.", "Green Field"),
    ("The startup was acquired by Open Door two years ago.", "Open Door"),
    ("It is the venture arm of Green Field these days.", "Green Field"),
    ("This episode is brought to you by Quiet Lantern.", "Quiet Lantern"),
    # an institution named in ordinary words, or around an allowed word
    ("She moved to the Center for Open Minds in the spring.", "Center for Open Minds"),
    ("He wrote for the New York Gazette for years.", "New York Gazette"),
    ("Members of the Chinese Harvest Party disagreed.", "Chinese Harvest Party"),
    ("The Center for Open Minds. That is where I was.", "Center for Open Minds"),
    ("The Daily Tribune ran the story.", "Daily Tribune"),
    ("She is a researcher at the Ethics of AI Program now.", "Ethics of AI Program"),
    ("Hello from the Center for Land, Water, & the Sky at the U.",
     "Center for Land, Water, & the Sky"),
    # an employer's place, a band's member, a name given, a person's organization
    ("I am interning at The Beach House Studios, near the beach house studios.",
     "The Beach House Studios"),
    ("I spoke to Tobi Nash, the drummer of Open Door, about touring.", "Open Door"),
    ("She got a job at a startup called Open Door.", "Open Door"),
    ("She teamed up with Alison Quist of the Politics of Food to start it.",
     "Politics of Food"),
    # museums, archives, courts and services; institutions of two things joined before
    ("Our art is modern. She is at the Archives of Modern Art.", "Archives of Modern Art"),
    ("We run the Science and Technology Museum here.", "Science and Technology Museum"),
    ("I applied to the Public Defender Service, a public defender service.",
     "Public Defender Service"),
    ("He went down to the Supreme Judicial Court in an hour.", "Supreme Judicial Court"),
    # an acronym's possessive, though a file name has it in lower case
    ("Default image - kvqd.jpg. Now in its 28th year, KVQD's program grew.", "KVQD"),
    # the second of two, or of a list, shares the kind of the first
    ("She was VP at Zentrova and Spring as well.", "Spring"),
    ("Ex Zentrova, Square, Quillfeather, KVQ.", "KVQ"),
    # how brands are written, and the words around a name
    ("We built it with the DeepWidget folks.", "DeepWidget"),
    ("The Brindlewick team shipped it.", "Brindlewick"),
    ("That was Ostrava, a startup from the north.", "Ostrava"),
])
def test_organizations_in_ordinary_words_and_contexts(detector, text, name):
    assert found(detector, text).get(name, (None,))[0] == "ORG"


def test_contractions_and_lower_case_words_beside_a_name_are_not_names(detector):
    assert found(detector, "Y’all know I’ve been there. C'mon, G'day to you.") == {}
    assert list(found(detector, "Later, Priya said it and thanked Okonkwo anyway.")) == [
        "Priya", "Okonkwo"]


def test_degrees_denominations_diseases_and_episodes_stay(detector):
    text = "I got my Master's and a Ph.D. at a Presbyterian school, then COVID's lockdowns came."
    assert found(detector, text) == {}
    text = "Dana Quist, MD: This is Episode 12, on World War II."
    assert not {"MD", "Episode", "World War II", "War"} & set(found(detector, text))


def test_a_word_in_a_file_name_is_no_ordinary_use(detector):
    # "lauren" of the file name does not make "Lauren" a word, and it is her name, too.
    text = "![Lauren Quist at her desk](lauren.jpg)\n\nLauren- I cannot thank you enough."
    assert list(found(detector, text)) == ["Lauren Quist", "lauren", "Lauren"]


def test_the_words_around_a_name_stop_at_the_sentence(detector):
    # "wife" ends the sentence before: it says nothing of "Prior".
    text = "He lives with his wife. Prior to that, Quinn built tools at Dr. Quist's lab."
    assert kinds(detector, text) == {"Quinn": "PERSON", "Quist": "PERSON"}


def test_tools_stay_where_they_are_tools(detector):
    assert found(detector, "We had a Zoom call and then talked on Slack.") == {}


def test_media_platforms_are_organizations_but_working_tools_stay(detector):
    text = "I posted it on LinkedIn and YouTube, and the code is on GitHub."
    assert kinds(detector, text) == {"LinkedIn": "ORG", "YouTube": "ORG"}


def test_an_acronym_of_a_name_found_is_the_same_organization(detector):
    texts = ["She worked at the Center for Bright Futures until 2020.",
             "Back then CBF had two staff."]
    detections = detector.detect_all(texts)
    assert [(texts[1][s.start:s.end], s.entity) for s in detections[1].spans] == [
        ("CBF", "center for bright futures")]


@pytest.mark.parametrize("text", [
    "She is our Head of Research and the Director of Policy.",
    "The Research Group and the Department of Computer Science met.",
    "It was a lesson from Experience, not a Great Idea.",
    "My guest is the Executive Director of Research at 2,000 Lanterns.",
    "She is a Professor of Astronomy, and most schools in the United States have one.",
])
def test_roles_and_generic_units_are_not_replaced(detector, text):
    assert found(detector, text) == {}


def test_a_state_after_a_town_is_no_name(detector):
    assert "NY" not in kinds(detector, "She weaves in Quillport, NY. Come and see.")
    assert "CA" not in kinds(detector, "QUILLPORT, CA--The weavers met today.")
    text = "She moved to Quillport, Fla., last year."
    assert "Fla" not in kinds(detector, text) and queued(detector, text) == []


def test_words_shouted_in_capitals_are_no_name_but_acronyms_still_are(detector):
    text = "THIS IS A RUSH TRANSCRIPT, SO CHECK IT BEFORE QUOTING."
    assert kinds(detector, text) == {} and queued(detector, text) == []
    assert "NWSU" in kinds(detector, "Later he went to NWSU. He liked it.")


def test_events_prizes_and_exclamations_are_no_names(detector):
    text = ("Oh my God, we won the Halvard Cup! He sells snakes at the Quillport Animal Expo "
            "and at the Expo in May; she is an Olympic champion and has a Brightwater Award.")
    assert kinds(detector, text) == {} and queued(detector, text) == []
    # The organization that holds the event is still a name.
    text = "I had not been to a Quillport Association of Realtors Expo in years."
    assert kinds(detector, text) == {"Quillport Association of Realtors": "ORG"}


def test_letters_after_a_persons_name_are_no_more_people(detector):
    text = "Our guest is Lisa Quist, RMR, CRR, from the court."
    assert kinds(detector, text) == {"Lisa Quist": "PERSON"}
    text = "[00:47] Mirela Dunst, PharmD: Thanks for having me, and hi to Mara Quist, DNP."
    assert kinds(detector, text) == {"Mirela Dunst": "PERSON", "Mara Quist": "PERSON"}
    # One acronym after a name may be the employer: it stays a name.
    assert "NWSU" in kinds(detector, "I met Dana Quist, NWSU, at the fair.")


def test_ordinary_words_of_a_codebook_label_do_not_cut_an_organizations_name():
    detector = Detector(allow=["Organization type", "Research taste", "ML engineering"])
    text = ("She worked at the Halden Trade Organization on Research taste, then on ML "
            "engineering.")
    assert kinds(detector, text) == {"Halden Trade Organization": "ORG"}
    assert "ml" in detector.allow and "research taste" in detector.allow


def test_acronyms_and_words_english_writes_both_ways_are_queued_by_the_rules(rules):
    # English writes "bitcoin" about as often as "Bitcoin": no rule settles it (the learned
    # look weighs what the rules queue: tests/test_anonymize_second_look.py).
    text = "The KVQ people liked the Bitcoin approach."
    assert found(rules, text) == {}
    assert queued(rules, text) == ["KVQ", "Bitcoin"]


@pytest.mark.parametrize(("text", "name"), [
    ("The team liked the Brindlewick approach.", "Brindlewick"),  # a word English never uses
    ("We met someone from Gallagher about it.", "Gallagher"),  # always written Capitalized
])
def test_a_word_english_writes_only_with_a_capital_is_a_name(detector, text, name):
    assert list(found(detector, text)) == [name]


def test_a_word_english_lacks_is_a_name_though_it_opens_a_sentence(detector):
    assert list(found(detector, "We met on Monday. Quorvath will soon add a course.")) == [
        "Quorvath"]
    assert found(detector, "Holding-back works. Uh-oh! Wh-what now?") == {}


@pytest.mark.parametrize("text", [
    "All right. Hell, yeah. And Hell yeah again.",  # "Hell" is a surname too
    "I use Cash App to pay. Cash App is fine.",  # and "Cash" a first name
    "Lo and behold, it worked.",
])
def test_a_name_that_english_writes_in_lower_case_needs_more_than_its_capital(detector, text):
    assert found(detector, text) == {}


def test_a_word_used_in_lower_case_is_not_a_name(detector):
    assert found(detector, "The Lattice approach beats any other lattice we tried.") == {}


@pytest.mark.parametrize(("text", "expected"), [
    # A show or venue introduced by name, though its words are ordinary.
    ("Hello and welcome to Quiet Harbors, a show about work.", {"Quiet Harbors": "ORG"}),
    ("Hi all, this is Slow Lanes, episode four.", {"Slow Lanes": "ORG"}),
    ("She is the host of The Long Table on Sundays.", {"The Long Table": "ORG"}),
    # A speaker introducing themselves; a title written out; compact initials.
    ("Hey, I'm Brisca, and I run the lab.", {"Brisca": "PERSON"}),
    ("I asked the doctor Okonkwo about it.", {"Okonkwo": "PERSON"}),
    ("Our host J.P. Okonkwo asked.", {"J.P. Okonkwo": "PERSON"}),
    # Institutions named in ordinary words.
    ("My father was in the U.S. Army then.", {"U.S. Army": "ORG"}),
    ("She worked at the Halden Valley Museum for years.", {"Halden Valley Museum": "ORG"}),
    # An ordinary first name beside a person's.
    ("When Joe Brandt and Bill first wrote to me.", {"Joe Brandt": "PERSON", "Bill": "PERSON"}),
    # A title keeps its small words and its ordinary ones; a person's name stays a person's.
    ("Today on episode 12 of the Walking in Slow Time podcast, we ask.",
     {"Walking in Slow Time": "ORG"}),
    ("Welcome back to Notes from the Orchard. I'm Brisca.",
     {"Notes from the Orchard": "ORG", "Brisca": "PERSON"}),
    ("She hosts a podcast called In Praise of Moss about botany.", {"In Praise of Moss": "ORG"}),
    ("Subscribe to Open Doors for more.", {"Open Doors": "ORG"}),
    ("Welcome to the tinderbox podcast, everyone.", {"tinderbox": "ORG"}),
    ("Welcome to the weekly podcast, everyone.", {}),
    ("I liked the Tavrin Nash podcast a lot.", {"Tavrin Nash": "PERSON"}),
    ("We listened to the Python podcast.", {}),
    # An institution of two things is one name; a comma is no "and"; regions stay.
    ("She directs the Center for Quiet and Emerging Technology in town.",
     {"Center for Quiet and Emerging Technology": "ORG"}),
    ("I studied at the University of Halden and Tobias went elsewhere.",
     {"University of Halden": "ORG", "Tobias": "PERSON"}),
    ("He has a degree from the Halden College of the Arts.", {"Halden College of the Arts": "ORG"}),
    ("I met Ines of the Halden team there.", {"Ines": "PERSON", "Halden": "ORG"}),
    # A brand with one capital at the end; not an acronym with small letters inside.
    ("She is the CTO at RocketX now.", {"RocketX": "ORG"}),
    ("A SaaS startup in the IoT space ran a BoF session.", {}),
    ("I worked at Quillfeather, Thanks so much!", {"Quillfeather": "ORG"}),
    ("He has been based in Asia Pacific, then in Latin America.", {}),
])
def test_names_settled_by_the_words_around_them(detector, text, expected):
    assert kinds(detector, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A surname that is an allowed word, after a first name; alone, it is that word again.
    ("We spoke with Ines Slack yesterday, then posted it on Slack.", {"Ines Slack": "PERSON"}),
    ("My name is Tobin August, and we met in August.", {"Tobin August": "PERSON"}),
    # A first name that is also a word keeps its place before a middle name and a surname.
    ("**Guy Tavrel Morrow** Thanks for having me.", {"Guy Tavrel Morrow": "PERSON"}),
    # Titles.
    ("I was hired by Coach Varnell in 1990.", {"Varnell": "PERSON"}),
    ("He met Drs. Ilsa Brandt and Tomas Quist.", {"Ilsa Brandt": "PERSON",
                                                  "Tomas Quist": "PERSON"}),
    # A university with its campus; an airline; a kitchen described as a nonprofit.
    ("I taught at the University of Halden at Quist Falls for a year.",
     {"University of Halden at Quist Falls": "ORG"}),
    ("The merger with Blue Meadow Airlines closed in May.", {"Blue Meadow Airlines": "ORG"}),
    ("He founded Sunday Table Kitchen, a nonprofit, in 2010.", {"Sunday Table Kitchen": "ORG"}),
    # A government department is one body; "Office of" starts another name after "and".
    ("They worked with the Department of Transportation, and Office of Management and Budget.",
     {"Department of Transportation": "ORG", "Office of Management and Budget": "ORG"}),
    # Where a name goes, the whole run is the name, allowed words and all.
    ("She ran a nonprofit called the Ohio Civic Data Initiative for years.",
     {"Ohio Civic Data Initiative": "ORG"}),
    # Titles before "magazine" or "episode", or quoted after "episode of"; not "This episode".
    ("We read an interview in Lantern Street magazine.", {"Lantern Street": "ORG"}),
    ("In this episode of \u201cThe Long Shift,\u201d we talk. This episode is brought to you "
     "by nobody.", {"The Long Shift": "ORG"}),
    # A brand's inner capital says so at a sentence start too; a hashtag names no one.
    ("GrainLoop is our sponsor this week.", {"GrainLoop": "ORG"}),
    ("Follow #HealthcareHeroes and #FieldNotes today.", {}),
])
def test_names_whose_words_are_also_other_things(detector, text, expected):
    assert kinds(detector, text) == expected
    assert queued(detector, text) == []


@pytest.mark.parametrize(("text", "expected"), [
    # A place or people word opens an organization's name, and a place may end it.
    ("Then she joined Irish Lantern as a pilot.", {"Irish Lantern": "ORG"}),
    ("They are consultants at Brandvik Australia now.", {"Brandvik Australia": "ORG"}),
    # A first name with a place word after it: a surname or an organization, not a place.
    ("She was a nurse at Mirela Norway for years.", {"Mirela Norway": "PERSON"}),
    ("She spoke at the Nevada Lakes University Aviation job fair.",
     {"Nevada Lakes University": "ORG"}),
    # Ordinary words joined by "and" to an organization named by its last word.
    ("She toured with the Salt and Lantern Theater in May.", {"Salt and Lantern Theater": "ORG"}),
    # A local government is an employer; a possessive opens a college's name.
    ("The City of Halvard gave us a grant.", {"City of Halvard": "ORG"}),
    ("He lectured at St Odile's College Brightwater for years.",
     {"St Odile's College Brightwater": "ORG"}),
    ("We met at Quarnby's Books.", {"Quarnby's Books": "ORG"}),
    ("We met at Odile\u2019s Hat Shop.", {"Odile\u2019s Hat Shop": "ORG"}),
    # An acronym with an ampersand, or alone where an organization goes.
    ("I was head of news at Q&R Global Insights, and then I left.",
     {"Q&R Global Insights": "ORG"}),
    ("We held a Q&A about our R&D budget.", {}),
    ("Later he went to NWSU. He liked it.", {"NWSU": "ORG"}),
    # What completes a person's name after it.
    ("Photograph by Tavrin Nash, Jr. for the magazine.", {"Tavrin Nash, Jr.": "PERSON"}),
    ("We thank Ilsa B. for the photos.", {"Ilsa B.": "PERSON"}),
    # "St." inside a name, but not a street's at the end of a sentence.
    ("She shared a blog with Mirela St. Ouellin at the championship.",
     {"Mirela St. Ouellin": "PERSON"}),
    ("We lived on Quist St. The house was old.", {"Quist St": "ORG"}),
    # Peoples stay.
    ("My Spanish is a layer of Chilean with a bit of Argentine.", {}),
    # An organization named in ordinary words, where the text says it is named.
    ("He runs a company called Clarity Robotics. It builds arms.", {"Clarity Robotics": "ORG"}),
    # A brand that opens with a lower-case letter; the tech words written so stay.
    ("I manage investor relations for eVantor Holdings this year.",
     {"eVantor Holdings": "ORG"}),
    ("Listen on iBrindle and tell a friend.", {"iBrindle": "ORG"}),
    ("I read it on my iPhone in the car.", {}),
    # An acronym joined by a hyphen to another name part is one name; allowed parts stay.
    ("She organized for the KWF-TCU until the strike.", {"KWF-TCU": "ORG"}),
    ("She studied at UW-Halvard for two years.", {"UW-Halvard": "ORG"}),
    ("The US-China talks and the France-Germany border.", {}),
])
def test_what_opens_and_closes_a_name(detector, text, expected):
    assert kinds(detector, text) == expected


def test_a_name_the_corpus_mostly_capitalizes_stays_a_name_though_once_in_lower_case(detector):
    texts = ["quillmarsh hotel manager career story",
             "It is the result of a Quillmarsh career. One evening, I passed a Quillmarsh hotel. "
             "My career journey with Quillmarsh."]
    detections = detector.detect_all(texts)
    assert [texts[1][s.start:s.end] for s in detections[1].spans] == ["Quillmarsh"] * 3


def test_a_name_found_recurs_in_lower_case_but_common_words_and_roles_stay(detector):
    # Show notes name the guest; the caption below them is all in lower case.
    text = ("I am here with Tavrin Quillmarsh today. Our guest, Tavrin Quillmarsh, worked at "
            "Brindlecove and for Dean Halvard, then with Will Ostrander. Thanks, Tavrin "
            "Quillmarsh.\n\n"
            "tavrin quillmarsh  so the brindlecove job came first. the dean liked it, "
            "and i will say so.")
    spans = detector.detect_all([text])[0].spans
    lower = [(text[s.start:s.end], s.entity) for s in spans if text[s.start].islower()]
    assert lower == [("tavrin quillmarsh", "tavrin quillmarsh"), ("brindlecove", "brindlecove")]


def test_a_rare_name_a_caption_writes_in_lower_case_is_still_a_name(detector):
    # Show notes name the guest once; the caption under them writes everything in lower case.
    text = ("Our guest today is Tavrin Quillmarsh, who runs Brindlecove.\n\n"
            "tavrin quillmarsh  so brindlecove began in a garage and the dean will say so")
    spans = detector.detect_all([text])[0].spans
    assert [text[s.start:s.end] for s in spans] == [
        "Tavrin Quillmarsh", "Brindlecove", "tavrin quillmarsh", "brindlecove"]


def test_initials_that_open_lines_without_a_colon_are_that_person(detector):
    text = ("RM - Rowena Mestre\nTB - Tomas Brandt\n\nTB So, I'm here with Rowena Mestre.\n\n"
            "RM No.\n\nTB Right, okay.\n")
    spans = detector.detect_all([text])[0].spans
    assert {text[s.start:s.end]: s.entity for s in spans} == {
        "RM": "rowena mestre", "Rowena Mestre": "rowena mestre",
        "TB": "tomas brandt", "Tomas Brandt": "tomas brandt"}
    assert sum(text[s.start:s.end] in ("RM", "TB") for s in spans) == 5


def test_initials_a_transcript_defines_are_that_person_though_they_are_a_word(detector):
    # "MD" is a degree; defined as Mira Dolan's initials, it is her label.
    text = "MD - Mira Dolan\nRM - Rowena Mestre\n\nMD So, I'm here.\n\nRM No.\n\nMD Right.\n"
    spans = detector.detect_all([text])[0].spans
    assert sum(text[s.start:s.end] == "MD" for s in spans) == 3
    assert "MD" not in found(detector, "She has an MD from Halden and a PhD.")


def test_a_name_broken_across_a_wrapped_line_is_one_name(detector):
    text = ("I had started a degree in history at the Technical\n"
            "University of Halden two years before, and then I met my colleague Ines\n"
            "Albrecht there.\n")
    assert kinds(detector, text) == {"Technical\nUniversity of Halden": "ORG",
                                     "Ines\nAlbrecht": "PERSON"}


def test_unwrapping_keeps_breaks_before_blocks_and_after_short_lines():
    text = ("A long line of a wrapped paragraph that runs on to the\n"
            "next line here.\n"
            "Tobi: a label opens its own line, and so does a list item\n"
            "- like this one\n"
            "Short heading\n"
            "Text.")
    assert unwrap(text) == text.replace("the\nnext", "the next")


def test_initials_used_as_labels_in_running_text(rules):
    text = "Let us start. KT: Good, good. VR: Yes. KT: Right, thanks."
    assert kinds(rules, text) == {"KT": "PERSON"}
    assert queued(rules, text) == ["VR"]  # once is not yet a label for the rules


def test_a_name_found_once_is_replaced_everywhere_in_the_batch(detector):
    texts = ["My colleague Ines Albrecht built it.", "Albrecht liked it.",
             "Later, Ines agreed with Albrecht."]
    detections = detector.detect_all(texts)
    assert [[t[s.start:s.end] for s in d.spans] for t, d in zip(texts, detections, strict=True)] \
        == [["Ines Albrecht"], ["Albrecht"], ["Ines", "Albrecht"]]
    assert {s.entity for d in detections for s in d.spans} == {"ines albrecht"}


def test_a_longer_name_found_elsewhere_replaces_a_shorter_guess(detector):
    texts = ["### Green Change & Open Minds Center\n\nIt was a good year.",
             "I had a fellowship through the Green Change & Open Minds Center, back then."]
    detections = detector.detect_all(texts)
    assert [[t[s.start:s.end] for s in d.spans] for t, d in zip(texts, detections, strict=True)] \
        == [["Green Change & Open Minds Center"], ["Green Change & Open Minds Center"]]


def test_a_name_speech_to_text_also_wrote_in_lower_case_is_still_a_name(detector):
    text = "the founder amongst other things ken gallagher. None other than Ken Gallagher now."
    assert "Ken Gallagher" in found(detector, text)


def test_words_that_spell_a_linked_site_name_its_organization(detector):
    texts = ["Companies I like: [Table](https://www.table.co/), which makes fuel.",
             "We liked Table a lot. Our code is at https://github.com/ours on GitHub."]
    detections = detector.detect_all(texts)
    assert [[(t[s.start:s.end], s.kind) for s in d.spans if s.detector == "proper_name"]
            for t, d in zip(texts, detections, strict=True)] == [
        [("Table", "ORG")], [("Table", "ORG")]]


def test_a_first_name_that_is_a_word_is_the_person_in_mid_sentence_or_called_by_it(detector):
    texts = ["I joined Bill Thornquist's lab in 2018.",
             "Later, in Bill's lab, we wrote it. Bill me for the coffee.",
             "Bill, you were there."]
    detections = detector.detect_all(texts)
    assert [[t[s.start:s.end] for s in d.spans] for t, d in zip(texts, detections, strict=True)] \
        == [["Bill Thornquist"], ["Bill"], ["Bill"]]
    assert detections[1].spans[0].start == texts[1].index("Bill's")
    assert detections[2].spans[0].entity == "bill thornquist"


def test_a_persons_initials_used_as_a_label_are_that_person(detector):
    texts = ["An oral history of Tavrin Nash (TN), by Ines Albrecht.", "IA: Welcome. TN: Thanks."]
    detections = detector.detect_all(texts)
    assert [(texts[1][s.start:s.end], s.entity) for s in detections[1].spans] == [
        ("IA", "ines albrecht"), ("TN", "tavrin nash")]


def test_recurring_rare_capitalized_word_is_replaced(detector):
    texts = ["We talked about Brindlewick a lot.", "Then Brindlewick again, as usual."]
    detections = detector.detect_all(texts)
    assert all(len(d.spans) == 1 and not d.candidates for d in detections)


def test_known_names_come_from_the_lookup():
    known = {"zephyrine": ("ORG", "[ORG_7]")}
    detector = Detector(known=known.get)
    text = "Zephyrine funded us."
    spans = detector.detect(text).spans
    assert [(text[s.start:s.end], s.entity, s.detector) for s in spans] == [
        ("Zephyrine", "[ORG_7]", "known")]


def test_known_names_are_found_in_lower_case_but_not_words():
    # An earlier transcript knew "Tavrin Quillmarsh", "Zephyrine" and a person called Hope.
    known = {"tavrin quillmarsh": ("PERSON", "[PERSON_1]"), "zephyrine": ("ORG", "[ORG_7]"),
             "hope": ("PERSON", "[PERSON_2]")}
    text = "so tavrin quillmarsh left zephyrine, i hope."
    spans = Detector(known=known.get).detect(text).spans
    assert [(text[s.start:s.end], s.entity) for s in spans] == [
        ("tavrin quillmarsh", "[PERSON_1]"), ("zephyrine", "[ORG_7]")]


def test_speaker_names_are_found_in_the_text(detector):
    texts = ["Thanks, Ines. Albrecht is right."]
    spans = detector.detect_all(texts, names=["Ines Albrecht"])[0].spans
    assert [(s.detector, s.entity) for s in spans] == [("speaker", "ines albrecht")] * 2


def test_a_speakers_first_name_does_not_take_another_persons_name(detector):
    # The speaker "Ben" is not "Ben Golub": the whole name is a person of its own.
    text = "I met Ben Golub there. Ben Thanks, and Ben agreed."
    spans = detector.detect_all([text], names=["Ben"])[0].spans
    assert [(text[s.start:s.end], s.detector) for s in spans] == [
        ("Ben Golub", "proper_name"), ("Ben", "speaker"), ("Ben", "speaker")]


def test_load_roster_yaml_forms(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text("interviewee: Marisol Okafor\n"
                    "colleagues: [Dana Whitcombe, {name: Teodor Vance, aliases: [Teo]}]\n"
                    "employer: {name: Northwind Labs, aliases: [NWL]}\n"
                    "projects: [Lanternfish]\n", encoding="utf-8")
    roster = load_roster(path)
    assert [(e.name, e.kind, e.aliases) for e in roster.entries] == [
        ("Marisol Okafor", "PERSON", ()), ("Dana Whitcombe", "PERSON", ()),
        ("Teodor Vance", "PERSON", ("Teo",)), ("Northwind Labs", "ORG", ("NWL",)),
        ("Lanternfish", "PROJECT", ())]


def test_load_roster_list_and_csv(tmp_path):
    listed = tmp_path / "r.yml"
    listed.write_text("- {name: Ines Albrecht, type: colleague, aliases: [Ines]}\n",
                      encoding="utf-8")
    assert load_roster(listed).entries[0].kind == "PERSON"
    table = tmp_path / "r.csv"
    table.write_text("name,type,aliases\nNorthwind Labs,employer,NWL;Northwind\n",
                     encoding="utf-8")
    assert load_roster(table).entries[0].aliases == ("NWL", "Northwind")


def test_roster_errors_never_quote_the_name(tmp_path):
    from qualcode.errors import QualcodeError

    path = tmp_path / "roster.yaml"
    path.write_text("- {name: Zebulon Quarrington, type: alien}\n", encoding="utf-8")
    with pytest.raises(QualcodeError) as e:
        load_roster(path)
    assert "Zebulon" not in str(e.value) and "entry 1" in str(e.value)


def test_a_known_name_that_is_a_word_does_not_count_at_a_sentence_start():
    known = {"hope": ("PERSON", "[PERSON_2]")}
    text = "Hope that helps. We asked Hope."
    spans = Detector(known=known.get).detect(text).spans
    assert [(s.start, s.entity) for s in spans] == [(text.rindex("Hope"), "[PERSON_2]")]


@pytest.mark.parametrize("text, name", [
    # an acronym run into a word is how brands are written; plural acronyms are not
    ("He is President and CEO, FPQuillworks, and a member.", "FPQuillworks"),
    ("The show is powered by JBLanterns every week.", "JBLanterns"),
    # a union's local, with the union or the city that opens its name
    ("Artist Tobi Nash, left, New York Local 3 member Dana Quist.", "New York Local 3"),
    ("Retired Brindlers Local 952 Secretary-Treasurer Dana Quist spoke.", "Brindlers Local 952"),
    ("Her Local 3 members voted.", "Local 3"),
    ("The exhibit.\n\nNew York Local 3 member Dana Quist remembers.", "New York Local 3"),
    # a former employer, and a listed company's exchange and ticker
    ("He was an ex-Navy officer.", "Navy"),
    ("She thanked ex-Quillworks CEO Dana Quist.", "Quillworks"),
    ("Brindle Instruments Incorporated (NASDAQ:BRDL) conference call", "BRDL"),
    ("Brindle Instruments Incorporated (NASDAQ:BRDL) conference call", "NASDAQ"),
    # an organization in ordinary words after a people word, and its acronym
    ("He wrote to the Welsh Harvest Board about it.", "Welsh Harvest Board"),
    ("At the same time, the Welsh Harvest Board (WHB) urged members.", "WHB"),
])
def test_organizations_marked_by_form_number_prefix_or_ticker(detector, text, name):
    assert found(detector, text).get(name, (None,))[0] == "ORG"


def test_plural_acronyms_and_ex_roles_stay(detector):
    text = "We bought FPGAs and CDNs for the PhDs, said an ex-President of the club."
    assert found(detector, text) == {}


def test_initials_that_open_lines_before_a_dash_are_speakers(detector):
    text = ("Welcome, Maren Tolliver.\n\nRF \u2013 What brought you to chess?\n\n"
            "MT \u2013 My aunt did.\n\nRF \u2013 Congratulations on the win.\n")
    assert [text[s.start:s.end] for s in detector.detect_all([text])[0].spans] == [
        "Maren Tolliver", "RF", "MT", "RF"]


def test_a_first_name_ending_in_s_is_no_plural_of_an_allowed_word(detector):
    # "Carlo" of "Monte Carlo" is allowed, which made "Carlos" an allowed plural.
    assert kinds(detector, "The last guest was Carlos, who ran Monte Carlo methods.") == {
        "Carlos": "PERSON"}
    assert found(detector, "Thirty years from now we may be on Mars, said she.") == {}


def test_a_particle_that_opens_a_name_with_a_capital_is_part_of_it(detector):
    text = "Through her partnership with Del Quillan, she founded it with Anouk van Berg."
    assert list(found(detector, text)) == ["Del Quillan", "Anouk van Berg"]


def test_an_acronym_with_the_small_words_of_a_name_is_the_same_organization(detector):
    text = ("It began as part of a Lantern of Harvest Group (LOHG) project.\n\n"
            "Later LOHG had two staff.")
    assert [(text[s.start:s.end], s.kind) for s in detector.detect_all([text])[0].spans] == [
        ("Lantern of Harvest Group", "ORG"), ("LOHG", "ORG"), ("LOHG", "ORG")]


def test_two_particles_join_a_surname_which_keeps_them_where_it_recurs(detector):
    texts = ["I trained with Pieter van der Wendt, then with Rosa de la Quintana.",
             "Later van der Wendt left the clinic, and Wendt never wrote."]
    detections = detector.detect_all(texts)
    assert [[(t[s.start:s.end], s.kind) for s in d.spans]
            for t, d in zip(texts, detections, strict=True)] == [
        [("Pieter van der Wendt", "PERSON"), ("Rosa de la Quintana", "PERSON")],
        [("van der Wendt", "PERSON"), ("Wendt", "PERSON")]]
    assert {s.entity for s in detections[1].spans} == {"pieter van der wendt"}


def test_a_persons_dotted_initials_recur_alone_but_a_countrys_stay(detector):
    texts = ["My boss was J.B. Ellerby at the U.S. Bureau of Tidewater Affairs.",
             "J.B. hired me in 2004, and the U.S. office closed."]
    detections = detector.detect_all(texts)
    assert [texts[1][s.start:s.end] for s in detections[1].spans] == ["J.B."]
    assert detections[1].spans[0].entity == "j b ellerby"


@pytest.mark.parametrize("text, name", [
    ("Mark, what made you choose nursing?", "Mark"),
    ("Okay. So, Will, tell me about the lab.", "Will"),
    ("Interviewer: Hope, how did you start?", "Hope"),
    ("What made you choose it, Joy?", "Joy"),
    ("Thank you so much, Mark.", "Mark"),
])
def test_a_first_name_that_is_a_word_is_a_person_when_said_to_them(detector, text, name):
    assert kinds(detector, text) == {name: "PERSON"}


@pytest.mark.parametrize("text", [
    "True, you could argue that.",
    "Mark the date, will you?",
    "Well, what happened next?",
    "I hope, what with the rain, that it works.",
])
def test_words_that_open_or_close_a_sentence_are_not_names_said_to_someone(detector, text):
    assert found(detector, text) == {}


def test_call_letters_are_a_station_where_broadcasting_is_the_talk(rules):
    text = ("I was a DJ on the radio at WQRV for a year; later the WBLD opening came up, "
            "and WWII history was my night show.")
    assert kinds(rules, text) == {"WQRV": "ORG", "WBLD": "ORG"}
    assert queued(rules, "Our WQRV form and WBLD budget were due.") == ["WQRV", "WBLD"]


def test_a_common_word_found_as_a_name_is_not_replaced_where_it_opens_a_sentence(detector):
    texts = ["He sold the first bikes through a company called What else bikes, in town.",
             "What was it like? What a year.",
             "Research in Victoria The transcript of a seminar by Dr. Alma Quist.\n"
             "The art of it. It was the Dead and The Doors."]
    detections = detector.detect_all(texts)
    # "What" (the company) and "The" (of a heading run into a place) stay where they recur.
    assert detections[1].spans == []
    assert "The" not in [texts[2][s.start:s.end] for s in detections[2].spans]


def test_a_company_named_in_ordinary_words_keeps_its_first_word_at_a_sentence_start(detector):
    text = "April 2: Quarry Seed Co. closed. Quarry Seed was founded in 1868."
    assert list(found(detector, text)) == ["Quarry Seed Co", "Quarry Seed"]


def test_a_name_in_markdown_emphasis_or_a_file_name_is_found(detector):
    text = ("**02:38** - _Halvard Quist_  Back in 1969 we met at the lab. Photo: "
            "halvard_quist.jpg, or mail halvard_q@example.org.")
    assert kinds(detector, text) == {"Halvard Quist": "ORG", "halvard_quist": "ORG",
                                     "halvard_q@example.org": "EMAIL"}


def test_a_state_or_province_is_no_first_name(detector):
    text = ("He coached at Nevada Evening, then moved from Lafayette, Louisiana to Ohio. The "
            "late U.S. Sen. Arlen Quist came by. We watched the U.S. championships, and he "
            "and his Alberta team won. Recruiting in Nevada is hard.")
    replaced = kinds(detector, text)
    assert replaced["Nevada Evening"] == "ORG" and replaced["Arlen Quist"] == "PERSON"
    # the state, the province and the country stay, alone, wherever they recur
    assert not {"Nevada", "Louisiana", "Alberta", "U.S."} & set(replaced)


def test_a_sentence_opening_first_name_that_is_a_word_keeps_its_surname(detector):
    text = ("Bill Quarnby was founder of Five Reed Software. Mark Tollivan said so. "
            "Art Streblow took the photographs. Rose Garden events are free.")
    replaced = kinds(detector, text)
    assert replaced["Bill Quarnby"] == replaced["Mark Tollivan"] == "PERSON"
    assert replaced["Art Streblow"] == "PERSON"
    assert "Bill" not in replaced and "Quarnby" not in replaced


def test_a_nickname_in_quotes_joins_the_name_around_it(detector):
    text = ("We met Archie \u201cBix\u201d Quarnby there, then Dave \u2018Rook\u2019 "
            "Tollivan, and Margaret (Mims) Streblow. I said to Tom 'Hello' Then we left.")
    replaced = kinds(detector, text)
    assert replaced["Archie \u201cBix\u201d Quarnby"] == "PERSON"
    assert replaced["Dave \u2018Rook\u2019 Tollivan"] == "PERSON"
    assert replaced["Margaret (Mims) Streblow"] == "PERSON"
    assert "Quarnby" not in replaced and "Tom 'Hello' Then" not in replaced


def test_a_post_named_by_a_first_name_is_no_person(detector):
    text = ("In 1958 I became the Dean of the Nursing School. Ines Quarnby, Associate Dean, "
            "spoke first.")
    replaced = kinds(detector, text)
    assert "Dean" not in replaced and "Associate Dean" not in replaced
    assert kinds(detector, "Then Dean Tollivan said he was ready.") == {
        "Dean Tollivan": "PERSON"}


def test_a_post_in_words_that_are_also_surnames_is_no_person(detector):
    text = ("Life on a cruise ship is long. What is life like for a Cruise Director? Ines "
            "Quarnby came on as Site Supervisor, then Odile Dean and Art Dean spoke.")
    replaced = kinds(detector, text)
    assert "Cruise Director" not in replaced and "Site Supervisor" not in replaced
    assert replaced["Odile Dean"] == replaced["Art Dean"] == "PERSON"
    text = ("What is a Provost? QSU Provost, Ines Quarnby, said. He left the QU Office of "
            "the President.")
    assert kinds(detector, text) == {"QSU": "ORG", "Ines Quarnby": "PERSON",
                                     "QU Office of the President": "ORG"}


def test_pronouns_and_articles_are_never_names(detector):
    text = ("Lauretta Quarnby, OD, writes a blog for patients at He has also written for "
            "the CEO of You award. Hi, My name is Ines Tollivan.")
    assert kinds(detector, text) == {"Lauretta Quarnby": "PERSON", "Ines Tollivan": "PERSON"}


def test_a_first_name_that_is_a_word_before_particles_and_a_surname_is_a_person(detector):
    text = "Bill de Quarnby names a first deputy mayor. Will van Tollivan agreed."
    assert kinds(detector, text) == {"Bill de Quarnby": "PERSON", "Will van Tollivan": "PERSON"}


def test_headings_and_labels_of_oral_histories_are_no_names(detector):
    text = ("Ines Quarnby spoke to the Hall of Fame in 1990.\n\nKeywords: mills; schools\n\n"
            "Keywords: racism\n\nAudio from Oral History Interview conducted in 2000.")
    assert kinds(detector, text) == {"Ines Quarnby": "PERSON"}


def test_the_title_of_a_book_a_film_or_an_album_is_no_name(detector):
    text = ("He starred in the movie The Autobiography of Miss Tavrin Quarnby. Then the film "
            "Tin Harbor came out. Her book Beekeeping for Beginners by Ines Tollivan sold well, "
            "and I read the book Odile Streblow wrote at the Quillport Film School.")
    assert kinds(detector, text) == {"Ines Tollivan": "PERSON", "Odile Streblow": "PERSON",
                                     "Quillport Film School": "ORG"}


def test_a_holiday_stays_though_its_word_is_someones_name(detector):
    text = ("Eve Quarnby called on Christmas Eve. Forecasters promised Christmas Eve off "
            "worked anyway. Eve said so.")
    spans = detector.detect(text).spans
    assert [text[s.start:s.end] for s in spans] == ["Eve Quarnby", "Eve"]
    assert spans[-1].start == text.rindex("Eve")  # the holiday's two are kept
