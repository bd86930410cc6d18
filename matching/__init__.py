"""Matchmaking: compatibility scores and recommendations (pure Python, no Flask/SQLAlchemy)."""
