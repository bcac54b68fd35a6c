"""Standard sample-quality numbers, measured in the features of an independent evaluator.

The evaluator (:mod:`helpers.evaluator`) is a digit classifier trained on images the GANs
never see. ``model.features(x01)`` gives its penultimate features, ``model(x01)`` its 10
logits, for float images in ``[0, 1]`` of shape ``(N, 1, 28, 28)``. Each number compares
generated images ("fake") with held-out real images ("real"):

* ``fd`` -- the Frechet distance between Gaussians fitted to the features of both sets
  (the idea of FID, Heusel et al. 2017, with the evaluator's features instead of
  Inception's). It sees quality and variety at once; lower is better, 0 for equal statistics.
* ``precision`` -- the share of fake images that fall inside the real images' manifold
  (the union of balls around each real image out to its k-th nearest real neighbour):
  "are the samples realistic?" (Kynkaanniemi et al. 2019).
* ``recall`` -- the share of real images inside the fake images' manifold: "does the
  generator draw everything the data holds?" (Kynkaanniemi et al. 2019).
* ``density`` -- how many real balls hold each fake image, over k: about 1 for a sample
  from the data distribution, above 1 where samples crowd into dense regions (Naeem et al. 2020).
* ``coverage`` -- the share of real images whose ball holds at least one fake image; like
  recall, but robust to outliers among the fakes (Naeem et al. 2020). Not to be confused
  with ``classes_covered``.
* ``sure_share`` -- the share of fake images the evaluator labels with probability at
  least :data:`SURE` (0.9): clear digits rather than in-between shapes.
* ``classes_covered`` -- the number of classes with at least 2% of the fakes' labels
  (:func:`helpers.diagnostics.coverage`); ``kl_uniform`` -- the KL divergence of their class
  histogram from uniform (:func:`helpers.diagnostics.kl_from_uniform`); ``class_shares`` --
  the histogram itself.

Every number depends on the sample sizes and on the feature space, so it means little alone:
print it beside the *floor*, the same number for real training images against real test
images of the same sizes (:func:`floor_report`, :func:`report_table`).

How FD goes through torchmetrics: :class:`EvaluatorFeatures` wraps ``model.features`` as
the feature extractor of ``torchmetrics.image.fid.FrechetInceptionDistance`` (float64,
no gradients, eval mode, with ``num_features``). :func:`sample_report` computes each set's
features once and reuses them for FD and PRDC: it feeds them to the same torchmetrics
class through :class:`GivenFeatures`, a module whose forward is the identity.

References: M. Heusel et al., "GANs trained by a two time-scale update rule converge to a
local Nash equilibrium", NeurIPS 2017. T. Kynkaanniemi et al., "Improved precision and recall
metric for assessing generative models", NeurIPS 2019. M. F. Naeem et al., "Reliable fidelity
and diversity metrics for generative models", ICML 2020 (the ``prdc`` package is theirs).
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator

import numpy as np
import torch
from prdc.prdc import compute_nearest_neighbour_distances, compute_pairwise_distance
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

from .diagnostics import THRESHOLDS, coverage, kl_from_uniform
from .noise_map import class_shares
from .params import check_int

# prdc's sklearn.metrics.pairwise_distances(n_jobs=8) can make scikit-learn 1.9 warn, from a joblib
# worker, that its `delayed` runs under joblib's own Parallel (seen in notebook 01's teach run, with the
# machine's install path in the message); the numbers are not affected
warnings.filterwarnings("ignore", message=r"`sklearn\.utils\.parallel\.delayed` should be used",
                        category=UserWarning)

#: a sample counts as "sure" when the evaluator's largest class probability is at least this.
SURE: float = 0.9

#: images per forward pass of the evaluator.
BATCH: int = 500

#: the columns of :func:`report_table`: (title, report key, format; classes: covered/of all).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("n", "n_fake", "{:d}"), ("FD", "fd", "{:.4g}"), ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"), ("density", "density", "{:.3f}"), ("coverage", "coverage", "{:.3f}"),
    ("sure", "sure_share", "{:.3f}"), ("classes", "classes_covered", "{}/{}"), ("KL", "kl_uniform", "{:.3f}"),
)

IMAGE_SHAPE = (1, 28, 28)


def check_images(name: str, x: Any, *, minimum: int = 1) -> torch.Tensor:
    """``x`` as a float tensor if it holds at least ``minimum`` images of shape ``(1, 28, 28)``
    with values in ``[0, 1]``; otherwise a ``ValueError`` that names ``name`` and what is wrong."""
    x = torch.as_tensor(x)
    if not x.dtype.is_floating_point:
        raise ValueError(f"{name} must be float images in [0, 1], got dtype {x.dtype} "
                         "(use helpers.data.to_classifier)")
    if x.dim() != 4 or tuple(x.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape (N, 1, 28, 28), got {tuple(x.shape)}")
    if len(x) < minimum:
        raise ValueError(f"{name} must hold at least {minimum} images, got {len(x)}")
    if not bool(torch.isfinite(x).all()) or float(x.min()) < 0.0 or float(x.max()) > 1.0:
        raise ValueError(f"{name} must be floats in [0, 1], got values in [{float(x.min()):.3g}, "
                         f"{float(x.max()):.3g}] (use helpers.data.to_classifier)")
    return x


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Run ``model`` in eval mode without gradients, and restore its mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


def _two_dim(name: str, out: torch.Tensor, n: int) -> torch.Tensor:
    if out.dim() != 2 or len(out) != n:
        raise ValueError(f"{name} must return an (N, F) tensor for N={n} images, got shape {tuple(out.shape)}")
    return out


class EvaluatorFeatures(nn.Module):
    """``model.features`` as a feature extractor for torchmetrics: float64 (torchmetrics
    returns FD in the dtype of the features), eval mode, no gradients, and a ``num_features``
    attribute (without it torchmetrics probes the module with a random *uint8* image)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        with evaluating(model):
            probe = _two_dim("model.features", model.features(torch.zeros(1, *IMAGE_SHAPE)), 1)
        self.num_features = int(probe.shape[1])

    def forward(self, x01: torch.Tensor) -> torch.Tensor:
        with evaluating(self.model):
            return _two_dim("model.features", self.model.features(x01), len(x01)).double()


