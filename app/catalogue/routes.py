"""Public AI solutions catalogue: list with filters and search, solution and provider pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from app.catalogue.forms import read_catalogue_query
from app.services.catalogue import (
    FILTER_NAMES,
    filter_options,
    get_public_provider,
    get_public_solution,
    public_solutions_of,
    search_solutions,
)

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.get("/")
def index():
    options = filter_options()
    query = read_catalogue_query(request.args, options)
    results = search_solutions(q=query.q, filters=query.filters, page=query.page)
    return render_template(
        "catalogue/index.html",
        query=query,
        options=options,
        filter_names=FILTER_NAMES,
        results=results,
    )


@bp.get("/solutions/<int:solution_id>")
def solution(solution_id: int):
    solution = get_public_solution(solution_id)
    if solution is None:
        abort(404)
    return render_template("catalogue/solution.html", solution=solution)


@bp.get("/fournisseurs/<int:provider_id>")
def provider(provider_id: int):
    provider = get_public_provider(provider_id)
    if provider is None:
        abort(404)
    return render_template(
        "catalogue/provider.html", provider=provider, solutions=public_solutions_of(provider)
    )
