"""Unit tests of helpers.noise_map: Pearson, standard images, angles, purity, circle, labelling."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from helpers.noise_map import (angle_bins, angles, angular_purity, circle_points, class_shares, label_information,
                               label_noise, pearson, radius_bins, standard_images)


def test_pearson_matches_numpy_corrcoef_per_image():
    g = torch.Generator().manual_seed(0)
    imgs, ref = torch.rand(5, 1, 28, 28, generator=g), torch.rand(28, 28, generator=g)
    r = pearson(imgs, ref)
    expected = [np.corrcoef(imgs[i].flatten().numpy(), ref.flatten().numpy())[0, 1] for i in range(5)]
    assert np.allclose(r.numpy(), expected, atol=1e-6)
    # one reference per image
    refs = torch.rand(5, 28, 28, generator=g)
    r2 = pearson(imgs, refs)
    expected2 = [np.corrcoef(imgs[i].flatten().numpy(), refs[i].flatten().numpy())[0, 1] for i in range(5)]
    assert np.allclose(r2.numpy(), expected2, atol=1e-6)


def test_pearson_invariances_and_constant_image():
    g = torch.Generator().manual_seed(1)
    ref = torch.rand(28, 28, generator=g)
    imgs = torch.stack([ref, 3 * ref + 2, -ref, torch.full((28, 28), 0.5)])
    r = pearson(imgs, ref)
    assert r[0] == pytest.approx(1.0, abs=1e-6) and r[1] == pytest.approx(1.0, abs=1e-6)
    assert r[2] == pytest.approx(-1.0, abs=1e-6)
    assert r[3] == 0.0  # constant image: no correlation defined, reported as 0
    with pytest.raises(ValueError, match="references"):
        pearson(imgs, torch.rand(3, 28, 28))


def test_standard_images_are_class_means_of_at_most_per_class():
    x = torch.zeros(6, 28, 28, dtype=torch.uint8)
    x[0], x[1], x[2] = 255, 51, 0          # class 0: 255, 51, 0 -> mean of first two = 153/255
    x[3], x[4], x[5] = 102, 102, 204       # class 1
    y = torch.tensor([0, 0, 0, 1, 1, 1])
    std = standard_images(x, y, per_class=2, n_classes=2)
    assert std.shape == (2, 28, 28)
    assert torch.allclose(std[0], torch.full((28, 28), 153 / 255))
    assert torch.allclose(std[1], torch.full((28, 28), 102 / 255))
    with pytest.raises(ValueError, match="class 2"):
        standard_images(x, y, n_classes=3)
    with pytest.raises(ValueError, match="per_class"):
        standard_images(x, y, per_class=0)


def test_angles_and_their_input_check():
    z = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, 0.0], [0.0, -3.0], [1.0, 1.0]])
    a = angles(z)
    assert np.allclose(a.numpy(), [0, math.pi / 2, math.pi, -math.pi / 2, math.pi / 4])
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        angles(torch.zeros(4, 3))


def test_angular_purity_one_for_sectors_and_low_for_random_labels():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(6000, 2, generator=g)
    # labels by angle: 12 sectors of 30 degrees -> every 5-degree bin lies in one sector
    sector = ((angles(z) + math.pi) / (2 * math.pi) * 12).long().clamp(0, 11)
    assert angular_purity(z, sector) == pytest.approx(1.0)
    # labels independent of angle: purity near the share of the largest class in a bin
    random_labels = torch.randint(0, 10, (6000,), generator=g)
    assert angular_purity(z, random_labels) < 0.3
    # hand-computed: 4 points in one bin with labels 1,1,2,3 -> 2 of 4 agree with the majority
    zz = torch.tensor([[1.0, 0.01], [1.0, 0.02], [1.0, 0.03], [1.0, 0.04]])
    assert angular_purity(zz, torch.tensor([1, 1, 2, 3]), bins=72) == pytest.approx(0.5)


def test_class_shares():
    s = class_shares(torch.tensor([0, 0, 1, 9]))
    assert s.shape == (10,) and s.sum() == pytest.approx(1.0)
    assert s[0] == pytest.approx(0.5) and s[1] == pytest.approx(0.25) and s[5] == 0


def test_circle_points_paper_and_authors_variants():
    p = circle_points(40, radius=2.0)
    assert p.shape == (40, 2)
    assert torch.allclose(p.norm(dim=1), torch.full((40,), 2.0), atol=1e-6)
    step = torch.diff(torch.atan2(p[:, 1], p[:, 0])[:20])
    assert torch.allclose(step, torch.full_like(step, 2 * math.pi / 40), atol=1e-5)
    q = circle_points(40, include_end=True)
    assert torch.allclose(q[0], q[-1], atol=1e-6)  # the authors' first and last point coincide


class _ConstantG(nn.Module):
    """A 'generator' whose image is bright in the left half if z[0] > 0, else the right half."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        img = -torch.ones(len(z), 1, 28, 28)
        left = z[:, 0] > 0
        img[left, :, :, :14] = 1.0
        img[~left, :, :, 14:] = 1.0
        return img


