"""Matchmaking: compatibility scores and recommendations (pure Python, no Flask/SQLAlchemy).

The app converts database rows to `CompanyProfile` and `ProviderProfile`, then calls
`score_all`, `recommend` (and `by_provider` for the providers' view) and renders reasons
with `describe`.
"""

from matching.explain import describe
from matching.matches import explain, score_all
from matching.model import CompanyProfile, Match, ProviderProfile, Reason
from matching.recommend import (
    by_provider,
    naive_top_k,
    recommend,
    recommend_from_matrix,
    schedulable_share,
)
from matching.scoring import LANGUAGE_PENALTY, WEIGHTS, ScoreMatrix, score_matrix

__all__ = [
    "LANGUAGE_PENALTY",
    "WEIGHTS",
    "CompanyProfile",
    "Match",
    "ProviderProfile",
    "Reason",
    "ScoreMatrix",
    "by_provider",
    "describe",
    "explain",
    "naive_top_k",
    "recommend",
    "recommend_from_matrix",
    "schedulable_share",
    "score_all",
    "score_matrix",
]
