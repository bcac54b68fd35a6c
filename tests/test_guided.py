"""Unit tests of helpers.guided: sectors, thresholds, the Pearson filter, the guided generator,
diversity and the three forms of the generator criterion."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from helpers.guided import (GuidedGenerator, Sector, calibrate_thresholds, criterion_authors, criterion_paper,
                            diversity, pearson_filter, pearson_thresholds, sectors, soft_criterion)
from helpers.noise_map import pearson


def fan(labels_by_angle, n_per=50, seed=0):
    """Points on rays at the given angles (degrees), labelled as given."""
    g = torch.Generator().manual_seed(seed)
    z, y = [], []
    for deg, lab in labels_by_angle:
        t = math.radians(deg)
        r = 0.5 + torch.rand(n_per, generator=g) * 2
        z.append(torch.stack([r * math.cos(t), r * math.sin(t)], 1))
        y.append(torch.full((n_per,), lab))
    return torch.cat(z), torch.cat(y)


def test_sectors_simple_runs_and_middle_line():
    # class 1 fills 0..90 degrees, class 2 fills 90..180, class 3 the lower half
    z, y = fan([(d + 2.5, 1) for d in range(0, 90, 5)] + [(d + 2.5, 2) for d in range(90, 180, 5)]
               + [(d + 2.5, 3) for d in range(180, 360, 5)])
    s = sectors(z, y, bins=72)
    assert [len(s[k]) for k in range(10)] == [0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    one = s[1][0]
    assert math.degrees(one.phi0) == pytest.approx(0, abs=1e-6)
    assert math.degrees(one.phi1) == pytest.approx(90, abs=1e-6)
    assert math.degrees(one.middle) == pytest.approx(45, abs=1e-6)
    assert one.n_points == 18 * 50
    assert math.degrees(s[3][0].width) == pytest.approx(180, abs=1e-6)


def test_sector_through_the_pi_line_is_one_sector_and_its_middle_wraps():
    # class 4 spans 160..200 degrees (through +-180), everything else is class 0
    spec = [(d + 2.5, 4 if 160 <= d < 200 else 0) for d in range(0, 360, 5)]
    z, y = fan(spec)
    s = sectors(z, y, bins=72)
    assert len(s[4]) == 1
    four = s[4][0]
    assert math.degrees(four.width) == pytest.approx(40, abs=1e-6)
    assert four.phi1 > math.pi  # wraps: phi0 < pi < phi1
    assert abs(abs(math.degrees(four.middle)) - 180) < 1e-6
    assert len(s[0]) == 1 and math.degrees(s[0][0].width) == pytest.approx(320, abs=1e-6)


def test_class_with_several_sectors_is_sorted_largest_first_and_absent_class_is_empty():
    spec = [(d + 2.5, 5 if (0 <= d < 20 or 100 <= d < 160) else 6) for d in range(0, 360, 5)]
    z, y = fan(spec)
    s = sectors(z, y)
    assert len(s[5]) == 2 and s[5][0].n_points > s[5][1].n_points
    assert math.degrees(s[5][0].width) == pytest.approx(60, abs=1e-6)
    assert s[7] == []
    # one class everywhere: one full-circle sector
    z1, y1 = fan([(d + 2.5, 2) for d in range(0, 360, 5)])
    assert sectors(z1, y1)[2] == [Sector(2, -math.pi, math.pi, len(y1))]


def test_pearson_thresholds_are_per_class_quantiles_of_real_scores():
    g = torch.Generator().manual_seed(0)
    standard = torch.rand(2, 28, 28, generator=g)
    imgs = torch.cat([standard[0] + 0.3 * torch.rand(20, 28, 28, generator=g),
                      standard[1] + 1.0 * torch.rand(20, 28, 28, generator=g)]).unsqueeze(1)
    labels = torch.tensor([0] * 20 + [1] * 20)
    th = pearson_thresholds(imgs, labels, standard, quantile=0.2)
    r = pearson(imgs, standard[labels])
    assert th[0] == pytest.approx(float(torch.quantile(r[:20], 0.2)))
    assert th[1] == pytest.approx(float(torch.quantile(r[20:], 0.2)))
    assert th[0] > th[1]  # the noisier class gets the lower threshold
    with pytest.raises(ValueError, match="class 1"):
        pearson_thresholds(imgs[:20], labels[:20], standard)


def test_pearson_filter_keeps_exactly_the_images_at_or_above_the_threshold():
    g = torch.Generator().manual_seed(1)
    standard = torch.rand(3, 28, 28, generator=g)
    imgs = torch.stack([standard[2], -standard[2], torch.rand(28, 28, generator=g)]).unsqueeze(1)
    mask, r = pearson_filter(imgs, 2, standard, 0.5)
    assert mask.tolist() == [True, False, False]
    assert r[0] == pytest.approx(1.0, abs=1e-6) and r[1] == pytest.approx(-1.0, abs=1e-6)


class AngleG(nn.Module):
    """A toy generator: the image is a bar at the noise's angle (depends on direction only)."""

    def forward(self, z):
        t = torch.atan2(z[:, 1], z[:, 0])
        xs = torch.linspace(-1, 1, 28)
        yy, xx = torch.meshgrid(xs, xs, indexing="ij")
        d = (xx[None] * torch.sin(t)[:, None, None] - yy[None] * torch.cos(t)[:, None, None]).abs()
        return (1 - 2 * (d > 0.15).float()).unsqueeze(1)


