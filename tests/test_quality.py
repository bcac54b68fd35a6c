"""Unit tests of helpers.quality against closed forms and scipy."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from helpers.quality import (fit_pca, frechet_distance, nn_distance, pca_frechet, pixel_histogram_distance,
                             quality_table)


def rand_images(n: int, seed: int, hi: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g) * hi


# ----------------------------------------------------------------------------- frechet_distance


def correlated_features(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mix + rng.normal(size=d)


def test_frechet_of_a_set_with_itself_is_zero():
    a = correlated_features(500, 5, seed=0)
    scale = np.trace(np.cov(a, rowvar=False))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6 * scale)
    assert frechet_distance(a, a.copy()) >= 0.0


def _two_1d_gaussian_samples():
    rng = np.random.default_rng(1)
    a = rng.normal(1.0, 2.0, size=1000)
    b = rng.normal(-0.5, 0.5, size=700)
    # for 1-D Gaussians: (m_a - m_b)^2 + (s_a - s_b)^2, with the sample moments (ddof=1)
    expected = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2
    return a, b, expected


def test_frechet_1d_closed_form_embedded_in_2d():
    # a second, constant feature adds nothing: the distance is still the 1-D closed form
    a, b, expected = _two_1d_gaussian_samples()
    A = np.column_stack([a, np.zeros_like(a)])
    B = np.column_stack([b, np.zeros_like(b)])
    assert frechet_distance(A, B) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(A, B) == pytest.approx(4.5, abs=1.0)  # population: 1.5^2 + 1.5^2 (SE ~0.25)


def test_frechet_1d_closed_form_from_sample_moments():
    a, b, expected = _two_1d_gaussian_samples()
    assert frechet_distance(a[:, None], b[:, None]) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)  # 1-D arrays too
    # and close to the population value (1.5^2 + 1.5^2 = 4.5) for these sample sizes
    assert frechet_distance(a, b) == pytest.approx(4.5, abs=1.0)


def test_frechet_of_a_shifted_copy_is_the_squared_shift():
    a = correlated_features(400, 4, seed=2)
    shift = np.array([0.5, -1.0, 2.0, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(float(shift @ shift), rel=1e-6)


def test_frechet_of_a_scaled_copy():
    # b = 2a + m: S_b = 4 S_a, (S_a S_b)^(1/2) = 2 S_a, so the distance is |m'|^2 + tr(S_a)
    # where m' is the difference of the sample means.
    a = correlated_features(400, 3, seed=3)
    m = np.array([1.0, 0.0, -2.0])
    b = 2 * a + m
    expected = float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(np.cov(a, rowvar=False)))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_frechet_of_independent_gaussians_large_sample():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(100_000, 2))
    b = rng.normal(size=(100_000, 2)) * np.array([2.0, 3.0]) + np.array([1.0, -1.0])
    # population value: |mu|^2 + (2 - 1)^2 + (3 - 1)^2 = 2 + 1 + 4
    assert frechet_distance(a, b) == pytest.approx(7.0, abs=0.1)


def test_frechet_is_symmetric():
    a, b = correlated_features(300, 3, 5), correlated_features(200, 3, 6)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)


def test_frechet_needs_two_rows():
    with pytest.raises(ValueError, match="at least two rows"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))


# ----------------------------------------------------------------------------- nn_distance


def test_nn_distance_by_hand_small_case():
    samples = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    reference = torch.tensor([[0.0, 0.0, 0.0, 0.5], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 0.0]])
    # RMS distance: sample 0 -> ref 0: sqrt(0.25/4) = 0.25; sample 1 -> ref 2 (or 1): sqrt(1/4) = 0.5
    d = np.sqrt(((samples.numpy()[:, None] - reference.numpy()[None]) ** 2).mean(-1)).min(1)
    assert d.tolist() == pytest.approx([0.25, 0.5])
    assert nn_distance(samples, reference) == pytest.approx(0.375, rel=1e-6)
    assert nn_distance(samples, reference, chunk=1) == pytest.approx(0.375, rel=1e-6)


def test_nn_distance_against_itself_is_zero():
    x = rand_images(200, seed=0)
    # torch.cdist's matrix-multiplication path is not exact: allow 1e-3 (typical values ~0.3)
    assert nn_distance(x, x) == pytest.approx(0.0, abs=1e-3)
    assert nn_distance(x[:10], x[:20]) == pytest.approx(0.0, abs=1e-7)  # <= 25 rows: exact path


@pytest.mark.parametrize("shift", [0.02, 0.05, 0.1])
def test_nn_distance_against_shifted_copy_equals_the_shift(shift):
    ref = rand_images(150, seed=1, hi=0.85)  # random images are ~0.35 RMS apart
    assert nn_distance(ref + shift, ref) == pytest.approx(shift, rel=1e-3)
    assert nn_distance(ref + shift, ref, chunk=64) == pytest.approx(shift, rel=1e-3)


def test_nn_distance_matches_numpy_brute_force():
    s, r = rand_images(30, seed=2), rand_images(40, seed=3)
    a, b = s.reshape(30, -1).double().numpy(), r.reshape(40, -1).double().numpy()
    d2 = ((a[:, None, :] - b[None, :, :]) ** 2).mean(-1)
    expected = np.sqrt(d2.min(1)).mean()
    assert nn_distance(s, r) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("which", ["samples", "reference"])
def test_nn_distance_needs_images(which):
    empty, some = torch.zeros(0, 1, 28, 28), rand_images(3, 0)
    args = (empty, some) if which == "samples" else (some, empty)
    with pytest.raises(ValueError, match="at least one sample"):
        nn_distance(*args)


# ----------------------------------------------------------------------------- pixel histogram


def test_pixel_histogram_distance_against_scipy():
    s = rand_images(20, seed=4) ** 3  # skewed towards black
    r = rand_images(30, seed=5)
    expected = wasserstein_distance(s.flatten().numpy(), r.flatten().numpy())
    assert pixel_histogram_distance(s, r) == pytest.approx(expected, rel=1e-6)


def test_pixel_histogram_distance_closed_forms():
    # equal sizes: W1 is the mean absolute difference of the sorted values
    s, r = rand_images(10, seed=6), rand_images(10, seed=7) ** 2
    expected = np.abs(np.sort(s.flatten().numpy()) - np.sort(r.flatten().numpy())).mean()
    assert pixel_histogram_distance(s, r) == pytest.approx(expected, rel=1e-5)
    # constant images: the distance between the two constants
    assert pixel_histogram_distance(torch.full((3, 1, 28, 28), 0.2), torch.full((5, 1, 28, 28), 0.7)) \
        == pytest.approx(0.5, rel=1e-6)
    assert pixel_histogram_distance(s, s) == 0.0


# ----------------------------------------------------------------------------- range checks


BAD_INPUTS = {
    "tanh-range": lambda: rand_images(5, 0) * 2 - 1,
    "above-one": lambda: rand_images(5, 0) + 0.5,
    "uint8-scale": lambda: rand_images(5, 0) * 255,
}


@pytest.mark.parametrize("bad", list(BAD_INPUTS), ids=list(BAD_INPUTS))
@pytest.mark.parametrize("fn", ["nn_distance", "pixel_histogram_distance", "pca_frechet", "fit_pca"])
def test_inputs_outside_unit_interval_are_rejected(fn, bad):
    x = BAD_INPUTS[bad]()
    good = rand_images(30, seed=9)
    pca = fit_pca(good, n_components=3)
    calls = {
        "nn_distance": lambda: nn_distance(x, good),
        "pixel_histogram_distance": lambda: pixel_histogram_distance(good, x),
        "pca_frechet": lambda: pca_frechet(x, good, pca),
        "fit_pca": lambda: fit_pca(x, n_components=3),
    }
    with pytest.raises(ValueError) as ei:
        calls[fn]()
    assert "[0, 1]" in str(ei.value) and "to_classifier" in str(ei.value)


def test_boundaries_zero_and_one_are_accepted():
    x = torch.zeros(4, 1, 28, 28)
    x[2:] = 1.0
    assert nn_distance(x, x) == 0.0
    assert pixel_histogram_distance(x, x) == 0.0


# ----------------------------------------------------------------------------- PCA Frechet / table


def test_pca_frechet_and_quality_table():
    train = rand_images(200, seed=10)
    ref = rand_images(100, seed=11)
    pca = fit_pca(train, n_components=5)
    assert pca.n_components_ == 5
    assert pca_frechet(ref, ref, pca) == pytest.approx(0.0, abs=1e-8)
    dark = ref * 0.5
    far = pca_frechet(dark, ref, pca)
    feats_a = pca.transform(dark.reshape(100, -1).numpy())
    feats_b = pca.transform(ref.reshape(100, -1).numpy())
    assert far == pytest.approx(frechet_distance(feats_a, feats_b), rel=1e-9)
    near = pca_frechet(rand_images(100, seed=12), ref, pca)  # another sample, same distribution
    assert far > 5 * near
    table = quality_table({"same": ref, "dark": dark}, ref, pca)
    assert set(table) == {"same", "dark"}
    assert set(table["dark"]) == {"nn_distance", "pca_frechet", "pixel_hist"}
    assert table["dark"]["pca_frechet"] == pytest.approx(far)
    assert table["dark"]["pixel_hist"] == pytest.approx(pixel_histogram_distance(dark, ref))
    assert table["dark"]["nn_distance"] == pytest.approx(nn_distance(dark, ref))
    assert table["same"]["pixel_hist"] == 0.0
    assert table["dark"]["nn_distance"] > table["same"]["nn_distance"]
