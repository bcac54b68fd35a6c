"""Walking the latent space: straight-line and spherical interpolation between noise vectors.

Standard normal noise in ``nz`` dimensions concentrates near the sphere of radius
``sqrt(nz)``; the midpoint of a straight line between two such vectors has a norm of only
about ``sqrt(nz / 2)``, a region the generator never saw in training. Spherical
interpolation (slerp) keeps the norm, so it is the usual choice for Gaussian noise.
"""
from __future__ import annotations

import torch

from .params import check_int


def lerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points on the straight line from ``z0`` to ``z1`` (both ends included)."""
    check_int("steps", steps, minimum=2)
    t = torch.linspace(0, 1, steps).unsqueeze(1)
    return (1 - t) * z0.flatten().unsqueeze(0) + t * z1.flatten().unsqueeze(0)


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points on the great-circle arc from ``z0`` to ``z1``, with the norm interpolated
    linearly (both ends included). Falls back to :func:`lerp` for (anti)parallel vectors."""
    check_int("steps", steps, minimum=2)
    a, b = z0.flatten().double(), z1.flatten().double()
    na, nb = a.norm(), b.norm()
    cos = torch.dot(a, b) / (na * nb)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-6 or (torch.pi - omega).abs() < 1e-6:
        return lerp(z0, z1, steps)
    t = torch.linspace(0, 1, steps, dtype=torch.float64).unsqueeze(1)
    direction = (torch.sin((1 - t) * omega) * (a / na) + torch.sin(t * omega) * (b / nb)) / torch.sin(omega)
    norm = (1 - t) * na + t * nb
    return (direction * norm).to(z0.dtype)


def walk_changes(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """RMS image change of every step, shape ``(walks, steps - 1)``, and end to end, ``(walks,)``, of
    walks given as ``images`` of shape ``(walks, steps, ...)`` (one row of images per walk)."""
    if images.dim() < 3 or images.shape[1] < 2:
        raise ValueError(f"images must be (walks, steps >= 2, ...), got shape {tuple(images.shape)}")
    x = images.flatten(2).double()
    steps = (x[:, 1:] - x[:, :-1]).pow(2).mean(dim=2).sqrt()
    ends = (x[:, -1] - x[:, 0]).pow(2).mean(dim=1).sqrt()
    return steps, ends


def largest_step_share(images: torch.Tensor) -> float:
    """The largest single step of any walk as a share of that walk's end-to-end change: about
    ``1 / (steps - 1)`` for a walk that changes evenly, near (or above) 1 for one that jumps."""
    steps, ends = walk_changes(images)
    return float((steps.max(dim=1).values / ends.clamp_min(1e-12)).max())