def test_guided_generator_msn_and_labeled_noise():
    z, y = fan([(d + 2.5, 1 if d < 180 else 2) for d in range(0, 360, 5)])
    standard = torch.zeros(3, 28, 28)
    G = AngleG()
    standard[1] = (G(torch.tensor([[0.0, 1.0]]))[0, 0] + 1) / 2     # bar at 90 degrees
    standard[2] = (G(torch.tensor([[0.0, -1.0]]))[0, 0] + 1) / 2    # bar at -90 (the same bar)
    gg = GuidedGenerator(G, z, y, standard, torch.tensor([0.0, 0.5, 0.5]), msn_spread=0.1)
    msn = gg.generate(1, 30, "msn", seed=0)
    phi = torch.atan2(msn.z[:, 1], msn.z[:, 0])
    assert msn.images.shape == (30, 1, 28, 28) and msn.n_tried == 30
    assert bool(((phi - math.pi / 2).abs() <= 0.1 * math.pi / 2 + 1e-6).all())  # near the middle line
    lab = gg.generate(1, 30, "labeled", seed=0)
    assert len(lab.images) == 30 and bool((lab.pearson >= 0.5).all())
    assert lab.n_tried > 30 and 0 < lab.acceptance < 1   # bars far from 90 degrees were rejected
    assert torch.allclose(pearson(lab.images, standard[1]), lab.pearson)
    # a threshold almost nothing passes: the generator stops after max_tries * n and says so
    strict = GuidedGenerator(G, z, y, standard, torch.tensor([0.0, 0.9999, 0.9999]))
    few = strict.generate(1, 30, "labeled", seed=0, max_tries=2)
    assert few.n_tried == 60 and len(few.images) < 30 and few.acceptance == len(few.images) / 60
    assert torch.equal(gg.generate(1, 5, "labeled", seed=3).z, gg.generate(1, 5, "labeled", seed=3).z)
    with pytest.raises(ValueError, match="class 0 owns no sector"):
        gg.generate(0, 5, "msn")
    with pytest.raises(ValueError, match="class 0 has no labeled noise"):
        gg.generate(0, 5, "labeled")
    with pytest.raises(ValueError, match="method='best'.*'msn', 'labeled'"):
        gg.generate(1, 5, "best")
    with pytest.raises(ValueError, match="label=3"):
        gg.generate(3, 5)


class PearsonJudge(nn.Module):
    """A toy classifier: class 1 if the image correlates with ``ref`` above ``cut``, else class 2."""

    def __init__(self, ref, cut):
        super().__init__()
        self.ref, self.cut = ref, cut
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        r = pearson(x, self.ref)
        logits = torch.full((len(x), 10), -50.0)
        logits[:, 1] = torch.where(r > self.cut, 50.0, -50.0)
        logits[:, 2] = torch.where(r > self.cut, -50.0, 50.0)
        return logits


