"""Validation of notebook parameters.

Every notebook has a papermill ``parameters`` cell (``PROFILE``, ``SEED``, ``DATASET``, ...).
A wrong value must stop the notebook at once with a message that names the parameter,
the value and what is allowed, instead of failing deep inside a training loop.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable, Mapping, TypeVar

import numpy as np

PROFILES: tuple[str, ...] = ("smoke", "teach", "paper")
"""smoke: CI, seconds. teach: the default, minutes on a laptop CPU. paper: the paper's sizes."""

DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist")

T = TypeVar("T")


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise a ``ValueError`` naming all three."""
    allowed = tuple(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name}={value!r} is not allowed; choose one of: {choices}")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) in ``[minimum, maximum]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):  # numpy ints pass
        raise ValueError(f"{name}={value!r} must be an integer")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed; it must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value!r} is not allowed; it must be an integer <= {maximum}")
    return int(value)


def check_float(name: str, value: Any, *, minimum: float | None = None,
                exclusive: bool = False, maximum: float | None = None,
                exclusive_max: bool = False) -> float:
    """Return ``value`` as a float if it is a real number above (or at) ``minimum`` and below
    (or at) ``maximum``; ``exclusive`` / ``exclusive_max`` leave the bound itself out."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}={value!r} must be a number")
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        op = ">" if exclusive else ">="
        raise ValueError(f"{name}={value!r} is not allowed; it must be {op} {minimum}")
    if maximum is not None and (value >= maximum if exclusive_max else value > maximum):
        op = "<" if exclusive_max else "<="
        raise ValueError(f"{name}={value!r} is not allowed; it must be {op} {maximum}")
    return float(value)


def pick_profile(profile: str, sizes: Mapping[str, Mapping[str, T]]) -> dict[str, T]:
    """Return the sizes of one profile from a ``{profile: {setting: value}}`` table.

    The table must list every profile with the same settings: profiles change sizes,
    never code paths, so a setting that exists in one profile exists in all of them.
    """
    check_choice("PROFILE", profile, PROFILES)
    missing = [p for p in PROFILES if p not in sizes]
    if missing:
        raise ValueError(f"the sizes table has no entry for profile(s) {missing}")
    keys = set(sizes[PROFILES[0]])
    for p in PROFILES[1:]:
        if set(sizes[p]) != keys:
            diff = sorted(keys.symmetric_difference(sizes[p]))
            raise ValueError(f"profiles must share the same settings; {p!r} differs in {diff}")
    return dict(sizes[profile])
