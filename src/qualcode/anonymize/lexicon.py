"""Word lists the proper-name detector reasons with.

The allow-list holds capitalized words that must survive anonymization: the codebook's
vocabulary, research and technology terms, calendar words, languages and nationalities.
The cue lists hold the words around a name that tell what kind of name it is. Everything here
is lower case; callers compare `word.lower()` or the normalized form.
"""

from __future__ import annotations

import re
from functools import cache

CALENDAR = frozenset("""
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
christmas easter thanksgiving ramadan eid diwali hanukkah passover halloween
olympic olympics paralympic paralympics
wwi wwii ww1 ww2
""".split())

# Research and technology vocabulary that is written capitalized in conversation.
TECH = frozenset("""
ai agi asi pi pis ml rl rlhf rlaif llm llms nlp cv gpu gpus tpu tpus cpu cpus api apis sdk ui ux
gpt chatgpt claude gemini llama mistral bert transformer transformers mlp mlps cnn rnn lstm
sgd adam sae saes lora moe evals eval interp mech
python pytorch tensorflow jax numpy pandas scipy sklearn jupyter colab cuda triton rust java
javascript typescript haskell julia matlab sql json csv yaml html latex markdown git github
gitlab linux unix windows macos ios android aws gcp azure kubernetes docker slurm
slack zoom teams notion discord signal whatsapp telegram arxiv overleaf excel powerpoint word
docs sheets drive gmail calendar
internet web email wifi pdf url urls http https app apps iphone mac pc
bayesian markov gaussian boltzmann turing nash pareto fermi occam goodhart
neurips icml iclr aaai acl emnlp cvpr colm facct
phd phds ph msc bsc ba ma mba master masters bachelor bachelors postdoc postdocs md jd esq
rn lcsw psyd dds dmd od dvm gis gps pharmd dnp dpt edd msn bsn mph mfa lpn aprn crna lmft lpc
ceo cto coo cfo cio ciso cmo vp hr pr pm pms qa ops
ea ais x-risk fte ftes okr okrs kpi kpis mvp r&d q&a m&a p&l b&b r&b f&b d&i ip it tv dm dms
dj djs emt emts
dna rna mri icu mb gb kb tb ep eps lp lps et pt est edt pst pdt gmt utc
faq ok okay tbd asap
imo iirc fwiw afaik tl;dr eg ie etc vs
covid covid-19 hiv aids sars episode episodes season seasons
""".split())

LANGUAGES_AND_PEOPLES = frozenset("""
english british american canadian australian european asian african latin irish scottish
welsh french german dutch spanish portuguese italian polish russian ukrainian swedish
norwegian danish finnish greek turkish arabic hebrew persian hindi indian chinese mandarin
cantonese japanese korean vietnamese thai indonesian brazilian mexican nigerian kenyan
argentine argentinian chilean colombian peruvian venezuelan cuban bolivian ecuadorian
uruguayan paraguayan guatemalan honduran salvadoran nicaraguan panamanian haitian jamaican
dominican rican austrian swiss belgian czech slovak hungarian romanian bulgarian serbian
croatian bosnian slovenian albanian macedonian estonian latvian lithuanian belarusian icelandic
egyptian moroccan algerian tunisian libyan ethiopian somali sudanese ghanaian senegalese
ugandan tanzanian rwandan zimbabwean zambian israeli palestinian lebanese
syrian iraqi iranian saudi emirati qatari kuwaiti yemeni jordanian afghan pakistani
bangladeshi nepalese lankan burmese cambodian laotian malaysian singaporean filipino
taiwanese tibetan mongolian kazakh uzbek armenian georgian azerbaijani kiwi aussie
western eastern northern southern christian muslim jewish buddhist hindu catholic
protestant atheist quaker mormon presbyterian methodist baptist lutheran episcopal anglican
evangelical pentecostal orthodox mennonite unitarian god jesus christ allah
europe asia africa america americas antarctica oceania
mercury venus mars jupiter saturn uranus neptune pluto
""".split())

# Function words and their inflections, which Faker's English word list leaves out.
FUNCTION_WORDS = frozenset("""
am is are was were be been being has had having does did doing done cannot can't won't
an thru via towards unless whereas whenever wherever whoever whatever whichever however
mine yours hers ours theirs ourselves yourselves themselves itself himself herself myself
anyway anywhere anyhow somewhere somehow sometime sometimes everywhere nowhere nobody
elsewhere otherwise moreover therefore thus hence besides beside below beyond except
further furthermore meanwhile namely neither nevertheless nonetheless mostly regarding
please used using made seems seemed due latter former
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
sixty hundred thousand million billion first second third fourth fifth last next
let lets i'm i've i'd i'll you're we're they're that's there's it's what's don't doesn't
didn't isn't aren't wasn't weren't haven't hasn't couldn't wouldn't shouldn't
""".split())

