"""What the demonstration programme knows from its source.

Source: ``shared/seeds/000_bd7019cc2d15542f.txt``, an article announcing the 41
laureates of the AMI « Territoires d'industrie 4.0 : anticiper les compétences
de demain » (8 July 2022). Facts stated there are used as such; figures the
article does not give (splits between co-funders, criteria, budgets, learners
of the first two projects) are illustrative and say so in the data.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from laureat.selection.optimiser import Objective, ScoreScale

PARIS = ZoneInfo("Europe/Paris")

PROGRAMME = {
    "slug": "territoires-industrie",
    "name": "Territoires d'industrie",
    "description": (
        "Programme national de reconquête industrielle des territoires, porté par l'État "
        "et ses partenaires, dont la Banque des Territoires. Il soutient notamment l'offre "
        "de formation au plus près des besoins des industriels : près de 170 projets relatifs "
        "à la création de nouvelles compétences ont été soutenus."
    ),
}

FUNDERS = {
    "banque-des-territoires": {
        "name": "Banque des Territoires (Caisse des Dépôts)",
        "short_name": "Banque des Territoires",
        "description": "Finance en amont l'ingénierie des projets, pour réaliser les études.",
    },
    "etat-faiit": {
        "name": (
            "État — Fonds d'accélération des investissements industriels dans les territoires"
        ),
        "short_name": "État",
        "description": "Finance les investissements et l'amorçage des projets.",
    },
}

TI40_SLUG = "territoires-industrie-4-0"


class CallFacts(NamedTuple):
    slug: str
    title: str
    summary: str
    description: str
    how_to_apply: str
    opens_at: datetime
    closes_at: datetime
    results_at: date
    budget: Decimal
    # funder slug -> (amount, expense categories funded)
    envelopes: dict[str, tuple[Decimal, tuple[str, ...]]]


TI40 = CallFacts(
    slug=TI40_SLUG,
    title="Territoires d'industrie 4.0 : anticiper les compétences de demain",
    summary=(
        "Soutenir la modernisation des plateaux techniques de centres de formation existants "
        "vers les standards du 4.0, le développement d'équipements pédagogiques innovants et "
        "la création de nouvelles formations aux futurs métiers industriels."
    ),
    description=(
        "La transition numérique représente une opportunité forte de montée en compétences, "
        "de transformation et de regain d'attractivité des métiers industriels. Cet appel à "
        "manifestation d'intérêt répond à une double problématique : pour les acteurs de la "
        "formation, développer des formations nouvelles répondant aux besoins des industriels ; "
        "pour les industriels, intégrer ces technologies et compétences inédites aux processus "
        "actuels de production.\n\n"
        "Les lauréats bénéficient d'un accompagnement sur mesure de l'État et de la Banque des "
        "Territoires : la seconde finance en amont l'ingénierie du projet afin de réaliser des "
        "études ; le premier, via le Fonds d'accélération des investissements industriels dans "
        "les territoires, finance les investissements ainsi que l'amorçage du projet."
    ),
    how_to_apply=(
        "Peuvent candidater les acteurs de la formation et des dynamiques industrielles "
        "locales : fédérations patronales, chambres de commerce et d'industrie, Cnam, "
        "universités, écoles d'ingénieurs, associations, centres de formation. Le dossier "
        "présente le projet, son territoire, les technologies 4.0 visées, le nombre "
        "d'apprenants, le calendrier et un budget équilibré entre dépenses (études "
        "d'ingénierie, investissement, amorçage) et ressources (demandes à chaque "
        "cofinanceur pour les catégories qu'il finance, fonds propres, autres financements)."
    ),
    opens_at=datetime(2021, 11, 26, 0, 0, tzinfo=PARIS),
    closes_at=datetime(2022, 3, 31, 23, 59, tzinfo=PARIS),
    results_at=date(2022, 7, 8),
    budget=Decimal("10000000.00"),
    # The article gives the total (10 M€) and who funds what, not the split: illustrative.
    envelopes={
        "banque-des-territoires": (Decimal("1500000.00"), ("engineering",)),
        "etat-faiit": (Decimal("8500000.00"), ("investment", "startup")),
    },
)

THEMES = (
    (
        "plateaux-techniques-4-0",
        "Modernisation des plateaux techniques vers le 4.0",
        "Mise aux standards de l'industrie 4.0 des plateaux techniques de centres de "
        "formation existants.",
    ),
    (
        "equipements-pedagogiques",
        "Équipements pédagogiques innovants",
        "Développement d'équipements pédagogiques innovants.",
    ),
    (
        "nouvelles-formations",
        "Nouvelles formations aux métiers industriels de demain",
        "Création de nouvelles formations aux futurs métiers industriels.",
    ),
)


class CriterionFact(NamedTuple):
    name: str
    weight: Decimal
    description: str


# Illustrative criteria (the article does not publish the grid), weights summing to 100.
CRITERIA = (
    CriterionFact(
        "Réponse aux besoins en compétences du territoire",
        Decimal("30"),
        "Besoins des industriels identifiés, ancrage dans le Territoire d'industrie.",
    ),
    CriterionFact(
        "Caractère innovant et intégration des technologies 4.0",
        Decimal("25"),
        "Technologies visées, équipements pédagogiques innovants.",
    ),
    CriterionFact(
        "Partenariats industriels et territoriaux",
        Decimal("20"),
        "Engagement d'industriels, de collectivités et d'acteurs de la formation.",
    ),
    CriterionFact(
        "Impact : apprenants formés et attractivité des métiers",
        Decimal("15"),
        "Nombre d'apprenants, publics visés, insertion.",
    ),
    CriterionFact(
        "Solidité du plan de financement et pérennité",
        Decimal("10"),
        "Budget équilibré, cofinancements, modèle économique après l'amorçage.",
    ),
)


class EarlierCall(NamedTuple):
    slug: str
    title: str
    summary: str
    opens_at: datetime
    closes_at: datetime
    recorded_laureates: int


# The article names these earlier calls of the programme and their outcome;
# their exact dates are not in the article: the years are, the days are indicative.
EARLIER_CALLS = (
    EarlierCall(
        "ecoles-de-production",
        "AMI « Écoles de production »",
        "Premier AMI de Territoires d'industrie, avec la Banque des Territoires : il permettra "
        "de doubler les écoles de production d'ici à la rentrée 2023 (39 projets soutenus en "
        "2021).",
        datetime(2021, 3, 1, 0, 0, tzinfo=PARIS),
        datetime(2021, 6, 30, 23, 59, tzinfo=PARIS),
        39,
    ),
    EarlierCall(
        "au-coeur-des-territoires",
        "AMI « Au cœur des territoires » (Cnam)",
        "Déployé avec le Cnam et le programme Action cœur de ville : ouverture de plus de 75 "
        "centres de formation Cnam adaptés aux besoins de leur bassin d'emplois.",
        datetime(2020, 1, 15, 0, 0, tzinfo=PARIS),
        datetime(2020, 6, 30, 23, 59, tzinfo=PARIS),
        75,
    ),
)


class RealProject(NamedTuple):
    organisation: str
    kind: str
    commune_code: str
    title: str
    acronym: str
    summary: str
    description: str
    technologies: tuple[str, ...]
    themes: tuple[str, ...]
    learners: int
    start_date: date
    learners_from_source: bool


# The three projects the article describes. Learners and start date are the
# article's for Bordeaux; for the other two they are illustrative.
REAL_PROJECTS = (
    RealProject(
        organisation="Cnam Bourgogne-Franche-Comté — centre de Chalon-sur-Saône",
        kind="cnam",
        commune_code="71076",
        title="Big Data Chalon",
        acronym="BDC",
        summary=(
            "Ouvrir une formation d'ingénieur en Big Data et intelligence artificielle à "
            "Chalon-sur-Saône, déployée dans le cadre de l'Usinerie."
        ),
        description=(
            "L'investissement porte notamment sur l'acquisition de matériel informatique pour "
            "le calcul scientifique industriel et le développement d'applications de réalité "
            "mixte et d'intelligence artificielle pour l'industrie 4.0. « Il y a un vrai besoin "
            "de traiter ces données massives et de s'adjoindre l'aide de l'IA afin d'épauler "
            "l'enseignement et la recherche, mais aussi de créer une forme d'attractivité. »"
        ),
        technologies=(
            "big-data",
            "intelligence-artificielle",
            "realite-etendue",
            "simulation-numerique",
        ),
        themes=("nouvelles-formations", "plateaux-techniques-4-0"),
        learners=120,
        start_date=date(2022, 9, 1),
        learners_from_source=False,
    ),
    RealProject(
        organisation="CESI — campus de Nanterre",
        kind="engineering_school",
        commune_code="92050",
        title=(
            "Plateforme ouverte et industrielle de réalité étendue pour la formation et le "
            "rayonnement"
        ),
        acronym="POIRE-FR",
        summary=(
            "Une plateforme de réalités immersives (virtuelle, augmentée et mixte) pour former "
            "aux métiers de l'industrie et du chantier."
        ),
        description=(
            "La plateforme intégrera des technologies liées aux réalités immersives "
            "(virtuelle, augmentée et mixte), des solutions logicielles, des environnements "
            "industriels et de chantiers réalistes, des parcours de formation (maintenance, "
            "BIM, QHSE, conception, fabrication additive...), des tests et benchmarks auprès "
            "de groupes d'apprenants et des actions de diffusion."
        ),
        technologies=("realite-etendue", "bim", "fabrication-additive", "jumeau-numerique"),
        themes=("equipements-pedagogiques", "plateaux-techniques-4-0"),
        learners=600,
        start_date=date(2022, 10, 3),
        learners_from_source=False,
    ),
    RealProject(
        organisation="Arts et Métiers (Ensam) — campus de Bordeaux",
        kind="engineering_school",
        commune_code="33063",
        title=(
            "Plateforme d'assemblage-désassemblage reconfigurable et jumeau numérique de "
            "format réduit"
        ),
        acronym="",
        summary=(
            "Spécifier physiquement et virtuellement une plateforme d'assemblage-désassemblage "
            "reconfigurable pour la formation initiale et continue, avec un jumeau numérique "
            "de format réduit."
        ),
        description=(
            "Sur le site de l'École des Arts et Métiers, pour la formation initiale et "
            "continue. Le jumeau numérique de format réduit permet à des apprenants dispersés "
            "sur le territoire de bénéficier d'un enseignement de qualité et aux industriels "
            "de trouver un accompagnement personnalisé de proximité. La plateforme identifiera "
            "en outre des problématiques de maintenance, de recyclage ou de développement "
            "durable. « Nous visons 1 400 apprenants, avec une première vague dès septembre "
            "2023. »"
        ),
        technologies=("jumeau-numerique", "robotique-cobotique", "maintenance-predictive"),
        themes=("equipements-pedagogiques", "nouvelles-formations"),
        learners=1400,
        start_date=date(2023, 9, 1),
        learners_from_source=True,
    ),
)

# 59 applications from 14 regions: 12 metropolitan (all but Corse) and 2 overseas
# (Martinique and La Réunion, where the two overseas laureates are). Applications
# per region (INSEE code), the three real projects included.
APPLICATIONS_PER_REGION = {
    "11": 8,  # Île-de-France (CESI Nanterre)
    "84": 7,  # Auvergne-Rhône-Alpes
    "32": 6,  # Hauts-de-France
    "44": 6,  # Grand Est
    "75": 5,  # Nouvelle-Aquitaine (Ensam Bordeaux)
    "76": 5,  # Occitanie
    "52": 4,  # Pays de la Loire
    "27": 4,  # Bourgogne-Franche-Comté (Cnam Chalon-sur-Saône)
    "28": 4,  # Normandie
    "53": 3,  # Bretagne
    "24": 3,  # Centre-Val de Loire
    "93": 2,  # Provence-Alpes-Côte d'Azur
    "02": 1,  # Martinique
    "04": 1,  # La Réunion
}
TOTAL_APPLICATIONS = 59


class SelectionPolicy(NamedTuple):
    """The call's selection policy, as ``selection_settings_update`` takes it."""

    objective: Objective
    score_scale: ScoreScale
    min_score: Decimal | None
    region_floor: int
    region_floor_score: Decimal | None
    region_cap_count: int | None
    region_cap_share: Decimal | None
    partial_min: Decimal | None


