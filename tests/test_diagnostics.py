"""helpers.diagnostics: hand-computed cases and bad input."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.diagnostics import (THRESHOLDS, coverage, diagnose, diversity_ratio, final_verdicts,
                                 kl_from_uniform, mean_pairwise_distance, out_of_range_share,
                                 plot_pixel_histograms)


def test_coverage_counts_classes_with_enough_share():
    # 100 labels: class 0 x 60, class 1 x 38, class 2 x 2 (exactly 2%), class 3 x 0
    labels = torch.tensor([0] * 60 + [1] * 38 + [2] * 2)
    assert coverage(labels) == 3
    assert coverage(labels, min_share=0.03) == 2
    assert coverage(torch.arange(10).repeat(5)) == 10
    assert coverage(torch.tensor([1, 1, 1]), n_classes=2) == 1


def test_coverage_bad_input():
    with pytest.raises(ValueError, match="min_share"):
        coverage(torch.tensor([0, 1]), min_share=0.0)
    with pytest.raises(ValueError, match="n_classes"):
        coverage(torch.tensor([0, 1]), n_classes=0)
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.9"):
        coverage(torch.tensor([0, 10]))
    with pytest.raises(ValueError, match="integer"):
        coverage(torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="at least one label"):
        coverage(torch.zeros(0, dtype=torch.long))


def test_kl_from_uniform_hand_computed():
    assert kl_from_uniform(torch.arange(10).repeat(3)) == pytest.approx(0.0, abs=1e-6)
    assert kl_from_uniform(torch.zeros(7, dtype=torch.long)) == pytest.approx(math.log(10))
    # half class 0, half class 1, of 4 classes: 2 * 0.5 * log(0.5 * 4) = log 2
    assert kl_from_uniform(torch.tensor([0, 1, 0, 1]), n_classes=4) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="labels must be in"):
        kl_from_uniform(torch.tensor([-1, 0]))


def test_mean_pairwise_distance_hand_computed():
    # two images of 4 pixels: all 0 and all 1 -> RMS distance 1; the pair counted both ways
    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)])
    assert mean_pairwise_distance(x) == pytest.approx(1.0)
    # three images 0, 0, 1 (one pixel): distances 0, 1, 1 -> mean 2/3
    assert mean_pairwise_distance(torch.tensor([[0.0], [0.0], [1.0]])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="at least 2 images"):
        mean_pairwise_distance(torch.zeros(1, 1, 28, 28))


def test_diversity_ratio_copies_vs_real():
    g = torch.Generator().manual_seed(0)
    real = torch.rand(50, 1, 8, 8, generator=g)
    assert diversity_ratio(real, real) == pytest.approx(1.0)
    copies = real[:1].repeat(50, 1, 1, 1)
    assert diversity_ratio(copies, real) == 0.0
    with pytest.raises(ValueError, match="identical"):
        diversity_ratio(real, copies)


def test_out_of_range_share():
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 255.0])
    assert out_of_range_share(x) == pytest.approx(2 / 5)          # -2 and 255; the ends are inside
    assert out_of_range_share(x, 0.0, 255.0) == pytest.approx(2 / 5)    # -2 and -1
    with pytest.raises(ValueError, match="low must be < high"):
        out_of_range_share(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="at least one pixel"):
        out_of_range_share(torch.zeros(0))


def _history(d_real, d_fake, loss_g):
    return {"d_real": torch.tensor(d_real), "d_fake": torch.tensor(d_fake), "loss_g": torch.tensor(loss_g)}


def test_final_verdicts_hand_computed():
    h = _history([0.5, 0.6, 0.9, 1.0], [0.5, 0.4, 0.1, 0.0], [1.0, 2.0, 3.0, 5.0])
    v = final_verdicts(h, 2)
    assert v == pytest.approx({"d_real": 0.95, "d_fake": 0.05, "loss_g": 4.0, "loss_g_first": 1.5})
    with pytest.raises(ValueError, match="last=5"):
        final_verdicts(h, 5)
    with pytest.raises(ValueError, match="last"):
        final_verdicts(h, 0)
    with pytest.raises(ValueError, match="d_fake"):
        final_verdicts({"d_real": torch.ones(3), "loss_g": torch.ones(3)}, 1)


def _case(labels, samples, real, d_real, d_fake, train):
    h = _history([d_real] * 4, [d_fake] * 4, [1.0] * 4)
    return diagnose(labels=labels, samples01=samples, real01=real, history=h, last=4, train_images=train)


def test_diagnose_flags_each_failure_and_only_it():
    g = torch.Generator().manual_seed(1)
    real = torch.rand(40, 1, 6, 6, generator=g)
    varied = torch.rand(40, 1, 6, 6, generator=g)
    all_classes = torch.arange(10).repeat(4)
    in_range = real * 2 - 1
    healthy = _case(all_classes, varied, real, 0.6, 0.4, in_range)
    assert healthy.flags() == []
    assert healthy.coverage == 10 and healthy.out_of_range_share == 0.0

    # collapse by coverage (4 classes), by diversity (near-copies), and not when 5 of 10 are covered
    assert _case(torch.arange(4).repeat(10), varied, real, 0.6, 0.4, in_range).flags() == ["collapse"]
    copies = varied[:1].repeat(40, 1, 1, 1) + 0.01 * varied
    assert _case(all_classes, copies, real, 0.6, 0.4, in_range).flags() == ["collapse"]
    assert not _case(torch.arange(5).repeat(8), varied, real, 0.6, 0.4, in_range).collapse

    # D wins: needs D(G(z)) low AND D(x) high (a D that calls everything fake is not winning)
    assert _case(all_classes, varied, real, 0.99, 0.01, in_range).flags() == ["d_wins"]
    assert not _case(all_classes, varied, real, 0.5, 0.01, in_range).d_wins
    assert not _case(all_classes, varied, real, 0.99, THRESHOLDS["d_wins_fake"], in_range).d_wins

    # range mismatch: training pixels in [0, 255] against a Tanh generator
    d = _case(all_classes, varied, real, 0.6, 0.4, real * 255)
    assert d.flags() == ["range_mismatch"] and d.out_of_range_share > 0.9
    assert set(d.as_dict()) >= {"coverage", "kl_from_uniform", "diversity_ratio", "d_real", "d_fake"}


def test_plot_pixel_histograms():
    ax = plot_pixel_histograms({"a": torch.zeros(2, 1, 4, 4), "b": torch.ones(2, 1, 4, 4) * 255}, bins=10)
    assert len(ax.patches) == 2 and ax.get_xlim()[1] >= 255
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="bins"):
        plot_pixel_histograms({"a": torch.zeros(3)}, bins=0)
    with pytest.raises(ValueError, match="at least one image set"):
        plot_pixel_histograms({})