class GivenFeatures(nn.Module):
    """The identity on ``(N, num_features)`` feature tensors, as float64: lets torchmetrics
    compute FD from features computed beforehand."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if features.dim() != 2 or features.shape[1] != self.num_features:
            raise ValueError(f"features must have shape (N, {self.num_features}), got {tuple(features.shape)}")
        return features.double()


def evaluator_features(model: nn.Module, x01: torch.Tensor) -> torch.Tensor:
    """The ``(N, F)`` float64 features of ``x01`` (checked images), :data:`BATCH` at a time."""
    x01 = check_images("x01", x01)
    extract = EvaluatorFeatures(model)
    return torch.cat([extract(x01[i:i + BATCH]) for i in range(0, len(x01), BATCH)])


def probabilities(model: nn.Module, x01: torch.Tensor) -> torch.Tensor:
    """The evaluator's ``(N, C)`` class probabilities (float64 softmax of its logits)."""
    x01 = check_images("x01", x01)
    with evaluating(model):
        logits = torch.cat([model(x01[i:i + BATCH]) for i in range(0, len(x01), BATCH)])
    return _two_dim("model (the logits)", logits, len(x01)).double().softmax(dim=1)


def _torchmetrics_fd(feature: nn.Module, fake: torch.Tensor, real: torch.Tensor) -> float:
    """FD through torchmetrics' ``FrechetInceptionDistance`` with ``feature`` as its extractor,
    fed :data:`BATCH` rows at a time (it keeps running sums only). Clipped at 0: round-off can
    make the FD of a set with itself a hair below 0."""
    fid = FrechetInceptionDistance(feature=feature)
    for x, real_flag in ((real, True), (fake, False)):
        for i in range(0, len(x), BATCH):
            fid.update(x[i:i + BATCH], real=real_flag)
    return max(0.0, float(fid.compute()))


def frechet_distance(model: nn.Module, fake01: torch.Tensor, real01: torch.Tensor) -> float:
    """FD between ``fake01`` and ``real01`` (at least 2 images each) in ``model``'s features,
    through torchmetrics with :class:`EvaluatorFeatures` as its feature extractor."""
    fake01, real01 = check_images("fake01", fake01, minimum=2), check_images("real01", real01, minimum=2)
    return _torchmetrics_fd(EvaluatorFeatures(model), fake01, real01)


def _check_features(fake: torch.Tensor, real: torch.Tensor, minimum: int) -> tuple[torch.Tensor, torch.Tensor]:
    fake, real = torch.as_tensor(fake), torch.as_tensor(real)
    for name, f in (("fake features", fake), ("real features", real)):
        if f.dim() != 2 or len(f) < minimum:
            raise ValueError(f"{name} must be an (N, F) tensor with N >= {minimum}, got shape {tuple(f.shape)}")
    if fake.shape[1] != real.shape[1]:
        raise ValueError(f"fake and real features differ in size: {fake.shape[1]} and {real.shape[1]}")
    return fake.double(), real.double()