# The TI 4.0 selection policy, as the committee is shown it. The article gives the
# outcome (41 laureates of 59, in 12 metropolitan and 2 overseas regions, for 10 M€),
# not the rule: this rule is ours, and the laureates are whatever the optimiser computes
# from it, the reviews, the requests and the envelopes. The 59 files ask the co-funders
# 15.3 M€ (2.4 M€ of studies from the Banque des Territoires, 12.9 M€ of investment and
# start-up from the State), half as much again as the 10 M€: the budget and both
# envelopes bind, and at the average request (259 k€) they fund about 38 files.
# - Objective, total score (not money weighted by merit): the AMI spreads 4.0 training
#   offers over as many industrial territories as it can (10 M€ / 41 ≈ 244 k€ each), so
#   a file counts once whatever its size; weighting by money spends more on the
#   largest files (40 laureates with these files).
# - Normalised scores: a file counts for what it has over the weakest one (0) up to the
#   best (1); with raw marks an 8/20 file would weigh 40 % of a 20/20 one and the
#   optimiser would trade good files for more cheap weak ones (42 laureates).
# - No minimum score: the normalised objective already gives the weakest files next to
#   nothing, and a cut-off mark would shut out the regions whose only file is weak.
# - Regional floor 1: Territoires d'industrie is a territorial programme; each candidate
#   region, overseas included, gets at least its best file.
# - Regional cap, a fifth of the budget (2 M€): no region takes the lion's share
#   (Île-de-France, the largest pool with 8 files, gets about 1.4 M€).
# - No partial funding: a laureate receives what it asked of each co-funder, so its
#   financing plan holds as submitted.
TI40_SELECTION_POLICY = SelectionPolicy(
    objective=Objective.TOTAL_SCORE,
    score_scale=ScoreScale.NORMALISED,
    min_score=None,
    region_floor=1,
    region_floor_score=None,
    region_cap_count=None,
    region_cap_share=Decimal("0.200"),
    partial_min=None,
)


class CommitteeFacts(NamedTuple):
    held_on: datetime
    place: str
    reviewer_members: int  # the first reviewers of the pool sit with the manager
    quorum: int
    waiting_list_size: int
    closed_at: datetime
    published_at: datetime


# The article gives the announcement (8 July 2022); the committee's date, place and
# composition are illustrative.
TI40_COMMITTEE = CommitteeFacts(
    held_on=datetime(2022, 6, 30, 14, 0, tzinfo=PARIS),
    place="Paris, Agence nationale de la cohésion des territoires, et en visioconférence",
    reviewer_members=4,
    quorum=4,
    waiting_list_size=5,
    closed_at=datetime(2022, 6, 30, 17, 30, tzinfo=PARIS),
    published_at=datetime(2022, 7, 8, 10, 0, tzinfo=PARIS),
)
