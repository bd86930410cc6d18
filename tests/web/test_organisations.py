"""Organisations, profiles, logos, members and solutions through the web forms."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from app.models import Membership, Organisation, Solution, db
from app.models.enums import MemberRole, OrganisationKind


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _org(name: str) -> Organisation | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name))


def test_create_organisation_makes_me_owner(client, auth, factory):
    user = factory.user(email="ana@example.fr")
    auth.login("ana@example.fr")
    response = client.post(
        "/espace/organisations/nouvelle", data={"kind": "provider", "name": "Visioqualis"}
    )
    organisation = _org("Visioqualis")
    assert response.headers["Location"] == f"/espace/organisations/{organisation.id}"
    assert organisation.kind is OrganisationKind.PROVIDER
    assert organisation.member_role(user) is MemberRole.OWNER


def test_organisation_name_taken_ignoring_case_and_accents(client, auth, factory):
    factory.organisation(name="Forges de Vénissieux")
    factory.user(email="ben@example.fr")
    auth.login("ben@example.fr")
    page = client.post(
        "/espace/organisations/nouvelle", data={"kind": "company", "name": "FORGES  de venissieux"}
    )
    text = page.get_data(as_text=True)
    assert "Une organisation porte déjà ce nom." in text
    assert 'value="FORGES  de venissieux"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def _profile(**overrides) -> dict:
    data = {
        "name": "Plasturgie du Rhône",
        "siren": "732 829 320",
        "size_code": "PME",
        "sector_code": "C",
        "region_code": "84",
        "website": "https://www.plasturgie.example",
        "description": "Injection plastique.",
        "languages": ["fr", "en"],
        "needs": ["production.quality_inspection", "production.energy"],
        "needs_text": "Réduire les rebuts.",
        "budget_range": "5k_20k",
        "timeline": "6 mois",
        "directory_consent": "y",
    }
    data.update(overrides)
    return data


def test_company_profile_saved_with_needs(client, auth, factory):
    user = factory.user(email="chloe@example.fr")
    org = factory.organisation(name="Plasturgie du Rhône")
    factory.member(user, org)
    auth.login("chloe@example.fr")
    response = client.post(f"/espace/organisations/{org.id}", data=_profile())
    assert response.status_code == 302
    org = _org("Plasturgie du Rhône")
    assert (org.siren, org.size_code, org.region_code) == ("732829320", "PME", "84")
    assert sorted(u.code for u in org.needs) == [
        "production.energy",
        "production.quality_inspection",
    ]
    assert org.languages == ["fr", "en"] and org.directory_consent


def test_profile_bad_input_named_next_to_fields_and_nothing_saved(client, auth, factory):
    user = factory.user(email="dina@example.fr")
    org = factory.organisation(name="Dina SARL")
    factory.member(user, org)
    auth.login("dina@example.fr")
    bad = _profile(
        name="Dina SARL", siren="732829321", website="pas un site", description="x" * 2001
    )
    page = client.post(f"/espace/organisations/{org.id}", data=bad).get_data(as_text=True)
    assert (
        "Ce numéro SIREN n&#39;est pas valide" in page or "Ce numéro SIREN n'est pas valide" in page
    )
    assert "Saisissez une adresse complète" in page
    assert "2000" in page  # length message
    assert 'value="pas un site"' in page
    assert _org("Dina SARL").siren is None


def test_logo_must_be_an_image(client, auth, factory, app):
    user = factory.user(email="eli@example.fr")
    org = factory.organisation(name="Eli SAS")
    factory.member(user, org)
    auth.login("eli@example.fr")
    fake = _profile(name="Eli SAS", logo=(io.BytesIO(b"<?php echo 1; ?>"), "logo.png"))
    page = client.post(
        f"/espace/organisations/{org.id}", data=fake, content_type="multipart/form-data"
    )
    assert "Le logo doit être une image PNG, JPEG, WebP ou GIF." in page.get_data(as_text=True)
    assert _org("Eli SAS").logo_path is None
    real = _profile(name="Eli SAS", logo=(io.BytesIO(_png()), "logo.png"))
    client.post(f"/espace/organisations/{org.id}", data=real, content_type="multipart/form-data")
    logo = client.get(f"/espace/logos/{org.id}")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    logo.close()


def test_other_users_cannot_see_or_edit_a_profile(client, auth, factory):
    owner = factory.user(email="fanny@example.fr")
    org = factory.organisation(name="Fanny SA")
    factory.member(owner, org)
    factory.user(email="intrus@example.fr")
    auth.login("intrus@example.fr")
    assert client.get(f"/espace/organisations/{org.id}").status_code == 403
    assert (
        client.post(f"/espace/organisations/{org.id}", data=_profile(name="Volé")).status_code
        == 403
    )
    assert client.get(f"/espace/organisations/{org.id}/membres").status_code == 403
    assert _org("Fanny SA") is not None


def test_invitation_flow_only_for_invited_address(client, auth, factory, outbox):
    owner = factory.user(email="gaby@example.fr")
    org = factory.organisation(name="Gaby SAS")
    factory.member(owner, org)
    factory.user(email="hugo@example.fr")
    factory.user(email="other@example.fr")
    auth.login("gaby@example.fr")
    client.post(
        f"/espace/organisations/{org.id}/membres",
        data={"email": "hugo@example.fr", "role": "member"},
    )
    link = outbox.link(outbox.last("hugo@example.fr"))
    auth.logout()
    auth.login("other@example.fr")
    page = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "envoyée à une autre adresse" in page
    auth.logout()
    auth.login("hugo@example.fr")
    client.post(link)
    roles = db.session.scalars(
        sa.select(Membership.role).where(Membership.organisation_id == org.id)
    )
    assert sorted(r.value for r in roles) == ["member", "owner"]
    assert "déjà été utilisée" in client.post(link, follow_redirects=True).get_data(as_text=True)


def test_members_cannot_invite_and_last_owner_cannot_leave(client, auth, factory):
    owner = factory.user(email="ines@example.fr")
    member = factory.user(email="jules@example.fr")
    org = factory.organisation(name="Ines SAS")
    own = factory.member(owner, org)
    factory.member(member, org, role=MemberRole.MEMBER)
    auth.login("jules@example.fr")
    invite = {"email": "x@example.fr", "role": "owner"}
    assert client.post(f"/espace/organisations/{org.id}/membres", data=invite).status_code == 403
    auth.logout()
    auth.login("ines@example.fr")
    page = client.post(
        f"/espace/organisations/{org.id}/membres/{own.id}/retirer", follow_redirects=True
    )
    assert "Le dernier propriétaire ne peut pas partir" in page.get_data(as_text=True)


SOLUTION = {
    "name": "Visio Contrôle",
    "summary": "Contrôle qualité par caméra",
    "description": "Détection de défauts.",
    "use_cases": ["production.quality_inspection"],
    "sectors": ["C"],
    "sizes": ["PME", "ETI"],
    "hosting": ["on_premise"],
    "technologies": ["vision"],
    "maturity": "production",
    "price_range": "20k_100k",
    "published": "y",
}


def test_provider_publishes_two_solutions_and_names_are_unique(client, auth, factory):
    user = factory.user(email="kate@example.fr")
    org = factory.organisation(name="Kate IA", kind=OrganisationKind.PROVIDER)
    factory.member(user, org)
    auth.login("kate@example.fr")
    url = f"/espace/organisations/{org.id}/solutions/nouvelle"
    assert client.post(url, data=SOLUTION).status_code == 302
    assert client.post(url, data={**SOLUTION, "name": "Visio Maintenance"}).status_code == 302
    dup = client.post(url, data={**SOLUTION, "name": "visio contrôle"}).get_data(as_text=True)
    assert "Vous avez déjà une solution de ce nom." in dup
    solutions = db.session.scalars(sa.select(Solution).order_by(Solution.name)).all()
    assert [s.name for s in solutions] == ["Visio Contrôle", "Visio Maintenance"]
    assert [h.code for h in solutions[0].hosting] == ["on_premise"]


def test_solution_needs_a_use_case_and_company_cannot_publish(client, auth, factory):
    user = factory.user(email="lou@example.fr")
    provider = factory.organisation(name="Lou IA", kind=OrganisationKind.PROVIDER)
    company = factory.organisation(name="Lou Industrie")
    factory.member(user, provider)
    factory.member(user, company)
    auth.login("lou@example.fr")
    page = client.post(
        f"/espace/organisations/{provider.id}/solutions/nouvelle",
        data={**SOLUTION, "use_cases": []},
    )
    assert "Choisissez au moins un cas d&#39;usage." in page.get_data(
        as_text=True
    ) or "au moins un cas" in page.get_data(as_text=True)
    assert client.get(f"/espace/organisations/{company.id}/solutions/nouvelle").status_code == 404
