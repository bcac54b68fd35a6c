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


def test_largest_step_share_tells_a_gradual_walk_from_a_jump():
    from helpers.latent import largest_step_share, walk_changes

    t = torch.linspace(0, 1, 10).view(1, 10, 1, 1, 1)
    a, b = torch.zeros(1, 1, 1, 28, 28), torch.ones(1, 1, 1, 28, 28)
    even = (1 - t) * a + t * b                                  # the image changes a ninth per step
    jump = torch.cat([a.expand(1, 5, 1, 28, 28), b.expand(1, 5, 1, 28, 28)], dim=1)  # all at once
    assert largest_step_share(even) == pytest.approx(1 / 9)
    assert largest_step_share(jump) == pytest.approx(1.0)
    # the mean step, the old rule's number, cannot tell them apart: both average a ninth of the way
    for walk in (even, jump):
        steps, ends = walk_changes(walk)
        assert float(steps.mean() / ends.mean()) == pytest.approx(1 / 9)
    # one jumping walk among gradual ones is enough
    assert largest_step_share(torch.cat([even, even, jump])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="walks, steps >= 2"):
        walk_changes(torch.zeros(3, 1, 28, 28))
