"""The Industry 4.0 technologies applications are tagged with (reference list)."""

from typing import NamedTuple


class TechnologyRef(NamedTuple):
    slug: str
    name: str
    description: str


TECHNOLOGIES: tuple[TechnologyRef, ...] = (
    TechnologyRef(
        "big-data",
        "Big data et analyse de données",
        "Collecte, stockage et analyse de données massives de production.",
    ),
    TechnologyRef(
        "intelligence-artificielle",
        "Intelligence artificielle",
        "Apprentissage automatique, vision, aide à la décision.",
    ),
    TechnologyRef(
        "realite-etendue",
        "Réalité virtuelle, augmentée et mixte (XR)",
        "Réalités immersives pour la formation et l'assistance aux opérateurs.",
    ),
    TechnologyRef(
        "jumeau-numerique",
        "Jumeau numérique",
        "Réplique numérique d'un équipement, d'une ligne ou d'un site.",
    ),
    TechnologyRef(
        "fabrication-additive", "Fabrication additive", "Impression 3D métal et polymère."
    ),
    TechnologyRef(
        "robotique-cobotique",
        "Robotique et cobotique",
        "Robots industriels et robots collaboratifs.",
    ),
    TechnologyRef(
        "iot-industriel",
        "Internet des objets industriel (IIoT)",
        "Capteurs connectés, supervision, remontée de données.",
    ),
    TechnologyRef(
        "cybersecurite",
        "Cybersécurité industrielle",
        "Sécurité des systèmes d'information et des automatismes.",
    ),
    TechnologyRef(
        "bim",
        "BIM (modélisation des informations du bâtiment)",
        "Maquette numérique pour la construction et l'exploitation.",
    ),
    TechnologyRef(
        "maintenance-predictive",
        "Maintenance prédictive",
        "Anticipation des pannes à partir des données des équipements.",
    ),
    TechnologyRef(
        "simulation-numerique",
        "Simulation numérique et calcul scientifique",
        "Calcul haute performance, conception et simulation.",
    ),
    TechnologyRef(
        "cloud-edge",
        "Cloud et edge computing",
        "Traitement des données au plus près ou à distance des machines.",
    ),
    TechnologyRef(
        "automatisme-supervision",
        "Automatismes et supervision",
        "Automates programmables, SCADA, MES.",
    ),
    TechnologyRef(
        "vision-industrielle",
        "Vision industrielle et contrôle qualité",
        "Contrôle non destructif, inspection automatisée.",
    ),
    TechnologyRef(
        "systemes-cyber-physiques",
        "Systèmes cyber-physiques et usine connectée",
        "Intégration des machines, des logiciels et des réseaux.",
    ),
)
