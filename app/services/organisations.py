"""Organisations: creation, profile, members and invitations, solutions, logos."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from app.models import Invitation, Membership, Organisation, Solution, User, db
from app.models.base import utcnow
from app.models.enums import MemberRole, OrganisationKind
from app.models.organisation import fold_name
from app.services import ServiceError

LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000 * 4000


def user_organisations(user: User) -> list[Organisation]:
    return sorted((m.organisation for m in user.memberships), key=lambda o: o.name_key)


def require_member(organisation: Organisation, user: User, *, owner: bool = False) -> MemberRole:
    """The user's role in the organisation; ServiceError('forbidden') if not allowed."""
    role = organisation.member_role(user)
    if role is None or (owner and role is not MemberRole.OWNER):
        raise ServiceError("forbidden")
    return role


def name_taken(name: str, *, exclude_id: int | None = None) -> bool:
    query = sa.select(Organisation.id).where(Organisation.name_key == fold_name(name))
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalar(query) is not None


def create_organisation(*, owner: User, kind: OrganisationKind, name: str) -> Organisation:
    if name_taken(name):
        raise ServiceError("name-taken")
    organisation = Organisation(kind=kind, name=name)
    organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_profile(*, organisation: Organisation, values: dict, actor: User) -> None:
    """Apply profile fields; `values` holds column values and `needs` (use cases)."""
    require_member(organisation, actor)
    if "name" in values and name_taken(values["name"], exclude_id=organisation.id):
        raise ServiceError("name-taken")
    for key, value in values.items():
        setattr(organisation, key, value)
    db.session.flush()


def store_logo(*, organisation: Organisation, data: bytes, upload_dir: Path) -> str:
    """Check that `data` is a small image and keep it; returns the stored file name."""
    if len(data) > LOGO_MAX_BYTES:
        raise ServiceError("logo-too-big")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError("logo-not-image") from None
    if image_format not in LOGO_FORMATS or width * height > LOGO_MAX_PIXELS:
        raise ServiceError("logo-not-image")
    name = f"{uuid.uuid4().hex}.{LOGO_FORMATS[image_format]}"
    folder = upload_dir / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    old = organisation.logo_path
    organisation.logo_path = name
    if old:
        (folder / old).unlink(missing_ok=True)
    return name


def invite_member(
    *, organisation: Organisation, email: str, role: MemberRole, actor: User
) -> Invitation:
    require_member(organisation, actor, owner=True)
    email = email.strip().lower()
    if any(m.user.email == email for m in organisation.memberships):
        raise ServiceError("already-member")
    invitation = Invitation(organisation=organisation, email=email, role=role, invited_by=actor)
    db.session.add(invitation)
    db.session.flush()
    return invitation


def accept_invitation(*, invitation: Invitation, user: User) -> Membership:
    """Join the organisation; only the invited address can accept, and only once."""
    if invitation.accepted_at is not None:
        raise ServiceError("invitation-used")
    if invitation.email != user.email:
        raise ServiceError("invitation-other-email")
    invitation.accepted_at = utcnow()
    existing = next((m for m in invitation.organisation.memberships if m.user_id == user.id), None)
    if existing is not None:
        return existing
    membership = Membership(user=user, organisation=invitation.organisation, role=invitation.role)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_member(*, organisation: Organisation, membership: Membership, actor: User) -> None:
    """Owners remove members; anyone may leave; the last owner cannot leave."""
    if membership.user_id != actor.id:
        require_member(organisation, actor, owner=True)
    owners = [m for m in organisation.memberships if m.role is MemberRole.OWNER]
    if membership.role is MemberRole.OWNER and len(owners) == 1:
        raise ServiceError("last-owner")
    db.session.delete(membership)
    db.session.flush()


def save_solution(
    *, organisation: Organisation, solution: Solution | None, values: dict, actor: User
) -> Solution:
    require_member(organisation, actor)
    if organisation.kind is not OrganisationKind.PROVIDER:
        raise ServiceError("not-provider")
    clash = db.session.scalar(
        sa.select(Solution.id).where(
            Solution.provider_id == organisation.id,
            sa.func.lower(Solution.name) == values["name"].strip().lower(),
            Solution.id != (solution.id if solution else -1),
        )
    )
    if clash is not None:
        raise ServiceError("solution-name-taken")
    if solution is None:
        solution = Solution(provider=organisation, name=values["name"], summary=values["summary"])
        db.session.add(solution)
    for key, value in values.items():
        setattr(solution, key, value)
    db.session.flush()
    return solution


def delete_solution(*, solution: Solution, actor: User) -> None:
    require_member(solution.provider, actor)
    db.session.delete(solution)
    db.session.flush()