# Pronouns and articles: a name never, though a title's capital or a run-together page gives
# them one ("CEO of You", "patients at He has").
PRONOUNS = frozenset("""
i me my you your he him his she her it its we us our they them their this that these those
the a an
""".split())

# Filler and discourse words that ASR output capitalizes at the start of a turn or clause.
DISCOURSE = frozenset("""
yeah yes yep yup nope no um umm uh uhh hmm mm mhm mm-hmm uh-huh ah oh okay ok right sure
well so like anyway honestly basically actually totally exactly absolutely definitely
great cool thanks thank hi hello hey bye alright interviewer participant respondent
interviewee speaker moderator facilitator note transcript q a
unknown inaudible crosstalk
""".split())

# Words that open a sentence without being part of the name that follows ("So the ...").
SMALL_WORDS = FUNCTION_WORDS | DISCOURSE | frozenset("""
the a an and but or so then now also and yet if when while because since after before
""".split())

TITLES = frozenset("""
dr dr. doctor prof prof. professor mr mr. mrs mrs. ms ms. mx mx. sir dame lord lady
hon hon. honorable honourable judge drs drs. coach
""".split())

# Words that end an organization's name ("Northwind Labs", "Halcyon Institute").
ORG_SUFFIXES = frozenset("""
labs lab laboratory laboratories inc inc. incorporated corp corp. corporation co co. ltd
ltd. llc llp plc gmbh ag sa bv pty company companies group institute institution
university college school academy foundation fund trust society association council
agency authority department ministry commission committee bureau office centre center
network alliance coalition collective initiative partners partnership capital ventures
holdings technologies technology systems solutions software analytics robotics ai
research consulting consultancy studio studios hospital clinic bank press media
fellowship fellowships programme programmes program programs scholarship scholars
party podcast magazine journal times gazette herald tribune library museum gallery archive
archives army navy court service services division administration airlines airways theatre
theater theatres theaters repertory orchestra symphony opera ballet railroad railway railways
farm farms kitchen records news board industries enterprises hotel church federation league
union guild cooperative pharmaceuticals therapeutics biosciences brewery bakery publishing
publishers productions pictures films entertainment organization organisation associates
hotels resorts
""".split())

# The subset of organization words that name an institution even when every other word of
# the name is ordinary ("Center for Security and Emerging Technology", "New York Times").
# Generic units ("the Research Group", "Department of Computer Science") are left out: every
# university has one, so they go to the review queue instead.
INSTITUTION_WORDS = frozenset("""
institute institution university college academy foundation fund trust society association
council agency authority ministry commission bureau centre center alliance coalition party
times gazette herald tribune magazine journal podcast inc inc. incorporated corp corp. corporation
ltd ltd. llc llp plc gmbh library museum gallery archive archives army navy bank hospital
court airlines airways repertory orchestra symphony railroad railway federation
board boards service
""".split())

# A department or office of a government, named by its portfolio ("Department of
# Transportation", "Office of Management and Budget"): one body, unlike a university's
# "Department of Computer Science", which every university has.
GOVERNMENT_UNITS = frozenset("department office bureau division".split())
PORTFOLIOS = frozenset("""
state justice defense defence health education energy labor labour agriculture commerce
treasury interior transportation transport housing veterans homeland natural environment
environmental finance trade industry foreign home culture fisheries employment immigration
revenue management motor public social children corrections parks water
""".split())

# Roles that open a phrase with "of" that names a job, not an organization ("Head of
# Research", "Director of Policy").
ROLE_WORDS = frozenset("""
head director vp chief lead manager dean chair chairman chairwoman president member fellow
professor provost secretary minister officer principal supervisor coordinator superintendent
administrator
""".split())

# Words that introduce a project's name ("Project Cinderbox"), or are generic in one.
PROJECT_WORDS = frozenset("project projects programme program initiative study".split())

# Words that open an organization's name before "of" or "for" ("University of X"), a
# local government's included ("City of X": the employer, not the place).
ORG_HEADS = frozenset("""
university institute college school academy department ministry center centre bank
foundation society association council office agency museum library gallery archive archives
city county town borough municipality
""".split())

# Words that end the name of an event, a prize or a competition ("Quillport Animal Expo",
# "the Halvard Cup", "Honor Award"): no one is identified by them.
EVENT_WORDS = frozenset("""
expo expos festival fest faire convention con championship championships cup trophy
award awards prize prizes medal prix fame famers
""".split())

# Connectors allowed inside a multi-word name ("Anouk van der Berg", "Bank of Halden").
NAME_CONNECTORS = frozenset("of for de del della der den van von da di du le la dos das bin "
                            "ibn al el &".split())

