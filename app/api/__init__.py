"""JSON API (/api/v1) for organisers' other systems, and the organiser pages for its tokens."""
