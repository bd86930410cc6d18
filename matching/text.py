"""Free-text similarity: French-friendly normalisation, TF-IDF and cosine similarity."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

# Written without accents because texts are folded before the list is applied.
_STOP_WORDS = """
    a ai au aux avec c ce ces cet cette ceci cela d dans de des du elle elles en est et etre
    eux il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne nos notre
    nous on ou par pas pour qu que qui s sa sans se ses si son sont sur ta te tes toi ton tu
    un une vos votre vous y a ete sont ont avons avez fait faire plus tres tout tous toute
    toutes aussi comme entre chez afin ainsi donc car ni or the and of to for in on with
    our we is are an be by from this that your you it as at or
"""
FRENCH_STOP_WORDS = frozenset(_STOP_WORDS.split())

_NON_WORD = re.compile(r"[^\w]+|_")

# "char_wb" won the measurement in docs/matching.md (`python -m matching text`).
DEFAULT_ANALYZER = "char_wb"
ANALYZERS = {
    "char_wb": {"analyzer": "char_wb", "ngram_range": (3, 5)},
    "word": {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w\w+\b"},
}


def normalize(text: str) -> str:
    """Fold accents and case, drop punctuation and French/English stop words."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = _NON_WORD.sub(" ", folded).split()
    return " ".join(w for w in words if w not in FRENCH_STOP_WORDS and len(w) > 1)


def make_vectorizer(analyzer: str = DEFAULT_ANALYZER) -> TfidfVectorizer:
    """A TF-IDF vectorizer using `normalize` and one of the `ANALYZERS` settings."""
    options = dict(ANALYZERS[analyzer])
    options.setdefault("token_pattern", None)
    return TfidfVectorizer(preprocessor=normalize, sublinear_tf=True, dtype=np.float32, **options)


def similarity_matrix(
    left: Sequence[str], right: Sequence[str], analyzer: str = DEFAULT_ANALYZER
) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors, shape (len(left), len(right)), fitted on both sides.

    Empty texts (after normalisation) get similarity 0; if every text is empty the matrix is
    all zeros instead of sklearn's "empty vocabulary" error.
    """
    shape = (len(left), len(right))
    if not any(normalize(t) for t in (*left, *right)):
        return np.zeros(shape, dtype=np.float64)
    vectorizer = make_vectorizer(analyzer)
    vectors = vectorizer.fit_transform([*left, *right])
    # Rows are L2-normalised by TfidfVectorizer, so the dot product is the cosine.
    a, b = vectors[: len(left)], vectors[len(left) :]
    product = a @ b.T
    dense = product.toarray() if sparse.issparse(product) else np.asarray(product)
    return np.clip(dense.astype(np.float64), 0.0, 1.0)


def has_text(text: str) -> bool:
    """Whether `text` keeps at least one word after normalisation."""
    return bool(normalize(text))