# Words just before a name that say it is a person ("my colleague Ines", "named Tobi").
PERSON_BEFORE = frozenset("""
colleague colleagues coworker co-worker coworkers manager boss advisor adviser supervisor
mentor mentee cofounder co-founder founder friend friends wife husband partner girlfriend
boyfriend postdoc student students intern interns teammate collaborator coauthor co-author
recruiter cousin sister brother mother father mom dad son daughter uncle aunt named
dear thanks thank hi hello hey mister miss
""".split())

# Words just after a name that say it is a person ("Ines said", "Tobi and I").
PERSON_AFTER = frozenset("""
said says told tells thinks thought mentioned asked suggested wrote recommended introduced
explained argued believes believed emailed messaged replied agreed disagreed wants wanted
joined left founded runs ran leads led manages managed hired supervises supervised
""".split())

# Words just before a name that say it is an organization ("at Halcyon", "joined Veridian").
ORG_BEFORE = frozenset("""
at joined joining join left leaving leave funded funder funders grant grants grantee startup
company org organization organisation nonprofit non-profit lab institute employer via
acquired from
""".split())
# Services in the tech allow-list that are also employers: kept as tools ("on Zoom"), but
# made an organization where an employer goes ("I worked at GitHub"). Media platforms
# (LinkedIn, YouTube, Wikipedia) are not in the allow-list: organizations, like Facebook.
EMPLOYERS = frozenset("""
github gitlab slack zoom notion discord signal whatsapp telegram arxiv overleaf docker colab
""".split())

# The words of ORG_BEFORE that say so even of ordinary words with capitals ("at Hugging
# Face"); "from" and "via" do not ("a lesson from Experience").
ORG_WHEN_ORDINARY = ORG_BEFORE - {"from", "via", "acquired"}
# Units of an organization, which a role names ("Director of Research"), not organizations.
DEPARTMENTS = frozenset("""
research engineering marketing sales operations product products design policy
communications strategy finance development partnerships programs programmes science
technology education outreach admissions people talent growth content editorial
""".split())
# Before "of", words that make the next name an organization ("founder of X", "CTO of X",
# "a subsidiary of X", "the drummer of X").
FOUNDERS = ROLE_WORDS | frozenset("""
founder founders cofounder co-founder cofounders co-founders ceo cto coo cfo employee employees
staff alumnus alumni partner partners subsidiary subsidiaries arm division spinout spin-off
affiliate vocalist singer drummer guitarist bassist keyboardist frontman frontwoman
""".split())
# Two words just before a name that say it is an organization ("work for X", "acquired by
# X", "brought to you by X").
ORG_BEFORE_PAIRS = frozenset({
    ("work", "for"), ("works", "for"), ("worked", "for"), ("working", "for"),
    ("funded", "by"), ("grant", "from"), ("money", "from"), ("hired", "by"),
    ("acquired", "by"), ("bought", "by"), ("backed", "by"), ("sponsored", "by"),
    ("produced", "by"), ("owned", "by"), ("run", "by"), ("supported", "by"), ("you", "by"),
    ("operated", "by"), ("published", "by"),
    ("organized", "by"), ("organised", "by"), ("applied", "to"),
})
# Words just after a name that say it is an organization ("the Veridian team", "Veridian
# employees").
ORG_AFTER = frozenset("""
team teams employees staff headquarters hq offices alumni cofounders co-founders leadership
""".split())
# Nouns that give the kind of the names they describe: before "like", "including" or "such
# as" ("companies like X"), or after "a" in apposition ("X, a startup in Tarnow").
ORG_NOUNS = frozenset("""
companies company labs lab orgs org organizations organisations startups startup funders funder
firms firm groups institutes institute universities university nonprofits nonprofit non-profit
charities charity foundations foundation teams places consultancy agency
""".split())
PERSON_NOUNS = frozenset("""
people researchers researcher someone somebody folks person engineers engineer colleagues
colleague scientists scientist founders founder managers manager mentors mentor students
student friends friend professor postdoc
""".split())

# Words just before a name that say it is the speaker's own ("I'm X", "my name is X").
SELF_INTRODUCTIONS = frozenset({("i'm",), ("i", "am"), ("name", "is"), ("i\u2019m",)})
# Words just before a title that names a show, a podcast or a venue ("welcome to X",
# "this is X", "host of X"): they make a name even of ordinary words with capitals.
TITLE_BEFORE = frozenset({("welcome", "to"), ("this", "is"), ("host", "of"), ("hosts", "of"),
                          ("episode", "of"), ("listening", "to"), ("subscribe", "to")})

