"""Typed, path-aware field readers used by the JSON reader."""

from __future__ import annotations

from typing import Any

from .model import ProblemError

_MISSING = object()


def fail(path: str, message: str) -> ProblemError:
    """Build the single error type, prefixed by the offending path."""
    return ProblemError(f"{path}: {message}" if path else message)


def as_object(value: Any, path: str, allowed: set[str], required: set[str]) -> dict:
    """Check that `value` is an object with only `allowed` keys and all `required` ones."""
    if not isinstance(value, dict):
        raise fail(path, f"expected an object, got {_kind(value)}")
    for key in value:
        if key not in allowed:
            raise fail(_join(path, key), "unknown key")
    for key in sorted(required):
        if key not in value:
            raise fail(_join(path, key), "missing")
    return value


def as_list(value: Any, path: str) -> list:
    """Check that `value` is a list."""
    if not isinstance(value, list):
        raise fail(path, f"expected a list, got {_kind(value)}")
    return value


def get_str(obj: dict, key: str, path: str, default: Any = _MISSING) -> Any:
    """Read a string field (or null when a default is given)."""
    value = obj.get(key, default)
    if value is _MISSING:
        raise fail(_join(path, key), "missing")
    if value is None and default is not _MISSING:
        return default
    if not isinstance(value, str) or not value and default is _MISSING:
        raise fail(_join(path, key), f"expected a non-empty string, got {_kind(value)}")
    return value


def get_int(obj: dict, key: str, path: str, default: Any, minimum: int) -> Any:
    """Read an integer field that must be at least `minimum`."""
    value = obj.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(_join(path, key), f"expected an integer, got {_kind(value)}")
    if value < minimum:
        raise fail(_join(path, key), f"must be at least {minimum}, got {value}")
    return value


def get_bool(obj: dict, key: str, path: str, default: bool) -> bool:
    """Read a boolean field."""
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise fail(_join(path, key), f"expected true or false, got {_kind(value)}")
    return value


def get_ids(obj: dict, key: str, path: str, known: set[str] | dict, what: str) -> Any:
    """Read a list of ids that must all be in `known` (null stays None)."""
    value = obj.get(key)
    if value is None:
        return None
    items = as_list(value, _join(path, key))
    for i, item in enumerate(items):
        check_ref(item, f"{_join(path, key)}[{i}]", known, what)
    return tuple(items)


def check_ref(value: Any, path: str, known: set[str] | dict, what: str) -> str:
    """Check that `value` is a string id in `known`."""
    if not isinstance(value, str):
        raise fail(path, f"expected a {what} id, got {_kind(value)}")
    if value not in known:
        raise fail(path, f'unknown {what} "{value}"')
    return value


def unique_id(obj: dict, path: str, seen: set[str], what: str) -> str:
    """Read `id` and check it is not a duplicate."""
    ident = get_str(obj, "id", path)
    if ident in seen:
        raise fail(_join(path, "id"), f'duplicate {what} id "{ident}"')
    seen.add(ident)
    return ident


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    text = names.get(type(value), type(value).__name__)
    return f'"{value}"' if isinstance(value, str) and value else text
