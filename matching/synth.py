"""Synthetic events for benchmarks and tests, skewed like real ones.

A few "star" providers offer many popular use cases and serve every sector and size; most
providers are specialists. Companies ask for popular use cases far more often than rare ones
(Zipf-like). Companies describe needs in their words, providers offers in theirs, so text
similarity has to bridge inflections and synonyms.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from matching.model import CompanyProfile, ProviderProfile

# use case -> (provider wording, company wording); codes follow app/data/taxonomy.json.
PHRASES: dict[str, tuple[str, str]] = {
    "sales.chatbot": (
        "agent conversationnel pour le service client",
        "répondre aux clients par un chatbot",
    ),
    "sales.lead_scoring": (
        "scoring et qualification des prospects",
        "qualifier nos prospects commerciaux",
    ),
    "sales.recommendation": (
        "moteur de recommandation de produits",
        "recommander des produits à nos clients",
    ),
    "sales.content": (
        "génération de contenus marketing",
        "produire nos contenus marketing plus vite",
    ),
    "sales.pricing": ("tarification dynamique des offres", "ajuster nos tarifs selon la demande"),
    "sales.churn": (
        "prévision de l'attrition des clients",
        "éviter de perdre des clients, prévoir l'attrition",
    ),
    "production.predictive_maintenance": (
        "maintenance prédictive des équipements industriels",
        "anticiper les pannes de nos machines, maintenance",
    ),
    "production.quality_inspection": (
        "contrôle qualité par vision industrielle",
        "détecter les défauts de qualité sur la ligne",
    ),
    "production.process_optimisation": (
        "optimisation des procédés de production",
        "optimiser nos procédés et réglages de production",
    ),
    "production.energy": (
        "pilotage de la consommation énergétique",
        "réduire notre consommation d'énergie",
    ),
    "production.robotics": (
        "robotique collaborative et préhension",
        "robotiser des postes, robots collaboratifs",
    ),
    "production.planning": (
        "planification et ordonnancement de l'atelier",
        "planifier la production de l'atelier",
    ),
    "admin.document_processing": (
        "extraction automatique de documents",
        "traiter automatiquement nos documents",
    ),
    "admin.knowledge_assistant": (
        "assistant de recherche documentaire interne",
        "retrouver l'information dans nos documents internes",
    ),
    "admin.meeting_notes": (
        "comptes rendus de réunion automatiques",
        "rédiger les comptes rendus des réunions",
    ),
    "admin.translation": (
        "traduction automatique spécialisée",
        "traduire nos documents techniques",
    ),
    "admin.writing": (
        "aide à la rédaction de courriers",
        "rédiger plus vite nos courriers et rapports",
    ),
    "finance.invoice_automation": (
        "automatisation du traitement des factures",
        "saisie des factures fournisseurs automatisée",
    ),
    "finance.forecasting": ("prévisions financières et trésorerie", "prévoir notre trésorerie"),
    "finance.fraud": (
        "détection de la fraude aux paiements",
        "repérer les fraudes et paiements suspects",
    ),
    "finance.reporting": ("reporting financier automatisé", "automatiser le reporting de gestion"),
    "logistics.demand_forecasting": ("prévision de la demande", "prévoir la demande et les ventes"),
    "logistics.inventory": ("optimisation des stocks", "optimiser nos niveaux de stock"),
    "logistics.routing": (
        "optimisation des tournées de livraison",
        "optimiser les tournées de nos livreurs",
    ),
    "security.threat_detection": (
        "détection des cybermenaces",
        "détecter les attaques informatiques",
    ),
    "security.phishing": (
        "protection contre l'hameçonnage",
        "protéger nos salariés du phishing, hameçonnage",
    ),
    "rnd.code_assistant": (
        "assistant de programmation pour développeurs",
        "aider nos développeurs à programmer",
    ),
    "rnd.design": (
        "conception générative de pièces",
        "concevoir des pièces par conception générative",
    ),
    "rnd.data_platform": (
        "plateforme de données et MLOps",
        "structurer nos données dans une plateforme",
    ),
    "hr.recruiting": (
        "tri des candidatures et recrutement",
        "recruter plus vite, trier les candidatures",
    ),
    "hr.training": ("formation personnalisée des salariés", "former nos salariés"),
    "hr.employee_assistant": (
        "assistant RH pour les collaborateurs",
        "répondre aux questions RH des salariés",
    ),
}
USE_CASES = tuple(PHRASES)
SECTORS = tuple("ABCDEFGHIJKLMNOPQRSTU")
SIZES = ("TPE", "PME", "ETI", "GE")
REGIONS = ("84", "27", "53", "24", "94", "44", "32", "11", "28", "75", "76", "52", "93")
HOSTING = ("eu_cloud", "secnumcloud", "on_premise", "other_cloud")
COMPANY_FILLER = (
    "Nous sommes une entreprise familiale.",
    "Entreprise en croissance, nous cherchons des solutions concrètes.",
    "Notre équipe est petite et peu formée à l'IA.",
    "",
)
PROVIDER_FILLER = (
    "Start-up française fondée par des chercheurs.",
    "Éditeur de logiciels depuis quinze ans.",
    "Intégrateur spécialisé, accompagnement de bout en bout.",
    "",
)


@dataclass(frozen=True)
class Event:
    """A synthetic event."""

    companies: tuple[CompanyProfile, ...]
    providers: tuple[ProviderProfile, ...]


def _popularity() -> list[float]:
    # Zipf-like: the first use cases are asked for far more often than the last ones.
    return [1.0 / (rank + 1) ** 1.1 for rank in range(len(USE_CASES))]


def _company(rng: random.Random, index: int) -> CompanyProfile:
    weights = _popularity()
    use_cases = set()
    if rng.random() > 0.05:
        use_cases = set(rng.choices(USE_CASES, weights, k=rng.randint(1, 3)))
    wishes = (
        frozenset(rng.sample(HOSTING, rng.randint(1, 2))) if rng.random() < 0.6 else frozenset()
    )
    languages = rng.choices([{"fr"}, {"en"}, {"fr", "en"}], [0.95, 0.03, 0.02])[0]
    text = ""
    if rng.random() > 0.1:
        text = " ".join(
            [
                rng.choice(COMPANY_FILLER),
                *(f"Nous voulons {PHRASES[u][1]}." for u in sorted(use_cases)),
            ]
        )
    return CompanyProfile(
        id=f"c{index}",
        use_cases=frozenset(use_cases),
        sector=rng.choices(SECTORS, [4 if s in "CGJ" else 1 for s in SECTORS])[0],
        size=rng.choices(SIZES, [0.25, 0.6, 0.12, 0.03])[0],
        region=rng.choice(REGIONS),
        languages=frozenset(languages),
        hosting_wishes=wishes,
        text=text,
    )


def _provider(rng: random.Random, index: int, star: bool) -> ProviderProfile:
    if star:
        # Stars cover most of the popular use cases and every sector and size.
        use_cases = set(rng.sample(USE_CASES[:12], rng.randint(7, 10)))
        sectors, sizes = frozenset(SECTORS), frozenset(SIZES)
    else:
        use_cases = set(rng.sample(USE_CASES, rng.randint(1, 3))) if rng.random() > 0.03 else set()
        sectors = frozenset(rng.sample(SECTORS, rng.randint(3, 8)))
        sizes = frozenset(rng.sample(SIZES, rng.randint(1, 3)))
    text = " ".join(
        [
            rng.choice(PROVIDER_FILLER),
            *(f"{PHRASES[u][0].capitalize()}." for u in sorted(use_cases)),
        ]
    )
    languages = rng.choices([{"fr", "en"}, {"fr"}, {"en"}], [0.7, 0.25, 0.05])[0]
    return ProviderProfile(
        id=f"p{index}",
        use_cases=frozenset(use_cases),
        sectors_served=sectors,
        sizes_served=sizes,
        region=rng.choice(REGIONS),
        languages=frozenset(languages),
        hosting=frozenset(rng.sample(HOSTING, rng.randint(1, 3))),
        text=text if use_cases else "",
        capacity=rng.choices([14, 7, 28], [0.8, 0.1, 0.1])[0],
    )


def make_event(companies: int, providers: int, seed: int = 1, star_share: float = 0.05) -> Event:
    """A reproducible synthetic event; about `star_share` of the providers are stars."""
    rng = random.Random(seed)
    stars = max(1, round(star_share * providers)) if providers else 0
    return Event(
        companies=tuple(_company(rng, i) for i in range(companies)),
        providers=tuple(_provider(rng, j, j < stars) for j in range(providers)),
    )
