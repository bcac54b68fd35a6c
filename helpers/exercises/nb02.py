"""Exercises of notebook 02: the size a transposed convolution makes, slerp by hand, and how
far the straight-line midpoint falls inside the noise's sphere."""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..latent import lerp, slerp
from . import Exercise, Feedback, check_predictions, graded, not_callable

#: (size, kernel, stride, padding) cases: DCGAN's three layers of G, then two odd ones that
#: tell the usual wrong formulas apart
CONVT_CASES = [(1, 7, 1, 0), (7, 4, 2, 1), (14, 4, 2, 1), (5, 3, 2, 0), (4, 5, 3, 2)]


def _convt_reference(size: int, kernel: int, stride: int, padding: int) -> int:
    """The output size of ``nn.ConvTranspose2d`` itself, measured on a zero input."""
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, bias=False)
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, size, size)).shape[-1])


@graded
def check_convt_output_size(fn: Callable[..., Any]) -> Feedback:
    """2.1: ``convt_output_size(size, kernel, stride, padding)`` = (size - 1) stride - 2 padding
    + kernel, checked against the shape ``nn.ConvTranspose2d`` produces; names the formula of
    an ordinary convolution, a wrong sign of the padding and a missing ``- 1``."""
    fb = Feedback("2.1", "the size a transposed convolution makes",
                  hint="a transposed convolution places a kernel at every input cell, `stride` apart, "
                       "and then crops `padding` cells from each side")
    if not_callable(fb, fn):
        return fb
    expected = [_convt_reference(*c) for c in CONVT_CASES]
    mistakes = {
        "this is the formula of an ordinary convolution, (size + 2 padding - kernel) // stride + 1, "
        "which shrinks the image; a transposed convolution runs it backwards and grows it":
            [(n + 2 * p - k) // s + 1 for n, k, s, p in CONVT_CASES],
        "the padding is added: in a transposed convolution it is cropped from the output, so subtract 2 padding":
            [(n - 1) * s + 2 * p + k for n, k, s, p in CONVT_CASES],
        "the size is multiplied by the stride: n cells are stride apart over only n - 1 gaps, "
        "so it is (size - 1) * stride":
            [n * s - 2 * p + k for n, k, s, p in CONVT_CASES],
    }
    with fb.attempt("convt_output_size"):
        got: list[float] = []
        for case in CONVT_CASES:
            value = fn(*case)
            if isinstance(value, (torch.Tensor, np.ndarray, np.generic)) and np.asarray(value).size == 1:
                value = value.item()                                   # a 0-dim tensor or NumPy number
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                fb.fail(f"convt_output_size{case} should return a number (an int), got {type(value).__name__}")
                return fb
            number = float(value)
            if not math.isfinite(number) or number != round(number):
                fb.fail(f"convt_output_size{case} is {number}: a size is a whole number of pixels")
                return fb
            got.append(number)
        if got == expected:
            return fb
        if fb.name_mistake(mistakes, lambda wrong: got == wrong):
            return fb
        for case, g, e in zip(CONVT_CASES, got, expected):
            if g != e:
                n, k, s, p = case
                fb.fail(f"for size {n}, kernel {k}, stride {s}, padding {p} you get {g:g}; "
                        f"nn.ConvTranspose2d makes {e}")
                return fb
    return fb


def _slerp_variants(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> dict[str, torch.Tensor]:
    """The usual wrong versions of slerp, each named by what is wrong with it."""
    na, nb = z0.norm(), z1.norm()
    a, b = z0 / na, z1 / nb
    omega = torch.arccos(torch.dot(a, b).clamp(-1, 1))
    tt = t.unsqueeze(1)

    def arc(w: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return (torch.sin((1 - tt) * w) * u + torch.sin(tt * w) * v) / torch.sin(w)

    norm = (1 - tt) * na + tt * nb
    return {
        "this is the straight line (lerp): its points cut inside the sphere; follow the arc, "
        "sin((1-t)Ω)/sin Ω and sin(tΩ)/sin Ω, instead of 1-t and t":
            lerp(z0, z1, len(t)),
        "the angle is in degrees: torch.sin and torch.cos take radians (torch.arccos already gives radians)":
            arc(torch.rad2deg(omega), a, b) * norm,
        "the points lie on the unit sphere: multiply the direction by the interpolated norm (1-t)|z0| + t|z1|":
            arc(omega, a, b),
        "z0 and z1 themselves were mixed (the classic formula): that stays on the sphere only when "
        "|z0| = |z1|; mix the unit vectors z0/|z0|, z1/|z1| and multiply by (1-t)|z0| + t|z1|":
            arc(omega, z0, z1),
    }


@graded
def check_my_slerp(fn: Callable[..., Any]) -> Feedback:
    """2.2: ``my_slerp(z0, z1, t)``, spherical interpolation at the fractions ``t``, checked
    against :func:`helpers.latent.slerp` (the course's version, which the notebook uses) on a
    100-dim pair of Gaussian codes and a 3-dim pair of very different lengths."""
    fb = Feedback("2.2", "slerp by hand",
                  hint="cos Ω = (z0/|z0|)·(z1/|z1|); point(t) = [sin((1-t)Ω) ẑ0 + sin(tΩ) ẑ1] / sin Ω "
                       "× ((1-t)|z0| + t|z1|)")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(5)
    cases = [(torch.randn(100, generator=g, dtype=torch.float64),
              torch.randn(100, generator=g, dtype=torch.float64), 7),
             (torch.tensor([3.0, 0.5, -1.0], dtype=torch.float64),
              torch.tensor([-0.2, 0.4, 0.3], dtype=torch.float64), 5)]
    with fb.attempt("my_slerp"):
        for z0, z1, steps in cases:
            t = torch.linspace(0, 1, steps, dtype=torch.float64)
            expected = slerp(z0, z1, steps)
            got = fn(z0.clone(), z1.clone(), t.clone())
            what = f"my_slerp(z0, z1, t) for {len(z0)}-dim codes and {steps} values of t"
            if not isinstance(got, (torch.Tensor, np.ndarray)) or tuple(got.shape) != tuple(expected.shape):
                fb.expect_array(what, got, expected)      # names the type or the shape
                return fb
            arr = torch.as_tensor(np.asarray(got.detach() if isinstance(got, torch.Tensor) else got, float))
            if torch.isnan(arr).any():
                fb.fail(f"{what} contains NaN: is cos Ω computed from *unit* vectors? The dot product "
                        "of the codes themselves is far outside [-1, 1], and arccos of it is NaN")
                return fb
            if torch.allclose(arr, expected, atol=1e-5, rtol=1e-4):
                continue
            if torch.allclose(arr, expected.flip(0), atol=1e-5, rtol=1e-4):
                fb.fail("the path runs backwards: t = 0 must give z0 and t = 1 give z1")
                return fb
            for problem, wrong in _slerp_variants(z0, z1, t).items():
                if torch.allclose(arr, wrong, atol=1e-5, rtol=1e-4):
                    fb.fail(problem)
                    return fb
            fb.expect_array(what, arr, expected)
            return fb
    return fb


@graded
def check_lerp_midpoint_norm(fn: Callable[..., Any]) -> Feedback:
    """2.3: ``lerp_midpoint_norm(nz)`` = sqrt(nz / 2), the root-mean-square norm of
    (z0 + z1) / 2 for independent z0, z1 ~ N(0, I_nz): each coordinate has variance 1/2.
    The exact mean norm, Gamma((nz+1)/2) / Gamma(nz/2), is accepted too."""
    fb = Feedback("2.3", "how long is lerp's midpoint?",
                  hint="each coordinate of (z0 + z1) / 2 is a normal variable with variance "
                       "(1 + 1) / 4; the squared norm adds nz of them")
    if not_callable(fb, fn):
        return fb
    nzs = [100, 8]
    mistakes: dict[str, Callable[[int], float]] = {
        "that is the norm of z0 itself: the midpoint of two independent codes is shorter":
            lambda n: math.sqrt(n),
        "that is the squared norm: take its square root":
            lambda n: n / 2,
        "half the norm of z0 is too short: z0 + z1 is not twice as long as z0, independent vectors "
        "add in squares (|z0 + z1|² ≈ 2 nz)":
            lambda n: math.sqrt(n) / 2,
        "that is the norm of z0 + z1: the midpoint is half of it":
            lambda n: math.sqrt(2 * n),
    }
    with fb.attempt("lerp_midpoint_norm"):
        for nz in nzs:
            rms = math.sqrt(nz / 2)
            mean = math.exp(math.lgamma((nz + 1) / 2) - math.lgamma(nz / 2))
            got = fn(nz)
            try:
                value = float(got.item() if isinstance(got, (torch.Tensor, np.ndarray)) else got)
            except (TypeError, ValueError):
                fb.fail(f"lerp_midpoint_norm({nz}) should be a number, got {type(got).__name__}")
                return fb
            if math.isclose(value, rms, rel_tol=1e-4) or math.isclose(value, mean, rel_tol=1e-4):
                continue
            if fb.name_mistake(mistakes, lambda wrong: math.isclose(value, wrong(nz), rel_tol=1e-6),
                               prefix=f"lerp_midpoint_norm({nz}) is {value:.4g}: "):
                return fb
            fb.expect_number(f"lerp_midpoint_norm({nz})", value, rms)
            return fb
    return fb


EXERCISES: dict[str, Exercise] = {
    "2.1": Exercise(check_convt_output_size, "convt_output_size"),
    "2.2": Exercise(check_my_slerp, "my_slerp"),
    "2.3": Exercise(check_lerp_midpoint_norm, "lerp_midpoint_norm"),
}

#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"2.4": "the untrained DCGAN's labels"}
