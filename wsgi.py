"""Production entry point: `gunicorn wsgi:app` (see README); also FLASK_APP for the CLI."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # A configuration mistake is the operator's to fix: say which variable, no traceback.
    sys.exit(f"Configuration error: {exc}")
