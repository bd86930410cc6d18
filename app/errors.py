"""Error pages (404, 500...) rendered in the visitor's language."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, ServiceUnavailable

from app.models import db


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        template = "errors/404.html" if error.code == 404 else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa.exc.DataError)
    def _bad_value(_error):
        # A value the database cannot hold (a number past its integers, text with a NUL...)
        # came from the request: a bad request, not a server error.
        db.session.rollback()
        error = BadRequest("A value in the request is out of range or not valid text.")
        if request.path.startswith("/api/"):
            from app.api.auth import http_error_response  # noqa: PLC0415 (blueprint module)

            return http_error_response(error)
        return render_template("errors/generic.html", error=error), 400

    @app.errorhandler(sa.exc.TimeoutError)
    def _busy(_error):
        # Every database connection of this process is in use (a burst of requests): the
        # request changed nothing; say so and ask to retry, instead of a server error.
        db.session.rollback()
        error = ServiceUnavailable(
            "The service is very busy. Nothing was saved: please try again in a moment."
        )
        if request.path.startswith("/api/"):
            from app.api.auth import http_error_response  # noqa: PLC0415 (blueprint module)

            response = http_error_response(error)
        else:
            response = app.make_response((render_template("errors/generic.html", error=error), 503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(500)
    def _server_error(error):
        return render_template("errors/500.html"), 500
