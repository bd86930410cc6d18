"""A realistic demo event: "Rendez-vous IA — Industrie" in Lyon, with seeded random data."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from stdnum import luhn

from app.models import (
    Attendee,
    CompanySize,
    Event,
    HostingOption,
    MeetingRequest,
    MeetingTable,
    Membership,
    Organisation,
    Registration,
    Sector,
    Solution,
    Technology,
    UseCase,
    User,
    db,
)
from app.models.enums import (
    EventStatus,
    Maturity,
    MemberRole,
    OrganisationKind,
    PriceRange,
    RegistrationRole,
    RegistrationStatus,
    RequestPriority,
    RequestStatus,
)
from app.services.event_setup import add_session, generate_slots

DEMO_SLUG = "rendez-vous-ia-industrie-lyon"
DEMO_PASSWORD = "demo-rdv-ia-2026"
TZ = "Europe/Paris"

# (email, name, organisation kind or None for the organiser)
DEMO_ACCOUNTS = [
    ("organisatrice@demo.rdv-ia.fr", "Claire Organisatrice", None),
    ("entreprise@demo.rdv-ia.fr", "Julien Martin", OrganisationKind.COMPANY),
    ("entreprise2@demo.rdv-ia.fr", "Sophie Bernard", OrganisationKind.COMPANY),
    ("fournisseur@demo.rdv-ia.fr", "Nadia Haddad", OrganisationKind.PROVIDER),
    ("fournisseur2@demo.rdv-ia.fr", "Thomas Petit", OrganisationKind.PROVIDER),
]

FIRST = [
    "Camille",
    "Léa",
    "Hugo",
    "Manon",
    "Lucas",
    "Inès",
    "Louis",
    "Chloé",
    "Nathan",
    "Emma",
    "Karim",
    "Yasmine",
    "Antoine",
    "Pauline",
    "Mathieu",
    "Aurélie",
    "Olivier",
    "Sarah",
]
LAST = [
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
]
COMPANY_WORDS = [
    "Forges",
    "Plasturgie",
    "Mécanique",
    "Fonderie",
    "Usinage",
    "Textiles",
    "Chaudronnerie",
    "Décolletage",
    "Emballages",
    "Composites",
    "Laboratoires",
    "Menuiseries",
    "Transports",
    "Verrerie",
    "Robinetterie",
    "Imprimerie",
]
PLACES = [
    "du Rhône",
    "de Vénissieux",
    "de Villeurbanne",
    "du Beaujolais",
    "de l'Ain",
    "de Saint-Étienne",
    "du Dauphiné",
    "de Savoie",
    "de la Loire",
    "d'Oyonnax",
    "de Givors",
    "de Vienne",
    "du Forez",
    "de Roanne",
    "d'Annecy",
]
PROVIDER_STEMS = [
    "Visio",
    "Data",
    "Neuro",
    "Predi",
    "Cogni",
    "Opti",
    "Lumi",
    "Quanti",
    "Senti",
    "Algo",
    "Deep",
    "Smart",
    "Lexi",
    "Robo",
    "Flux",
    "Indus",
]
PROVIDER_ENDS = [
    "qualis",
    "forge",
    "mind",
    "tek",
    "sense",
    "lab",
    "nova",
    "metrics",
    "wave",
    "logic",
    "line",
    "scope",
]
SOLUTION_KINDS = [
    ("Vision", ["production.quality_inspection"], ["vision"]),
    ("Predict", ["production.predictive_maintenance", "production.energy"], ["ml"]),
    (
        "Plan",
        ["production.planning", "logistics.demand_forecasting", "logistics.inventory"],
        ["ml", "automation"],
    ),
    ("Docs", ["admin.document_processing", "finance.invoice_automation"], ["text", "genai"]),
    (
        "Assist",
        ["admin.knowledge_assistant", "hr.employee_assistant", "sales.chatbot"],
        ["genai", "nlg"],
    ),
    ("Optim", ["production.process_optimisation", "production.energy"], ["ml", "automation"]),
    ("Cobot", ["production.robotics"], ["robotics", "vision"]),
    ("Sales", ["sales.lead_scoring", "sales.churn", "sales.pricing"], ["ml"]),
    ("Shield", ["security.threat_detection", "security.phishing"], ["ml", "text"]),
    ("Route", ["logistics.routing", "logistics.demand_forecasting"], ["ml", "automation"]),
]


@dataclass(frozen=True)
class DemoResult:
    event: Event
    created: bool


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8)}"
    return body + luhn.calc_check_digit(body)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _local(day: date, hour: int, minute: int) -> datetime:
    aware = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TZ))
    return aware.astimezone(UTC).replace(tzinfo=None)


def _create_event(today: date) -> Event:
    day = today + timedelta(days=45)
    day += timedelta(days=(3 - day.weekday()) % 7)  # a Thursday, as such events usually are
    event = Event(
        slug=DEMO_SLUG,
        title="Rendez-vous IA — Industrie",
        description=(
            "Une journée de rendez-vous d'affaires préprogrammés entre PME et ETI "
            "industrielles de la région et fournisseurs de solutions d'intelligence "
            "artificielle : maintenance prédictive, contrôle qualité, planification, énergie."
        ),
        venue="CCI Lyon Métropole — Palais de la Bourse",
        address="Place de la Bourse, 69002 Lyon",
        city="Lyon",
        timezone=TZ,
        status=EventStatus.MATCHMAKING,
        starts_on=day,
        ends_on=day,
        registration_deadline=_local(day - timedelta(days=14), 23, 59),
        request_deadline=_local(day - timedelta(days=7), 23, 59),
        meeting_minutes=20,
        pause_minutes=5,
        max_registrations=200,
    )
    event.sectors = [db.session.get(Sector, "C")]
    add_session(event=event, name="Matin", starts_at=_local(day, 9, 0), ends_at=_local(day, 12, 30))
    add_session(
        event=event, name="Après-midi", starts_at=_local(day, 14, 0), ends_at=_local(day, 17, 30)
    )
    generate_slots(event=event)
    event.tables = [
        MeetingTable(label=f"T{n:02d}", zone="A" if n <= 20 else "B", position=n)
        for n in range(1, 43)
    ]
    db.session.add(event)
    return event


def _make_provider(
    rng: random.Random, n: int, use_cases: dict[str, UseCase], ref: dict
) -> Organisation:
    name = f"{PROVIDER_STEMS[n % len(PROVIDER_STEMS)]}{PROVIDER_ENDS[n % len(PROVIDER_ENDS)]}"
    org = Organisation(
        kind=OrganisationKind.PROVIDER,
        name=name.capitalize(),
        siren=_siren(rng),
        size_code=rng.choice(["TPE", "PME", "PME", "ETI"]),
        sector_code="J",
        region_code=rng.choice(["84", "84", "84", "11", "93", "76"]),
        website=f"https://www.{_slug(name)}.example",
        languages=rng.choice([["fr"], ["fr", "en"]]),
        description=f"{name.capitalize()} conçoit des solutions d'IA pour l'industrie.",
        offer_text="Solutions d'IA industrielles clés en main, déployées en quelques semaines.",
        catalogue_consent=True,
        directory_consent=True,
    )
    for kind, codes, techs in rng.sample(SOLUTION_KINDS, rng.choice([1, 1, 2, 3])):
        org.solutions.append(
            Solution(
                name=f"{org.name} {kind}",
                summary=f"{kind} : " + ", ".join(use_cases[c].label_fr.lower() for c in codes),
                maturity=rng.choice(list(Maturity)),
                price_range=rng.choice(list(PriceRange)),
                use_cases=[use_cases[c] for c in codes],
                sectors=[ref["sector"][c] for c in ["C", *rng.sample(["H", "G", "F"], 1)]],
                sizes=[ref["size"][c] for c in rng.sample(["TPE", "PME", "ETI", "GE"], 3)],
                hosting=[
                    ref["hosting"][c]
                    for c in rng.sample(
                        ["eu_cloud", "secnumcloud", "on_premise"], rng.randint(1, 2)
                    )
                ],
                technologies=[ref["technology"][c] for c in techs],
            )
        )
    return org


def _make_company(rng: random.Random, n: int, use_cases: dict[str, UseCase]) -> Organisation:
    name = f"{COMPANY_WORDS[n % len(COMPANY_WORDS)]} {PLACES[(n * 7) % len(PLACES)]}"
    wanted = rng.sample(sorted(use_cases), rng.randint(1, 3))
    return Organisation(
        kind=OrganisationKind.COMPANY,
        name=name,
        siren=_siren(rng),
        size_code=rng.choice(["TPE", "PME", "PME", "PME", "ETI", "GE"]),
        sector_code="C",
        region_code="84",
        languages=["fr"],
        needs=[use_cases[c] for c in wanted],
        description="Entreprise industrielle de la région Auvergne-Rhône-Alpes.",
        needs_text="Nous cherchons à gagner en productivité grâce aux données de production.",
        budget_range=rng.choice(list(PriceRange)),
        timeline=rng.choice(["3 mois", "6 mois", "1 an"]),
        directory_consent=True,
    )


def _register(
    rng: random.Random, event: Event, org: Organisation, *, approved: bool
) -> Registration:
    provider = org.kind is OrganisationKind.PROVIDER
    reg = Registration(
        organisation=org,
        role=RegistrationRole.PROVIDER if provider else RegistrationRole.SEEKER,
        status=RegistrationStatus.APPROVED if approved else RegistrationStatus.PENDING,
        representatives=2 if provider and rng.random() < 0.15 else 1,
        max_meetings=rng.choice([None, None, 8, 10]) if not provider else None,
        sessions=list(event.sessions),
    )
    reg.attendees.append(
        Attendee(
            name=_person(rng),
            email=f"contact@{_slug(org.name)}.example",
        )
    )
    roll = rng.random()
    if roll < 0.12:  # morning only
        reg.unavailable_slots = list(event.sessions[1].slots)
        reg.sessions = [event.sessions[0]]
    elif roll < 0.22:  # leaves early or arrives late
        reg.unavailable_slots = rng.sample(list(event.slots), 3)
    event.registrations.append(reg)
    return reg


def _overlap(a: Organisation, b: Organisation) -> int:
    wanted = {u.code for u in a.needs}
    return sum(len(wanted & {u.code for u in s.use_cases}) for s in b.solutions)


def _make_requests(rng: random.Random, event: Event) -> None:
    """Companies ask providers (popular ones more often), providers ask a few companies."""
    regs = [r for r in event.registrations if r.status is RegistrationStatus.APPROVED]
    seekers = [r for r in regs if r.role is RegistrationRole.SEEKER]
    providers = [r for r in regs if r.role is RegistrationRole.PROVIDER]
    popularity = {p.id: 1.0 / (1 + i) ** 0.7 for i, p in enumerate(providers)}
    pairs: dict[tuple[int, int], MeetingRequest] = {}

    def ask(src: Registration, dst: Registration, priority: RequestPriority) -> None:
        req = MeetingRequest(
            event=event,
            from_registration=src,
            to_registration=dst,
            priority=priority,
            status=rng.choices(list(RequestStatus)[:3], weights=[15, 80, 5])[0],
            message="Bonjour, nous aimerions échanger sur votre solution.",
        )
        pairs[(src.id, dst.id)] = req
        reverse = pairs.get((dst.id, src.id))
        if reverse is not None:
            req.mutual = reverse.mutual = True

    for seeker in seekers:
        scored = sorted(
            providers,
            key=lambda p: (
                -(
                    _overlap(seeker.organisation, p.organisation)
                    + 2 * popularity[p.id]
                    + rng.random()
                )
            ),
        )
        for rank, provider in enumerate(scored[: rng.randint(3, 6)]):
            ask(seeker, provider, list(RequestPriority)[min(rank // 2, 2)])
    for provider in providers:
        for seeker in rng.sample(seekers, 3):
            if (provider.id, seeker.id) not in pairs:
                ask(provider, seeker, RequestPriority.WOULD_LIKE)
    db.session.add_all(pairs.values())


def _accounts(event: Event, orgs: dict[OrganisationKind, list[Organisation]]) -> None:
    picks = {
        OrganisationKind.COMPANY: iter(orgs[OrganisationKind.COMPANY][:2]),
        OrganisationKind.PROVIDER: iter(orgs[OrganisationKind.PROVIDER][:2]),
    }
    for email, name, kind in DEMO_ACCOUNTS:
        user = User(email=email, name=name, email_confirmed_at=datetime(2026, 1, 1))
        user.set_password(DEMO_PASSWORD)
        if kind is None:
            user.is_admin = True
            event.organisers.append(user)
        else:
            org = next(picks[kind])
            org.memberships.append(Membership(user=user, role=MemberRole.OWNER))
        db.session.add(user)


def create_demo(*, today: date, seed: int = 2026) -> DemoResult:
    """Create the demo event with ~40 providers and ~120 companies, unless it exists."""
    existing = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if existing is not None:
        return DemoResult(event=existing, created=False)
    rng = random.Random(seed)
    use_cases = {u.code: u for u in db.session.scalars(sa.select(UseCase))}
    if not use_cases:
        raise RuntimeError("reference data is missing: run `flask taxonomy` first")
    ref = {
        name: {r.code: r for r in db.session.scalars(sa.select(model))}
        for name, model in (
            ("sector", Sector),
            ("size", CompanySize),
            ("hosting", HostingOption),
            ("technology", Technology),
        )
    }
    event = _create_event(today)
    orgs = {
        OrganisationKind.PROVIDER: [_make_provider(rng, n, use_cases, ref) for n in range(40)],
        OrganisationKind.COMPANY: [_make_company(rng, n, use_cases) for n in range(120)],
    }
    for kind, items in orgs.items():
        for n, org in enumerate(items):
            approved = kind is OrganisationKind.PROVIDER or n < 114
            reg = _register(rng, event, org, approved=approved)
            if kind is OrganisationKind.PROVIDER:
                reg.home_table = event.tables[n]
    _accounts(event, orgs)
    db.session.flush()
    _make_requests(rng, event)
    db.session.flush()
    return DemoResult(event=event, created=True)