class _HalfClassifier(nn.Module):
    """Class 3 if the left half is brighter, else class 7; checks inputs are in [0, 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.min() >= 0 and x.max() <= 1, "classifier input must be in [0, 1]"
        left, right = x[..., :14].mean((1, 2, 3)), x[..., 14:].mean((1, 2, 3))
        logits = torch.full((len(x), 10), -10.0)
        logits[left > right, 3] = 10.0
        logits[left <= right, 7] = 10.0
        return logits


def test_label_noise_runs_the_pipeline_in_classifier_range():
    z = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0]])
    labels, conf = label_noise(_ConstantG(), _HalfClassifier(), z)
    assert labels.tolist() == [3, 7, 3]
    assert torch.all(conf > 0.99)


def test_per_sample_norm_equals_training_mode_one_vector_at_a_time():
    import copy

    from helpers.models import DCGANGenerator, init_weights
    from helpers.noise_map import per_sample_norm

    torch.manual_seed(0)
    G = DCGANGenerator(nz=2, width=8)
    init_weights(G)
    with torch.no_grad():
        for p in G.parameters():
            p.mul_(20)  # trained-like weight scale, so BatchNorm's eps is negligible
    z = torch.randn(6, 2)
    running = [b.running_mean.clone() for b in G.modules() if isinstance(b, nn.BatchNorm2d)]
    per_sample = per_sample_norm(G)
    authors = copy.deepcopy(G).train()
    with torch.no_grad():
        expected = torch.cat([authors(z[i:i + 1]) for i in range(len(z))])
        got = per_sample(z)
        scaled = per_sample(2.5 * z)
    assert (got - expected).abs().max() < 1e-4  # same maths, different float kernels
    # scale invariance: first layer is linear without bias, per-sample normalisation removes the scale
    # (exact up to BatchNorm's eps); the eval-mode G, with running statistics, is not
    scale_gap = (scaled - got).abs().max()
    with torch.no_grad():
        eval_gap = (G.eval()(2.5 * z) - G.eval()(z)).abs().max()
    assert scale_gap < 5e-3 and eval_gap > 50 * scale_gap, (scale_gap, eval_gap)
    # the original G is untouched (its running statistics did not move)
    after = [b.running_mean for b in G.modules() if isinstance(b, nn.BatchNorm2d)]
    assert all(torch.equal(a, b) for a, b in zip(running, after))


def test_angle_bin_counts_bins_from_minus_pi():
    from helpers.noise_map import angle_bin_counts

    # bins of 90 degrees: [-180, -90), [-90, 0), [0, 90), [90, 180]
    z = torch.tensor([[-1.0, -0.01], [1.0, 0.01], [0.01, 1.0], [-1.0, 0.01], [0.1, -1.0]])
    counts = angle_bin_counts(z, torch.tensor([0, 1, 2, 1, 2]), bins=4, n_classes=3)
    assert counts.shape == (4, 3) and int(counts.sum()) == 5
    assert counts.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]]


def test_label_information_by_hand_and_its_ends():
    # groups 0: labels 1,1,2 ; group 1: labels 2,2,2,3 -> U = (H(label) - H(label | group)) / H(label)
    groups = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    labels = torch.tensor([1, 1, 2, 2, 2, 2, 3])
    def h(counts):
        p = np.array(counts, float) / sum(counts)
        return float(-(p * np.log(p)).sum())
    h_label = h([2, 4, 1])
    h_given = 3 / 7 * h([2, 1]) + 4 / 7 * h([3, 1])
    rng = np.random.default_rng(0)          # the chance level: the same groups on shuffled labels
    def mi(y):
        return h_label - sum(np.mean(groups.numpy() == g) * h(np.bincount(y[groups.numpy() == g])[
            np.bincount(y[groups.numpy() == g]) > 0]) for g in (0, 1))
    chance = np.mean([mi(rng.permutation(labels.numpy())) for _ in range(20)])
    expected = (h_label - h_given - chance) / (h_label - chance)
    assert label_information(groups, labels) == pytest.approx(expected)
    assert label_information(labels, labels) == pytest.approx(1.0)              # the group fixes the label
    assert label_information(torch.zeros(7, dtype=torch.long), labels) == pytest.approx(0.0)   # one group: nothing
    assert label_information(groups, torch.full((7,), 4)) == 0.0                # one label: nothing to know
    with pytest.raises(ValueError, match="one length"):
        label_information(groups, labels[:3])


def test_angle_carries_sector_labels_and_radius_does_not():
    z = torch.randn(6000, 2, generator=torch.Generator().manual_seed(0))
    sector = angle_bins(z, 10)                                    # labels fixed by the direction
    assert label_information(angle_bins(z, 36), sector) > 0.8
    assert abs(label_information(radius_bins(z, 36), sector)) < 0.01   # the length says nothing: chance removed
    ring = radius_bins(z, 5)                                         # labels fixed by the length
    assert label_information(radius_bins(z, 36), ring) > 0.8
    assert abs(label_information(angle_bins(z, 36), ring)) < 0.01
    counts = torch.bincount(radius_bins(z, 36))
    assert counts.min() >= 166 and counts.max() <= 167            # equal-count bins
