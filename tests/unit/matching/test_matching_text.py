"""French-friendly text normalisation and TF-IDF similarity."""

from __future__ import annotations

import pytest

from matching.text import ANALYZERS, normalize, similarity_matrix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maintenance PRÉDICTIVE des équipements", "maintenance predictive equipements"),
        ("L'usine de l'avenir, c'est ça !", "usine avenir ca"),
        ("snake_case & co-op", "snake case co op"),
        ("", ""),
        ("🚀 能源", "能源"),
    ],
    ids=["accents", "elisions", "punctuation", "empty", "non-ascii"],
)
def test_normalize_folds_and_drops_stop_words(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("analyzer", sorted(ANALYZERS), ids=sorted(ANALYZERS))
def test_similarity_matrix_ranks_related_text_first(analyzer):
    sim = similarity_matrix(
        ["anticiper les pannes de nos machines"],
        ["maintenance des machines et pannes", "recrutement et candidatures"],
        analyzer,
    )
    assert sim[0, 0] > sim[0, 1]


@pytest.mark.parametrize("analyzer", sorted(ANALYZERS), ids=sorted(ANALYZERS))
def test_similarity_matrix_empty_vocabulary_gives_zeros(analyzer):
    assert similarity_matrix(["", "de la"], ["!!"], analyzer).tolist() == [[0.0], [0.0]]


def test_similarity_matrix_identical_texts_is_one():
    sim = similarity_matrix(["Vision industrielle"], ["vision  INDUSTRIELLE"])
    assert round(float(sim[0, 0]), 6) == 1.0


def test_similarity_matrix_empty_sides():
    assert similarity_matrix([], ["texte"]).shape == (0, 1)


def test_char_ngrams_bridge_inflections():
    sim = similarity_matrix(["prévoir la demande"], ["prévision de la demande"], "char_wb")
    word = similarity_matrix(["prévoir la demande"], ["prévision de la demande"], "word")
    assert sim[0, 0] > word[0, 0]
