"""Production entry point: `gunicorn wsgi:app` (see README)."""

from app import create_app

app = create_app()
