"""Notebook 02's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import math

import torch

from helpers.exercises import nb02
from helpers.latent import lerp


def test_convt_output_size_wrong_answers():
    cases = {
        "ordinary convolution": lambda n, k, s=1, p=0: (n + 2 * p - k) // s + 1,
        "padding is added": lambda n, k, s=1, p=0: (n - 1) * s + 2 * p + k,
        "multiplied by the stride": lambda n, k, s=1, p=0: n * s - 2 * p + k,
        "nn.ConvTranspose2d makes": lambda n, k, s=1, p=0: (n - 1) * s - p + k,
        "whole number": lambda n, k, s=1, p=0: (n - 1) * s - 2 * p + k + 0.5,
        "should return a number": lambda n, k, s=1, p=0: "28",
    }
    for phrase, wrong in cases.items():
        fb = nb02.check_convt_output_size(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    fb = nb02.check_convt_output_size(lambda n, k, s=1, p=0: torch.tensor((n - 1) * s - 2 * p + k))
    assert fb.status == "passed", str(fb)


def _arc(z0, z1, t, *, unit=True, rescale=True, degrees=False):
    """slerp with switches for the usual mistakes."""
    n0, n1 = z0.norm(), z1.norm()
    u0, u1 = z0 / n0, z1 / n1
    omega = torch.arccos(torch.dot(u0, u1).clamp(-1, 1))
    if degrees:
        omega = omega * 180 / math.pi
    t = t.unsqueeze(1)
    a, b = (u0, u1) if unit else (z0, z1)
    d = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    return d * ((1 - t) * n0 + t * n1) if rescale else d


def test_slerp_wrong_answers():
    def no_unit_angle(z0, z1, t):
        omega = torch.arccos(torch.dot(z0, z1))         # NaN: the codes are not unit vectors
        t = t.unsqueeze(1)
        return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)

    cases = {
        "straight line (lerp)": lambda z0, z1, t: lerp(z0, z1, len(t)),
        "in degrees": lambda z0, z1, t: _arc(z0, z1, t, degrees=True),
        "unit sphere": lambda z0, z1, t: _arc(z0, z1, t, rescale=False),
        "classic formula": lambda z0, z1, t: _arc(z0, z1, t, unit=False, rescale=False),
        "unit* vectors": no_unit_angle,
        "runs backwards": lambda z0, z1, t: _arc(z1, z0, t),
        "has shape": lambda z0, z1, t: _arc(z0, z1, t).T,
        "differs from the expected": lambda z0, z1, t: 1.01 * _arc(z0, z1, t),
        "should be a tensor": lambda z0, z1, t: _arc(z0, z1, t).tolist(),
    }
    for phrase, wrong in cases.items():
        fb = nb02.check_my_slerp(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    fb = nb02.check_my_slerp(lambda z0, z1, t: _arc(z0, z1, t).numpy())   # NumPy is fine
    assert fb.status == "passed", str(fb)


def test_lerp_midpoint_norm_wrong_answers():
    cases = {
        "norm of z0 itself": lambda n: math.sqrt(n),
        "squared norm": lambda n: n / 2,
        "add in squares": lambda n: math.sqrt(n) / 2,
        "norm of z0 + z1": lambda n: math.sqrt(2 * n),
        "expected 7.071": lambda n: 7.0,
        "should be a number": lambda n: None,
    }
    for phrase, wrong in cases.items():
        fb = nb02.check_lerp_midpoint_norm(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    exact_mean = lambda n: math.exp(math.lgamma((n + 1) / 2) - math.lgamma(n / 2))   # E|m|, also right
    assert nb02.check_lerp_midpoint_norm(exact_mean).status == "passed"
    assert nb02.check_lerp_midpoint_norm(lambda n: torch.tensor(n / 2).sqrt()).status == "passed"
