import math

import pytest
import torch

from helpers.latent import lerp, slerp


def test_lerp_endpoints_and_even_steps():
    z0, z1 = torch.tensor([0.0, 2.0]), torch.tensor([4.0, -2.0])
    path = lerp(z0, z1, 5)
    assert path.shape == (5, 2)
    assert torch.allclose(path[0], z0) and torch.allclose(path[-1], z1)
    assert torch.allclose(path[2], torch.tensor([2.0, 0.0]))
    steps = path[1:] - path[:-1]
    assert torch.allclose(steps, steps[0].expand_as(steps))


def test_slerp_stays_on_the_sphere_and_is_evenly_spaced_in_angle():
    # two orthogonal vectors of norm 3: the midpoint is at 45 degrees, norm 3
    z0, z1 = torch.tensor([3.0, 0.0, 0.0]), torch.tensor([0.0, 3.0, 0.0])
    path = slerp(z0, z1, 3)
    assert torch.allclose(path[0], z0, atol=1e-6) and torch.allclose(path[-1], z1, atol=1e-6)
    assert torch.allclose(path.norm(dim=1), torch.full((3,), 3.0), atol=1e-5)
    c = 3 / math.sqrt(2)
    assert torch.allclose(path[1], torch.tensor([c, c, 0.0]), atol=1e-5)
    # angles between consecutive points are equal
    p = slerp(z0, z1, 7)
    cos = (p[1:] * p[:-1]).sum(1) / (p[1:].norm(dim=1) * p[:-1].norm(dim=1))
    assert torch.allclose(cos, cos[0].expand_as(cos), atol=1e-6)


def test_slerp_interpolates_the_norm_and_beats_lerp_midpoint_for_gaussian_noise():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(100, generator=g), torch.randn(100, generator=g)
    mid_s, mid_l = slerp(z0, z1, 3)[1], lerp(z0, z1, 3)[1]
    assert mid_s.norm() == pytest.approx(float((z0.norm() + z1.norm()) / 2), rel=1e-5)
    assert mid_l.norm() < 0.85 * mid_s.norm()


def test_parallel_vectors_fall_back_to_lerp_and_bad_steps_are_rejected():
    z0 = torch.tensor([1.0, 1.0])
    assert torch.allclose(slerp(z0, 2 * z0, 3), lerp(z0, 2 * z0, 3))
    with pytest.raises(ValueError, match="steps"):
        slerp(z0, z0, 1)
    with pytest.raises(ValueError, match="steps"):
        lerp(z0, z0, 0)
