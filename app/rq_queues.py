"""What RQ does not say directly about a job: whether a "queued" job is really waiting."""

from __future__ import annotations


def waits_in_queue(queue, job_id: str) -> bool:
    """True while the job's id is in its queue, or in RQ's intermediate queue (being taken)."""
    # A worker that takes jobs from several queues (`flask worker` does) pops the id off the
    # queue with BLPOP before it marks the job started: killed in between, it leaves a job that
    # says "queued" but is in no queue, and that no worker will ever run.
    return (
        queue.get_job_position(job_id) is not None
        or job_id in queue.intermediate_queue.get_job_ids()
    )
