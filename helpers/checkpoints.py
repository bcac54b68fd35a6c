"""Checkpoints that chain the notebooks: atomic, self-describing, safe to load.

A checkpoint is one ``torch.save`` file holding a plain dictionary::

    {"format": 1, "kind": str, "config": {...}, "versions": {...}, "state": {...}}

``config`` is everything that determines the content (architecture, sizes, seed, data
source); ``state`` holds tensors, state dicts and lists of them. Only such plain types
are stored, so ``torch.load(..., weights_only=True)`` can read it without unpickling
arbitrary objects.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from .atomic import atomic_write

FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, not one of ours, or was made with another config."""


class CheckpointWarning(UserWarning):
    """A checkpoint was found but could not be used, so it is being rebuilt."""


def versions() -> dict[str, str]:
    """Library versions stored beside the weights (informational, not compared)."""
    from . import __version__

    return {"course": __version__, "torch": str(torch.__version__),
            "python": sys.version.split()[0]}


def save_checkpoint(path: str | os.PathLike, *, kind: str, config: Mapping[str, Any],
                    state: Mapping[str, Any]) -> Path:
    """Write a checkpoint atomically (a temporary file, then a rename) and return its path."""
    payload = {"format": FORMAT, "kind": kind, "config": dict(config),
               "versions": versions(), "state": dict(state)}
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def config_diff(found: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two configs (``key: found -> expected``)."""
    keys = sorted(set(found) | set(expected))
    return [f"{k}: {found.get(k, '<missing>')!r} -> {expected.get(k, '<missing>')!r}"
            for k in keys if found.get(k, "<missing>") != expected.get(k, "<missing>")]


def load_checkpoint(path: str | os.PathLike, *, kind: str | None = None,
                    expected_config: Mapping[str, Any] | None = None,
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``; raise :class:`CheckpointError` with a clear
    message if the file is missing, truncated/corrupt, of another kind, or made with a
    different config than ``expected_config``."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, not a torch file, unsafe pickle ...
        raise CheckpointError(
            f"checkpoint {path} is unreadable (truncated or corrupt: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). Delete it to rebuild it."
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "state" not in payload:
        raise CheckpointError(f"checkpoint {path} is not a course checkpoint of format {FORMAT}")
    if kind is not None and payload.get("kind") != kind:
        raise CheckpointError(f"checkpoint {path} holds a {payload.get('kind')!r}, not a {kind!r}")
    if expected_config is not None:
        diff = config_diff(payload.get("config", {}), expected_config)
        if diff:
            raise CheckpointError(
                f"checkpoint {path} was made with a different config (stale); differences "
                f"(found -> expected): " + "; ".join(diff))
    return payload


def load_or_build(path: str | os.PathLike, *, kind: str, config: Mapping[str, Any],
                  build: Callable[[], Mapping[str, Any]], rebuild: bool = False) -> dict[str, Any]:
    """Return the checkpoint at ``path`` if it matches ``kind`` and ``config``; otherwise call
    ``build()`` (which returns the ``state``), save it atomically and return the new payload.

    A stale or corrupt file is not fatal here: a :class:`CheckpointWarning` says why it is
    rebuilt. ``rebuild=True`` ignores any existing file.
    """
    path = Path(path)
    if path.exists() and not rebuild:
        try:
            payload = load_checkpoint(path, kind=kind, expected_config=config)
            payload["loaded_from"] = str(path)
            return payload
        except CheckpointError as exc:
            warnings.warn(f"{exc} -- rebuilding it.", CheckpointWarning, stacklevel=2)
    state = build()
    save_checkpoint(path, kind=kind, config=config, state=state)
    return {"format": FORMAT, "kind": kind, "config": dict(config), "versions": versions(),
            "state": dict(state), "loaded_from": None}