# Words just before a name that say it is a place ("based in Tarnow", "moved to Lisbon").
PLACE_BEFORE = frozenset("in near to from around outside".split())
PLACE_VERBS = frozenset("""
based live lives lived living moved move moving grew raised located relocated office offices
city town village
""".split())

# Endings that ordinary words have and names rarely do: "Interestingly", "Scaling".
NON_NAME_ENDINGS = ("ly", "ing", "tion", "sion", "ness", "ment", "ments", "able", "ible",
                    "ful", "ous", "ive", "ize", "ise", "ized", "ised", "ism", "ity", "ics",
                    "ence", "ance", "est", "ship")

# Street words for postal addresses ("14 Larkspur Lane").
STREET_SUFFIXES = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane", "Ln", "Boulevard",
                   "Blvd", "Drive", "Dr", "Way", "Court", "Ct", "Place", "Pl", "Square", "Sq",
                   "Terrace", "Close", "Crescent", "Gardens", "Parkway", "Highway", "Strasse",
                   "Straße", "Rue", "Allee", "Weg", "Gasse")


@cache
def common_words() -> frozenset[str]:
    """Ordinary English words: the function and discourse words above, and the English word
    lists Faker ships (about a thousand frequent words, the words of some six hundred job
    titles, business vocabulary). A capitalized token among them is no evidence of a name."""
    from faker.providers.company.en_US import Provider as Company
    from faker.providers.job.en_US import Provider as Job
    from faker.providers.lorem.en_US import Provider as Lorem

    phrases = [*Lorem.word_list, *Job.jobs, *(w for ws in Company.catch_phrase_words for w in ws),
               *(w for ws in Company.bsWords for w in ws)]
    words = {w.lower() for phrase in phrases for w in re.findall(r"[A-Za-z]+", phrase)}
    return frozenset(words | FUNCTION_WORDS | DISCOURSE)


# Names of several words that stay as a whole, though their words alone would not.
# Fields, jobs and movements are written with capitals too ("a degree in Computer Science").
PHRASES = frozenset(line.strip() for line in """
silicon valley
monte carlo
bay area
middle east
new year
new year's eve
christmas eve
christmas day
boxing day
oral history
oral histories
oral historian
world war i
world war ii
world war one
world war two
visual studio
artificial intelligence
machine learning
deep learning
reinforcement learning
natural language processing
computer science
computer vision
data science
political science
cognitive science
software engineering
research engineering
software engineer
research engineer
research scientist
machine learning engineer
product manager
program manager
project manager
general partner
managing director
executive director
technical staff
member of technical staff
ai safety
ai alignment
ai governance
effective altruism
existential risk
open source
""".strip().splitlines())


@cache
def geography() -> frozenset[str]:
    """Country and US-state names (lower case) from Faker's English address data, Canada's
    provinces and Australia's states, and continents and the regions larger than a country.

    They stay in the text: too coarse to identify anyone, and often what a passage is about.
    A city or a street is not in here and is treated as a name.
    """
    from faker.providers.address.en_US import Provider as Address

    names = {name.split(" (")[0].lower() for name in (*Address.countries, *Address.states)}
    names |= {"usa", "us", "uk", "eu", "uae", "un", "britain", "england", "scotland", "wales",
              "korea", "holland", "united states", "the united states", "the netherlands"}
    names |= {"africa", "asia", "europe", "oceania", "america", "americas", "north america",
              "south america", "latin america", "central america", "asia pacific", "apac",
              "emea", "scandinavia", "southeast asia", "east asia", "south asia",
              "sub-saharan africa", "west africa", "east africa", "the balkans", "balkans",
              "caribbean", "the caribbean", "middle east", "global south", "global north"}
    # Canada's provinces and Australia's states are written like US states ("Victoria",
    # also a city and a first name, is left out).
    names |= {"alberta", "british columbia", "manitoba", "new brunswick", "newfoundland",
              "nova scotia", "ontario", "prince edward island", "quebec", "saskatchewan",
              "yukon", "nunavut", "northwest territories", "new south wales", "queensland",
              "tasmania", "western australia", "south australia", "northern territory"}
    return frozenset(names)


@cache
def state_codes() -> frozenset[str]:
    """The US states' postal codes ("NY"), from Faker's English address data: a state, not
    a name, after a town and a comma ("Brooklyn, NY")."""
    from faker.providers.address.en_US import Provider as Address

    return frozenset(Address.states_abbr)


@cache
def default_allow_list() -> frozenset[str]:
    """The built-in allow-list: calendar, technology, languages, peoples and geography, as
    lower-case words and phrases (a phrase is kept only as a whole)."""
    return CALENDAR | TECH | LANGUAGES_AND_PEOPLES | PHRASES | geography()
