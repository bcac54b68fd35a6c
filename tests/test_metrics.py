"""helpers.metrics on a toy world whose features are known, so no trained weights are needed.

The toy evaluator's features are a fixed random linear map of the pixels onto 8 orthonormal
directions; toy images are built along those directions, so their features are exactly the
8-dim points they were made from: 10 tight Gaussian clusters, one per "class". Its logits are
the clusters' Gaussian-mixture posterior.
"""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
import torch
from prdc import compute_prdc
from torch import nn

from helpers.data import to_classifier
from helpers.diagnostics import coverage, kl_from_uniform
from helpers.metrics import (SURE, EvaluatorFeatures, evaluator_features, floor_report, frechet_distance,
                             frechet_distance_from_features, label_scores,
                             label_scores_from_probabilities, prdc_from_features, prdc_scores, probabilities,
                             report_table, sample_report, sample_reports, subsample)
from helpers.models import DCGANGenerator, init_weights
from helpers.quality import frechet_distance as numpy_frechet_distance

DIM, SPREAD, N = 8, 0.03, 400


class ToyEvaluator(nn.Module):
    """features: 8 fixed orthonormal directions of the pixels (shifted by 0.5); logits: the
    posterior of 10 Gaussian clusters of standard deviation SPREAD."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        q, _ = torch.linalg.qr(torch.randn(784, DIM, generator=g, dtype=torch.float64))
        self.register_buffer("W", q.T.float())                                  # (8, 784), orthonormal rows
        self.register_buffer("centres", 0.2 + 0.6 * torch.rand(10, DIM, generator=g))

    def features(self, x01: torch.Tensor) -> torch.Tensor:
        return (x01.flatten(1) - 0.5) @ self.W.T + 0.5

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(self.features(x01), self.centres) ** 2 / (2 * SPREAD ** 2)

    def images(self, classes: torch.Tensor, seed: int) -> torch.Tensor:
        """Images whose features are ``centres[classes]`` plus N(0, SPREAD^2) noise."""
        g = torch.Generator().manual_seed(seed)
        z = self.centres[classes] + SPREAD * torch.randn(len(classes), DIM, generator=g)
        return self.images_at(z)

    def images_at(self, z: torch.Tensor) -> torch.Tensor:
        x = 0.5 + (z - 0.5) @ self.W
        assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0, "toy image outside [0, 1]"
        return x.view(-1, 1, 28, 28)


@pytest.fixture(scope="module")
def toy() -> ToyEvaluator:
    model = ToyEvaluator()
    gaps = torch.pdist(model.centres)
    assert float(gaps.min()) > 10 * SPREAD, "toy clusters overlap"
    return model


def balanced(n: int = N) -> torch.Tensor:
    return torch.arange(n) % 10


@pytest.fixture(scope="module")
def real(toy) -> torch.Tensor:
    return toy.images(balanced(), seed=1)


@pytest.fixture(scope="module")
def floor(toy, real) -> dict:
    return floor_report(toy, toy.images(balanced(), seed=2), real)


def test_toy_features_are_the_points_the_images_were_made_from(toy):
    z = toy.centres[:3] + 0.01
    assert torch.allclose(toy.features(toy.images_at(z)), z, atol=1e-5)
    assert evaluator_features(toy, toy.images_at(z)).dtype == torch.float64


# ----------------------------------------------------------------------------- Frechet distance


def test_fd_of_a_set_with_itself_is_zero(toy, real):
    assert frechet_distance(toy, real, real) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(toy, real[:200], real[200:]) > 1e-5     # two halves: small, not 0


def test_fd_through_torchmetrics_equals_the_numpy_fd_on_the_same_features(toy, real):
    fake = toy.images(balanced() % 7, seed=3)
    with torch.no_grad():
        f_fake, f_real = toy.features(fake).double().numpy(), toy.features(real).double().numpy()
    expected = numpy_frechet_distance(f_fake, f_real)
    assert expected > 0.01
    assert frechet_distance(toy, fake, real) == pytest.approx(expected, rel=1e-3)
    # the image path (EvaluatorFeatures) and the features path give the same number
    assert frechet_distance_from_features(torch.from_numpy(f_fake), torch.from_numpy(f_real)) \
        == pytest.approx(frechet_distance(toy, fake, real), rel=1e-9)
    assert sample_report(toy, fake, real)["fd"] == pytest.approx(expected, rel=1e-3)


def test_fd_of_a_shifted_copy_is_the_squared_shift_in_float64(toy, real):
    # torchmetrics returns FD in the features' dtype: float32 features would miss rel=1e-9
    shift = torch.tensor([0.01, -0.02, 0.0, 0.005, 0.0, 0.0, 0.01, -0.01])
    fake = toy.images_at(toy.features(real) + shift)
    moved = evaluator_features(toy, fake) - evaluator_features(toy, real)
    assert frechet_distance(toy, fake, real) == pytest.approx(float((moved.mean(0) ** 2).sum()), rel=1e-9)
    assert frechet_distance(toy, fake, real) == pytest.approx(float(shift @ shift), rel=1e-3)


def test_evaluator_runs_in_eval_mode_and_keeps_its_mode(toy, real):
    class TrainShift(ToyEvaluator):
        def features(self, x01):
            return super().features(x01) + (1.0 if self.training else 0.0)

    model = TrainShift().train()
    assert EvaluatorFeatures(model).num_features == DIM
    assert frechet_distance(model, real[:100], real) == pytest.approx(frechet_distance(toy, real[:100], real),
                                                                      rel=1e-9)
    assert model.training
    feats = evaluator_features(model, real[:5])
    assert not feats.requires_grad and model.training


# ----------------------------------------------------------------------------- PRDC and labels


def test_same_distribution_scores_high(toy, real, floor):
    rep = sample_report(toy, toy.images(balanced(), seed=3), real)
    for r in (rep, floor):
        assert r["precision"] > 0.8 and r["recall"] > 0.8, r
        assert 0.8 < r["density"] < 1.2, r
        assert r["coverage"] > 0.9, r
        assert r["classes_covered"] == 10 and r["kl_uniform"] < 0.01 and r["sure_share"] > 0.95, r
    assert rep["n_fake"] == rep["n_real"] == N and rep["k"] == 5


def test_removed_classes_lower_recall_and_coverage_not_precision(toy, real, floor):
    rep = sample_report(toy, toy.images(balanced() % 5, seed=4), real)   # classes 0-4 only
    assert rep["precision"] > 0.8
    assert rep["recall"] < 0.6 and rep["recall"] < floor["recall"] - 0.3
    assert rep["coverage"] < 0.6 and rep["coverage"] < floor["coverage"] - 0.3
    assert rep["classes_covered"] == 5
    assert rep["kl_uniform"] == pytest.approx(math.log(2), abs=1e-6)
    assert rep["fd"] > 10 * floor["fd"]


def test_collapse_to_one_cluster_and_to_one_point(toy, real, floor):
    one_cluster = sample_report(toy, toy.images(torch.full((N,), 3), seed=5), real)
    assert one_cluster["precision"] > 0.8
    assert one_cluster["recall"] < 0.2 and one_cluster["coverage"] < 0.2
    assert one_cluster["classes_covered"] == 1 and one_cluster["class_shares"][3] == 1.0
    assert one_cluster["kl_uniform"] == pytest.approx(math.log(10), abs=1e-6)
    assert floor["kl_uniform"] < 0.01
    one_point = sample_report(toy, real[:1].repeat(N, 1, 1, 1), real)
    assert one_point["recall"] == 0.0          # a fake image's k-NN radius is 0: no real image lies inside
    assert one_point["coverage"] < 0.05 and one_point["classes_covered"] == 1


@pytest.mark.parametrize("kind", ["untrained DCGAN", "uniform noise"])
def test_untrained_generator_is_far_from_real_on_every_metric(toy, real, floor, kind):
    torch.manual_seed(0)
    if kind == "untrained DCGAN":
        gen = DCGANGenerator(nz=16, width=8)
        init_weights(gen)
        with torch.no_grad():
            fake = to_classifier(gen.eval()(torch.randn(N, 16)))
    else:
        fake = torch.rand(N, 1, 28, 28)
    rep = sample_report(toy, fake, real)
    assert rep["fd"] > 100 * floor["fd"] and rep["fd"] > 0.1, (rep["fd"], floor["fd"])
    for key in ("precision", "density", "coverage"):
        assert rep[key] < 0.05 < floor[key], (key, rep[key])
    # recall is fooled by spread-out fakes: uniform noise has wide k-NN balls that swallow the
    # real clusters (the outlier problem that coverage fixes, Naeem et al. 2020)
    assert rep["recall"] < 0.05 if kind == "untrained DCGAN" else rep["recall"] > 0.5


def test_prdc_scores_from_images_equal_the_report(toy, real):
    fake = toy.images(balanced() % 5, seed=4)
    rep = sample_report(toy, fake, real, k=3)
    scores = prdc_scores(toy, fake, real, k=3)
    assert scores == {key: rep[key] for key in ("precision", "recall", "density", "coverage")}
    assert scores != prdc_scores(toy, fake, real, k=8)


class CountingToy(ToyEvaluator):
    """The toy evaluator, counting the images whose features are asked for (the labels' pass and the
    one-image probe of EvaluatorFeatures not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def features(self, x01: torch.Tensor) -> torch.Tensor:
        self.seen += len(x01) if len(x01) > 1 else 0
        return super().features(x01)

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        return -torch.cdist(ToyEvaluator.features(self, x01), self.centres) ** 2 / (2 * SPREAD ** 2)


def test_several_sets_at_once_give_the_librarys_numbers_with_the_real_images_seen_once(real):
    toy = CountingToy()
    sets = {"spread": toy.images(balanced(), seed=11), "five": toy.images(balanced() % 5, seed=12),
            "one": toy.images(torch.full((N,), 2), seed=13)}
    reports = sample_reports(toy, sets, real, k=4, n_max=300, seed=5)
    assert toy.seen == 4 * 300                     # each set once, the real images once, not once per set
    real_cut = subsample(real, 300, seed=6)        # the real images are cut with seed + 1
    for name, x in sets.items():
        fake_cut = subsample(x, 300, seed=5)
        features = evaluator_features(toy, fake_cut), evaluator_features(toy, real_cut)
        rep = reports[name]
        with contextlib.redirect_stdout(io.StringIO()):      # prdc.compute_prdc, the library's own call, prints
            library = compute_prdc(real_features=features[1].numpy(), fake_features=features[0].numpy(), nearest_k=4)
        assert {key: rep[key] for key in ("precision", "recall", "density", "coverage")} == \
            {key: float(library[key]) for key in ("precision", "recall", "density", "coverage")} == \
            prdc_from_features(*features, k=4), name
        assert rep["fd"] == pytest.approx(frechet_distance(toy, fake_cut, real_cut), rel=1e-9), name
        assert {key: rep[key] for key in label_scores(toy, fake_cut)} == label_scores(toy, fake_cut), name
        assert rep == sample_report(toy, x, real, k=4, n_max=300, seed=5), name
    assert len({rep["fd"] for rep in reports.values()}) == 3       # three different sets, three answers


def test_prdc_prints_nothing(toy, real, capsys):
    prdc_scores(toy, real[:50], real[50:100])
    assert capsys.readouterr().out == ""


class FixedLogits(nn.Module):
    """Returns the rows of ``logits`` for the first images (features: the flattened pixels)."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("logits", logits)

    def features(self, x01):
        return x01.flatten(1)

    def forward(self, x01):
        return self.logits[:len(x01)]


def test_sure_share_counts_the_boundary():
    # float64 softmax never returns exactly 0.9 (it steps from 0.8999999999999999 to
    # 0.9000000000000001), so the boundary is checked on probabilities ...
    below = float(np.nextafter(SURE, 0.0))
    probs = torch.tensor([[SURE, 0.1], [below, 1 - below], [0.95, 0.05], [0.5, 0.5]], dtype=torch.float64)
    assert label_scores_from_probabilities(probs)["sure_share"] == 0.5
    assert label_scores_from_probabilities(probs[:1])["sure_share"] == 1.0
    assert label_scores_from_probabilities(probs[1:2])["sure_share"] == 0.0
    # ... and through a model with fixed logits on either side of it
    a = math.log(81.0)                     # softmax([a, 0 x 9])[0] = 81 / 90 = 0.9 on paper
    rows = [[a + 1e-6] + [0.0] * 9, [a - 1e-6] + [0.0] * 9, [10.0] + [0.0] * 9, [0.0] * 10]
    model = FixedLogits(torch.tensor(rows, dtype=torch.float64))
    x = torch.zeros(4, 1, 28, 28)
    p = probabilities(model, x).max(1).values
    assert float(p[0]) > SURE > float(p[1]) and float(p[0]) - SURE < 1e-6
    assert label_scores(model, x)["sure_share"] == 0.5


def test_classes_covered_and_kl_agree_with_diagnostics_by_hand():
    labels = torch.tensor([0] * 60 + [1] * 38 + [2] * 2)     # 2% of class 2 counts as covered
    model = FixedLogits(10.0 * nn.functional.one_hot(labels, 10).double())
    scores = label_scores(model, torch.zeros(100, 1, 28, 28))
    assert scores["classes_covered"] == coverage(labels) == 3
    by_hand = sum(p * math.log(10 * p) for p in (0.6, 0.38, 0.02))
    assert scores["kl_uniform"] == pytest.approx(kl_from_uniform(labels)) == pytest.approx(by_hand, rel=1e-6)
    assert scores["class_shares"] == pytest.approx([0.6, 0.38, 0.02] + [0.0] * 7)
    assert scores["n_classes"] == 10


# ----------------------------------------------------------------------------- inputs, subsampling, table


BAD_IMAGES = {
    "uint8": (lambda x: (x * 255).to(torch.uint8), "float"),
    "tanh range": (lambda x: x * 2 - 1, r"\[0, 1\]"),
    "0-255 floats": (lambda x: x * 255, r"\[0, 1\]"),
    "nan": (lambda x: x.clone().index_fill_(0, torch.tensor([3]), float("nan")), r"\[0, 1\]"),
    "no channel": (lambda x: x[:, 0], r"shape \(N, 1, 28, 28\)"),
    "three channels": (lambda x: x.repeat(1, 3, 1, 1), r"shape \(N, 1, 28, 28\)"),
    "too few for prdc": (lambda x: x[:6], "at least 7 images"),
}


@pytest.mark.parametrize("bad", list(BAD_IMAGES))
@pytest.mark.parametrize("which", ["fake01", "real01"])
def test_bad_images_are_rejected_with_the_reason(toy, real, bad, which):
    transform, message = BAD_IMAGES[bad]
    args = {"fake01": real[:50], "real01": real[50:100]}
    args[which] = transform(args[which])
    with pytest.raises(ValueError, match=message) as err:
        sample_report(toy, args["fake01"], args["real01"], k=5)
    assert which in str(err.value)


def test_other_bad_inputs(toy, real):
    prdc_scores(toy, real[:7], real[:7], k=5)                    # k + 2 images are enough
    with pytest.raises(ValueError, match="at least 2 images"):
        frechet_distance(toy, real[:1], real)
    with pytest.raises(ValueError, match="k=0"):
        prdc_scores(toy, real, real, k=0)
    with pytest.raises(ValueError, match="n_max"):
        sample_report(toy, real, real, n_max=0)
    with pytest.raises(ValueError, match="differ in size"):
        frechet_distance_from_features(torch.zeros(5, 3), torch.zeros(5, 4))

    class BadFeatures(ToyEvaluator):
        def features(self, x01):
            return x01

    with pytest.raises(ValueError, match=r"model.features must return an \(N, F\) tensor"):
        frechet_distance(BadFeatures(), real, real)


def test_subsampling_is_deterministic_for_a_seed(toy, real):
    a, b, c = subsample(real, 50, seed=7), subsample(real, 50, seed=7), subsample(real, 50, seed=8)
    assert len(a) == 50 and torch.equal(a, b) and not torch.equal(a, c)
    assert len(torch.unique(a.flatten(1), dim=0)) == 50                 # without replacement
    assert subsample(real, None, 0) is real and subsample(real, 10 * N, 0) is real
    r1 = sample_report(toy, real, toy.images(balanced(), seed=9), n_max=60, seed=3)
    r2 = sample_report(toy, real, toy.images(balanced(), seed=9), n_max=60, seed=3)
    r3 = sample_report(toy, real, toy.images(balanced(), seed=9), n_max=60, seed=4)
    assert r1 == r2 and r1["n_fake"] == r1["n_real"] == 60
    assert r1["fd"] != r3["fd"]


def test_report_table_puts_each_set_beside_the_floor(toy, real, floor):
    collapsed = sample_report(toy, toy.images(torch.full((N,), 3), seed=5), real)
    text = report_table({"collapsed": collapsed}, floor=floor)
    lines = text.splitlines()
    assert lines[0].split() == ["set", "n", "FD", "precision", "recall", "density", "coverage", "sure",
                                "classes", "KL"]
    assert lines[2].startswith("real train vs test (floor)") and lines[3].startswith("collapsed")
    cells = lines[3].split()
    assert cells[1] == str(N) and cells[2] == f"{collapsed['fd']:.4g}" and cells[-2] == "1/10"
    assert cells[-1] == f"{math.log(10):.3f}" and lines[2].split()[-2] == "10/10"
    assert len(lines) == 4 and len({len(line) for line in lines}) == 1            # aligned columns
    assert report_table({"collapsed": collapsed}).splitlines()[2].startswith("collapsed")
    with pytest.raises(ValueError, match="lacks"):
        report_table({"partial": {"fd": 1.0}})


def test_the_evaluator_passes_each_set_through_its_convolutions_once():
    """For the course's EvaluatorNet, sample_reports reads features and labels from one pass (its head on
    the features of the same batches): the same numbers as two passes, bit for bit, with the images of
    each set through the convolutions once (1,234 images: batches of 500 and a short one)."""
    from helpers.evaluator import EvaluatorNet
    from helpers.metrics import _features_and_probabilities, probabilities

    torch.manual_seed(0)
    net = EvaluatorNet().eval()
    x = torch.rand(1234, 1, 28, 28)
    feats, probs = _features_and_probabilities(net, x)
    assert torch.equal(feats, evaluator_features(net, x)) and torch.equal(probs, probabilities(net, x))
    assert feats.dtype == probs.dtype == torch.float64 and probs.shape == (1234, 10)
    seen = []
    net.body.register_forward_hook(lambda module, inputs, output: seen.append(len(inputs[0])))
    real = torch.rand(300, 1, 28, 28)
    sets = {"a": x[:400], "b": x[400:800]}
    reports = sample_reports(net, sets, real, k=4)
    assert sum(seen) == 300 + 400 + 400 + 1          # each image once (and EvaluatorFeatures' one-image probe)
    for name, fake in sets.items():                    # = the two-pass numbers (the labels from model(x))
        assert {key: reports[name][key] for key in label_scores(net, fake)} == label_scores(net, fake)
    net.train()                                        # the model's mode is left as it was
    sample_reports(net, {"a": x[:20]}, real[:20], k=4)
    assert net.training