def frechet_distance_from_features(fake: torch.Tensor, real: torch.Tensor) -> float:
    """FD between two ``(N, F)`` feature sets, through torchmetrics with :class:`GivenFeatures`."""
    fake, real = _check_features(fake, real, minimum=2)
    return _torchmetrics_fd(GivenFeatures(fake.shape[1]), fake, real)


def _prdc_minimum(k: int) -> int:
    # the k-th nearest neighbour besides the image itself needs k + 1 images; prdc's
    # np.argpartition(distances, k + 1) needs one more.
    return check_int("k", k, minimum=1) + 2


def _prdc_against(real: np.ndarray, real_radii: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    """``prdc.compute_prdc``'s four numbers by its own functions and formulas, with the real images' k-NN
    radii given, so that :func:`sample_reports` computes them once for all its sets (``compute_prdc``
    computes them on every call; ``tests/test_metrics.py`` checks the numbers are equal to its)."""
    fake_radii = compute_nearest_neighbour_distances(fake, k)
    distance = compute_pairwise_distance(real, fake)
    inside_real = distance < np.expand_dims(real_radii, axis=1)
    return {"precision": float(inside_real.any(axis=0).mean()),
            "recall": float((distance < np.expand_dims(fake_radii, axis=0)).any(axis=1).mean()),
            "density": float((1. / float(k)) * inside_real.sum(axis=0).mean()),
            "coverage": float((distance.min(axis=1) < real_radii).mean())}


def prdc_from_features(fake: torch.Tensor, real: torch.Tensor, *, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage of two ``(N, F)`` feature sets with ``k``
    nearest neighbours (``prdc.compute_prdc``'s numbers, :func:`_prdc_against`). It holds three
    distance matrices of N x N float64 numbers: 5,000 images per set take 0.6 GB."""
    fake, real = _check_features(fake, real, minimum=_prdc_minimum(k))
    real_np = real.numpy()
    return _prdc_against(real_np, compute_nearest_neighbour_distances(real_np, k), fake.numpy(), k)


def prdc_scores(model: nn.Module, fake01: torch.Tensor, real01: torch.Tensor, *, k: int = 5) -> dict[str, float]:
    """``{"precision", "recall", "density", "coverage"}`` of ``fake01`` against ``real01`` in
    ``model``'s features (at least k + 2 images in each set)."""
    n = _prdc_minimum(k)
    fake01, real01 = check_images("fake01", fake01, minimum=n), check_images("real01", real01, minimum=n)
    return prdc_from_features(evaluator_features(model, fake01), evaluator_features(model, real01), k=k)


def label_scores_from_probabilities(probs: torch.Tensor) -> dict[str, Any]:
    """The label numbers of :func:`label_scores` from ``(N, C)`` class probabilities (N >= 1)."""
    probs = torch.as_tensor(probs)
    if probs.dim() != 2 or len(probs) == 0 or not probs.dtype.is_floating_point:
        raise ValueError(f"probs must be an (N, C) float tensor with N >= 1, got {probs.dtype} {tuple(probs.shape)}")
    labels, n_classes = probs.argmax(dim=1), probs.shape[1]
    return {"sure_share": float((probs.max(dim=1).values >= SURE).double().mean()),
            "classes_covered": coverage(labels, n_classes, min_share=THRESHOLDS["min_share"]),
            "n_classes": n_classes,
            "kl_uniform": kl_from_uniform(labels, n_classes),
            "class_shares": [round(share, 6) for share in class_shares(labels, n_classes).tolist()]}


def label_scores(model: nn.Module, x01: torch.Tensor) -> dict[str, Any]:
    """The numbers from the evaluator's labels of ``x01``: ``sure_share`` (max probability
    >= :data:`SURE`), ``classes_covered`` (classes with at least 2% of the labels),
    ``n_classes``, ``kl_uniform`` (nats) and ``class_shares`` (a list, one share per class,
    rounded to 6 decimals: :func:`helpers.noise_map.class_shares` works in float32)."""
    return label_scores_from_probabilities(probabilities(model, x01))


def subsample(x: torch.Tensor, n_max: int | None, seed: int) -> torch.Tensor:
    """At most ``n_max`` rows of ``x``, drawn without replacement with ``seed`` (all of ``x``,
    in its order, when ``n_max`` is None or not smaller than ``len(x)``)."""
    if n_max is None or len(x) <= check_int("n_max", n_max, minimum=1):
        return x
    return x[torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n_max]]


def sample_reports(model: nn.Module, sets: dict[str, torch.Tensor], real01: torch.Tensor, *, k: int = 5,
                   n_max: int | None = None, seed: int = 0) -> dict[str, dict[str, Any]]:
    """:func:`sample_report` of every image set in ``sets`` against the same ``real01``, with the
    same numbers; the real images are cut, passed through the evaluator and given their k-NN radii
    once, not once per set (notebooks 01 and 06, five and four sets of 5,000 and the floor: their judge
    cells ran 33% and 28% shorter). Each set goes through the course's evaluator once, its labels read
    from the same pass as its features (:func:`_features_and_probabilities`).
    Each set is checked under its name in ``sets``."""
    check_int("seed", seed)
    n = _prdc_minimum(k)
    fakes = {name: subsample(check_images(name, x, minimum=n), n_max, seed) for name, x in sets.items()}
    real01 = subsample(check_images("real01", real01, minimum=n), n_max, seed + 1)
    real_f = evaluator_features(model, real01)
    real_np = real_f.numpy()
    real_radii = compute_nearest_neighbour_distances(real_np, k)
    reports = {}
    for name, fake01 in fakes.items():
        fake_f, probs = _features_and_probabilities(model, fake01)
        reports[name] = {"fd": frechet_distance_from_features(fake_f, real_f),
                         **_prdc_against(real_np, real_radii, fake_f.numpy(), k),
                         **label_scores_from_probabilities(probs), "n_fake": len(fake01), "n_real": len(real01),
                         "k": k}
    return reports


def _features_and_probabilities(model: nn.Module, x01: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(:func:`evaluator_features`, :func:`probabilities`) of ``x01``: from one pass for a model that
    offers ``features_and_logits`` (the course's evaluator, :class:`helpers.evaluator.EvaluatorNet`, whose
    forward is that method's logits), else from two."""
    both = getattr(model, "features_and_logits", None)
    if both is None:
        return evaluator_features(model, x01), probabilities(model, x01)
    x01 = check_images("x01", x01)
    with evaluating(model):
        pairs = [both(x01[i:i + BATCH]) for i in range(0, len(x01), BATCH)]
    return (torch.cat([f for f, _ in pairs]).double(),
            torch.cat([logits for _, logits in pairs]).double().softmax(dim=1))


def sample_report(model: nn.Module, fake01: torch.Tensor, real01: torch.Tensor, *, k: int = 5,
                  n_max: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Every number of this module for ``fake01`` against ``real01`` (at least k + 2 images each):
    ``fd, precision, recall, density, coverage, sure_share, classes_covered, n_classes,
    kl_uniform, class_shares, n_fake, n_real, k``.

    Each set is first cut to ``n_max`` images (:func:`subsample`; ``seed`` for the fakes,
    ``seed + 1`` for the real ones), then passed through the evaluator once; FD and PRDC
    use the same features. The label numbers describe the fakes. Several sets against the same
    real images: :func:`sample_reports`, which does the real images' share of the work once."""
    return sample_reports(model, {"fake01": fake01}, real01, k=k, n_max=n_max, seed=seed)["fake01"]


def floor_report(model: nn.Module, train01: torch.Tensor, test01: torch.Tensor, *, k: int = 5,
                 n_max: int | None = None, seed: int = 0) -> dict[str, Any]:
    """:func:`sample_report` of real training images (``train01``, in the place of the fakes)
    against real test images: the best a generator can hope for at these sample sizes.
    Use as many training images as there are samples, and the same test images and ``n_max``,
    so that the numbers compare (FD and precision/recall depend on the sample sizes)."""
    return sample_report(model, train01, test01, k=k, n_max=n_max, seed=seed)


def report_table(reports: dict[str, dict[str, Any]], *, floor: dict[str, Any] | None = None) -> str:
    """A text table of reports (:func:`sample_report`), one row a set, with the ``floor``
    (:func:`floor_report`) as the first row when given. Columns: n (fakes), FD, precision,
    recall, density, coverage, sure, classes (covered of all), KL (nats, from uniform)."""
    rows = ([("real train vs test (floor)", floor)] if floor is not None else []) + list(reports.items())
    if not rows:
        raise ValueError("report_table needs at least one report")
    needed = [key for _, key, _ in COLUMNS] + ["n_classes"]
    cells = []
    for name, rep in rows:
        missing = [key for key in needed if key not in rep]
        if missing:
            raise ValueError(f"report {name!r} lacks {missing}: make it with sample_report")
        cells.append([str(name)] + [f"{rep['classes_covered']}/{rep['n_classes']}" if key == "classes_covered"
                                    else fmt.format(rep[key]) for _, key, fmt in COLUMNS])
    header = ["set"] + [title for title, _, _ in COLUMNS]
    widths = [max(len(r[j]) for r in [header] + cells) for j in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in cells])