def test_calibrated_thresholds_reach_the_target_precision_on_a_fresh_draw():
    z, y = fan([(d + 2.5, 1 if d < 180 else 2) for d in range(0, 360, 5)])
    G = AngleG()
    standard = torch.zeros(3, 28, 28)
    standard[1] = (G(torch.tensor([[0.0, 1.0]]))[0, 0] + 1) / 2
    standard[2] = (G(torch.tensor([[1.0, 0.0]]))[0, 0] + 1) / 2
    judge = PearsonJudge(standard[1], 0.6)
    gg = GuidedGenerator(G, z, y, standard, torch.zeros(3))
    th = calibrate_thresholds(gg, judge, target=0.95, n=300, seed=0)
    assert th[0] == float("inf")                        # no labeled noise for class 0
    assert 0.3 < float(th[1]) <= 1.0
    gg.thresholds = th
    fresh = gg.generate(1, 100, "labeled", seed=7)
    hits = (judge(fresh.images).argmax(1) == 1).float().mean()
    assert len(fresh.images) == 100 and float(hits) >= 0.9
    # without the filter, labeled noise of class 1 is far less precise
    gg.thresholds = torch.full((3,), -1.0)
    unfiltered = gg.generate(1, 100, "labeled", seed=7)
    assert float((judge(unfiltered.images).argmax(1) == 1).float().mean()) < float(hits) - 0.2
    # a target nothing reaches: no threshold, the class is rejected
    never = calibrate_thresholds(GuidedGenerator(G, z, y, standard, torch.zeros(3)), PearsonJudge(standard[1], 2.0),
                                 target=0.95, n=100)
    assert never[1] == float("inf")
    with pytest.raises(ValueError, match="target"):
        calibrate_thresholds(gg, judge, target=1.5)


def test_diversity_is_mean_pairwise_distance():
    f = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    assert diversity(f) == pytest.approx((5 + 0 + 5) / 3)
    assert diversity(f[:1]) == 0.0


def test_criteria_on_a_hand_computed_case():
    p = torch.tensor([0.5, 0.7, 0.9, 0.9])
    # paper form: mean(1 - P) + lam / t = 0.25 + 2 / 4
    assert criterion_paper(p, 4, lam=2.0) == pytest.approx(0.25 + 0.5)
    # authors' form with defaults: 30 * n / (t * sum P) = 30 * 4 / (4 * 3.0) = 10
    assert criterion_authors(p, 4) == pytest.approx(10.0)
    # n = 40 circle images with sum P = 20 and t = 5: 1200 / (t sum P) = 12
    assert criterion_authors(torch.full((40,), 0.5), 5) == pytest.approx(1200 / (5 * 20))
    assert criterion_authors(p, 2, d=3, k1=1.0, k2=2.0, k3=0.0) == pytest.approx(1 / 2 + 2 * 3 / 2)
    with pytest.raises(ValueError, match="t="):
        criterion_paper(p, 0)


def test_soft_criterion_has_a_gradient_that_lowers_it():
    torch.manual_seed(0)
    standard = torch.rand(10, 28, 28)
    clf = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    G = nn.Sequential(nn.Linear(2, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    z = torch.randn(64, 2)
    before = soft_criterion(G(z), clf, standard)
    before.backward()
    grads = [p.grad for p in G.parameters()]
    assert all(gr is not None for gr in grads) and sum(float(gr.abs().sum()) for gr in grads) > 0
    assert all(p.grad is None or float(p.grad.abs().sum()) > 0 for p in clf.parameters())
    opt = torch.optim.Adam(G.parameters(), lr=1e-2)
    for p in clf.parameters():
        p.requires_grad_(False)
    for _ in range(50):
        loss = soft_criterion(G(z), clf, standard)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = soft_criterion(G(z), clf, standard)
    assert float(after) < float(before.detach()) - 0.05
    # it agrees with the Pearson helper when the classifier is certain
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    sure = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with torch.no_grad():
        sure[1].weight.zero_()
        sure[1].bias.copy_(torch.tensor([100.0] + [0.0] * 9))
    expected = (1 - pearson((x + 1) / 2, standard[0])).mean() + 1.0 / 1.0
    assert float(soft_criterion(x, sure, standard).detach()) == pytest.approx(float(expected), abs=1e-4)
