"""Accounts as a person uses them: sign-up, confirmation, login, reset, settings, GDPR."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.models import Attendee, Membership, User, db
from app.models.enums import MemberRole

SIGNUP = {
    "name": "Alice Martin",
    "email": "Alice@Example.fr",
    "password": "un mot de passe long",
    "confirm": "un mot de passe long",
}


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_signup_sends_confirmation_and_link_logs_in(client, outbox):
    page = client.post("/compte/inscription", data=SIGNUP).get_data(as_text=True)
    assert "Consultez votre messagerie" in page
    user = _user("alice@example.fr")
    assert user is not None and user.email_confirmed_at is None
    message = outbox.last("alice@example.fr")
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    response = client.get(outbox.link(message))
    assert response.status_code == 302
    assert _user("alice@example.fr").email_confirmed_at is not None
    assert "Mon espace" in client.get("/espace/").get_data(as_text=True)


def test_signup_bad_input_keeps_what_was_typed(client):
    data = {**SIGNUP, "email": "pas-une-adresse", "confirm": "autre chose encore"}
    response = client.post("/compte/inscription", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide." in page
    assert "Les deux mots de passe diffèrent." in page
    assert 'value="Alice Martin"' in page
    assert 'value="pas-une-adresse"' in page
    assert 'aria-invalid="true"' in page
    assert _user("pas-une-adresse") is None


def test_signup_with_existing_email_does_not_reveal_it(client, factory, outbox):
    factory.user(email="bob@example.fr", name="Bob")
    page = client.post("/compte/inscription", data={**SIGNUP, "email": "BOB@example.fr"})
    assert "Consultez votre messagerie" in page.get_data(as_text=True)
    assert outbox.last("bob@example.fr")["Subject"] == "Vous avez déjà un compte"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_unconfirmed_account_cannot_log_in(client, auth, factory, outbox):
    factory.user(email="new@example.fr", email_confirmed_at=None)
    page = auth.login("new@example.fr").get_data(as_text=True)
    assert "Confirmez d&#39;abord votre adresse e-mail" in page or "Confirmez d'abord" in page
    assert outbox.last("new@example.fr")["Subject"] == "Confirmez votre adresse e-mail"
    assert client.get("/espace/").status_code == 302


def test_login_wrong_password_and_unknown_email_same_message(auth, factory):
    factory.user(email="carla@example.fr")
    wrong = auth.login("carla@example.fr", "mauvais mot de passe").get_data(as_text=True)
    unknown = auth.login("nobody@example.fr", "mauvais mot de passe").get_data(as_text=True)
    message = "Adresse e-mail ou mot de passe incorrect."
    assert message in wrong and message in unknown
    assert 'value="carla@example.fr"' in wrong


def test_login_then_logout(client, auth, factory):
    factory.user(email="dan@example.fr")
    response = auth.login("dan@example.fr")
    assert response.headers["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200
    auth.logout()
    assert client.get("/espace/").headers["Location"].startswith("/compte/connexion")


def test_login_next_parameter_stays_on_site(client, factory):
    factory.user(email="eve@example.fr")
    data = {"email": "eve@example.fr", "password": "correct horse battery"}
    ok = client.post("/compte/connexion?next=/compte/parametres", data=data)
    assert ok.headers["Location"] == "/compte/parametres"
    client.post("/compte/deconnexion")
    evil = client.post("/compte/connexion?next=https://evil.example/", data=data)
    assert evil.headers["Location"] == "/"


def test_login_is_rate_limited(auth, factory):
    factory.user(email="fred@example.fr")
    codes = [auth.login("fred@example.fr", "wrong password!").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_remember_me_sets_a_persistent_cookie(client, factory):
    factory.user(email="gus@example.fr")
    data = {"email": "gus@example.fr", "password": "correct horse battery", "remember": "y"}
    client.post("/compte/connexion", data=data)
    assert client.get_cookie("remember_token") is not None


def test_password_reset_flow_single_use(client, factory, outbox):
    factory.user(email="hana@example.fr")
    page = client.post("/compte/mot-de-passe-oublie", data={"email": "hana@example.fr"})
    assert "Si un compte existe pour hana@example.fr" in page.get_data(as_text=True)
    link = outbox.link(outbox.last("hana@example.fr"))
    new = {"password": "nouveau mot de passe", "confirm": "nouveau mot de passe"}
    assert client.post(link, data=new).status_code == 302
    assert _user("hana@example.fr").check_password("nouveau mot de passe")
    client.post("/compte/deconnexion")
    assert client.post(link, data=new).status_code == 400  # already used


def test_password_reset_for_unknown_email_sends_nothing(client, outbox):
    page = client.post("/compte/mot-de-passe-oublie", data={"email": "ghost@example.fr"})
    assert "Si un compte existe" in page.get_data(as_text=True)
    assert outbox.messages() == []


def test_tampered_or_foreign_token_is_refused(client):
    response = client.get("/compte/confirmer/not-a-token")
    assert response.status_code == 400
    assert "Ce lien n&#39;est pas valide" in response.get_data(
        as_text=True
    ) or "pas valide" in response.get_data(as_text=True)


def test_password_change_logs_out_other_sessions(app, client, auth, factory):
    factory.user(email="ivan@example.fr")
    other = app.test_client()
    other.post(
        "/compte/connexion", data={"email": "ivan@example.fr", "password": "correct horse battery"}
    )
    assert other.get("/espace/").status_code == 200
    auth.login("ivan@example.fr")
    data = {
        "current": "correct horse battery",
        "password": "encore un autre mdp",
        "confirm": "encore un autre mdp",
    }
    assert client.post("/compte/parametres/mot-de-passe", data=data).status_code == 302
    assert client.get("/espace/").status_code == 200  # this session stays
    assert other.get("/espace/").status_code == 302  # the other one is logged out


def test_change_email_needs_confirmation_from_new_address(client, auth, factory, outbox):
    factory.user(email="jo@example.fr")
    factory.user(email="taken@example.fr")
    auth.login("jo@example.fr")
    bad = client.post(
        "/compte/parametres/email", data={"email": "new@example.fr", "password": "nope nope"}
    )
    assert bad.status_code == 400 and "Mot de passe incorrect." in bad.get_data(as_text=True)
    client.post(
        "/compte/parametres/email",
        data={"email": "new@example.fr", "password": "correct horse battery"},
    )
    assert _user("jo@example.fr") is not None  # unchanged until confirmed
    client.get(outbox.link(outbox.last("new@example.fr")))
    assert _user("new@example.fr") is not None
    client.post(
        "/compte/parametres/email",
        data={"email": "taken@example.fr", "password": "correct horse battery"},
    )
    page = client.get(outbox.link(outbox.last("taken@example.fr")), follow_redirects=True)
    assert "déjà utilisée" in page.get_data(as_text=True)


def test_export_my_data_as_json(client, auth, factory):
    user = factory.user(email="kim@example.fr", name="Kim Lee")
    org = factory.organisation(name="Kim SAS")
    factory.member(user, org)
    auth.login("kim@example.fr")
    response = client.get("/compte/mes-donnees.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "kim@example.fr"
    assert data["organisations"] == [{"id": org.id, "name": "Kim SAS", "role": "owner"}]
    assert "password" not in response.get_data(as_text=True)


def test_delete_account_anonymises_and_hands_over(client, auth, factory):
    user = factory.user(email="leo@example.fr")
    colleague = factory.user(email="mia@example.fr")
    org = factory.organisation()
    factory.member(user, org)
    factory.member(colleague, org, role=MemberRole.MEMBER)
    event = factory.event()
    registration = factory.registration(event=event, organisation=org)
    registration.attendees.append(Attendee(name="Léo", email="leo@example.fr"))
    db.session.commit()
    auth.login("leo@example.fr")
    refused = client.post("/compte/supprimer", data={"password": "wrong!!", "confirm": "y"})
    assert refused.status_code == 400
    client.post("/compte/supprimer", data={"password": "correct horse battery", "confirm": "y"})
    assert _user("leo@example.fr") is None
    attendee = db.session.scalar(sa.select(Attendee))
    assert (attendee.name, attendee.email.endswith("@invalid")) == ("—", True)
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == colleague.id))
    assert membership.role is MemberRole.OWNER
