"""With REDIS_URL, the rebooking after an absence is a worker's job, not the request's."""

from __future__ import annotations

import pytest
import redis

from app.jobs import REBOOKING_QUEUE
from app.models import db
from app.models.enums import OfferStatus
from tests.conftest import Outbox, run_worker
from tests.factories import Factory
from tests.live.test_onsite import login, text
from tests.live.test_rebooking import offers, rebooking_world

ABSENCES = "/organisateur/evenements/forum-ia/absences"


@pytest.mark.redis
def test_an_absence_queues_the_rebooking_and_a_worker_offers_the_freed_place(rq_app):
    from rq import Queue

    queue = Queue(REBOOKING_QUEUE, connection=redis.Redis.from_url(rq_app.config["REDIS_URL"]))
    queue.empty()  # jobs left by other test runs
    world = rebooking_world(Factory(db.session))
    client = rq_app.test_client()
    login(client, "orga@example.fr")
    try:
        page = client.post(f"{ABSENCES}/{world.pixel.id}/absent", follow_redirects=True)
        assert "Pixel IA est absent : 3 rendez-vous annulés." in text(page)
        # The request returned before any solve: the job waits for a worker.
        assert offers() == []
        assert len(queue.job_ids) == 1
        # The organiser's button queues one more and says so.
        page = client.post(f"{ABSENCES}/reoptimiser", follow_redirects=True)
        assert "Ré-optimisation lancée" in text(page)
        assert len(queue.job_ids) == 2
        run_worker(rq_app)
        assert queue.job_ids == []
        # The first job offered the freed place; the second, run after it, saw that offer
        # holding the place and did not offer it twice.
        [offer] = offers()
        assert (offer.registration_a_id, offer.registration_b_id, offer.slot_id) == (
            world.alpha.id,
            world.quanta.id,
            world.slot(2).id,
        )
        assert offer.status is OfferStatus.PENDING
        assert "Propositions en attente de réponse : 1" in text(client.get(ABSENCES))
        # Both sides were e-mailed by the worker, with a link to the site the click came to.
        for email, other in (("alice@example.fr", "Quanta IA"), ("quinn@example.fr", "Alpha SAS")):
            [message] = [
                m
                for m in Outbox(rq_app).messages()
                if m["To"] == email
                and m["Subject"].startswith(f"Un rendez-vous proposé avec {other} à")
            ]
            body = message.get_body(preferencelist=("plain",)).get_content()
            assert "http://localhost/evenements/forum-ia/sur-place" in body
    finally:
        queue.empty()
