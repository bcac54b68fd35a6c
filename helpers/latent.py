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
