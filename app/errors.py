"""Error pages (404, 500...) rendered in the visitor's language."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        template = "errors/404.html" if error.code == 404 else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def _server_error(error):
        return render_template("errors/500.html"), 500
