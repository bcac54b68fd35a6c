"""Numbers that tell a failed GAN from a working one, and what each failure looks like.

Three classic failures (notebook 08), each with the number that shows it:

* **mode collapse** -- the generator draws a few kinds of image, whatever the noise. Seen in the
  classifier's labels of its samples (:func:`coverage`: classes with at least 2% of the
  samples; :func:`kl_from_uniform`: how far the class histogram is from even) and in how alike
  the samples are (:func:`diversity_ratio`: mean pairwise distance of the samples over that of
  real images).
* **the discriminator wins** -- D tells real from fake with certainty, so G's gradient
  vanishes and it stops learning. Seen in D's verdicts over training (:func:`final_verdicts`:
  mean D(x) near 1 and D(G(z)) near 0 at the end, and G's loss climbing).
* **data range vs Tanh** -- real images outside ``[-1, 1]`` (left in ``[0, 255]``), which a Tanh
  generator cannot reach: D separates them by brightness alone. Seen in the data before any
  training (:func:`out_of_range_share`) and in the pixel histograms (:func:`plot_pixel_histograms`).

:func:`diagnose` turns these numbers into three flags, with the thresholds stated in
:data:`THRESHOLDS`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from .guided import diversity
from .noise_map import class_shares
from .params import check_float, check_int

#: the thresholds :func:`diagnose` uses (see there for why each).
THRESHOLDS: dict[str, float] = {
    "min_share": 0.02,           # a class counts as covered with at least 2% of the samples
    "collapse_coverage": 0.5,    # collapse: fewer than half of the classes covered ...
    "collapse_diversity": 0.55,  # ... or samples less than 0.55x as different from each other as real ones
    "d_wins_fake": 0.1,          # D wins: mean D(G(z)) over the last epoch below 0.1 ...
    "d_wins_real": 0.9,          # ... while D(x) stays above 0.9
    "range_outside": 0.01,       # range mismatch: more than 1% of real pixels outside G's output range
}


def _check_labels(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    labels = torch.as_tensor(labels)
    if labels.dim() != 1 or labels.dtype.is_floating_point:
        raise ValueError(f"labels must be a 1-dim integer tensor, got dtype={labels.dtype}, "
                         f"shape={tuple(labels.shape)}")
    if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise ValueError(f"labels must be in 0..{n_classes - 1} (n_classes={n_classes}), got "
                         f"{int(labels.min())}..{int(labels.max())}")
    return labels


def coverage(labels: torch.Tensor, n_classes: int = 10, *, min_share: float = 0.02) -> int:
    """Number of classes that get at least ``min_share`` of ``labels``.

    The mode-coverage count of MNIST practice: a generator that draws every class scores
    ``n_classes``; a collapsed one, the few classes it still draws. 2% rather than "> 0" so
    that a handful of stray samples the classifier happens to label ``c`` does not count."""
    check_int("n_classes", n_classes, minimum=1)
    check_float("min_share", min_share, minimum=0.0, exclusive=True, maximum=1.0)
    labels = _check_labels(labels, n_classes)
    if len(labels) == 0:
        raise ValueError("coverage needs at least one label")
    return int((class_shares(labels, n_classes) >= min_share).sum())


def kl_from_uniform(labels: torch.Tensor, n_classes: int = 10) -> float:
    """KL divergence (nats) of the class histogram of ``labels`` from the uniform one,
    ``sum_c p_c log(p_c n_classes)``: 0 when every class is equally frequent, ``log(n_classes)``
    (2.30 for 10) when all samples fall in one class. Unlike :func:`coverage` it also sees a
    class that is present but rare, or one that takes half of the samples."""
    check_int("n_classes", n_classes, minimum=1)
    labels = _check_labels(labels, n_classes)
    if len(labels) == 0:
        raise ValueError("kl_from_uniform needs at least one label")
    p = class_shares(labels, n_classes).double()
    p = p[p > 0]
    return float((p * (p * n_classes).log()).sum())


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean RMS pixel distance between all pairs of distinct images (``(N, ...)``, N >= 2).

    Near-copies (mode collapse) give a small value. Cost grows as N^2: a few hundred images
    are enough."""
    x = torch.as_tensor(images, dtype=torch.float32)
    if x.dim() < 2 or len(x) < 2:
        raise ValueError(f"images must hold at least 2 images, got shape {tuple(x.shape)}")
    return diversity(x) / math.sqrt(x[0].numel())   # guided.diversity, per pixel (RMS)


def diversity_ratio(samples: torch.Tensor, real: torch.Tensor) -> float:
    """:func:`mean_pairwise_distance` of ``samples`` over that of ``real`` images (same scale,
    e.g. both in ``[0, 1]``). About 1 for a generator as varied as the data; near 0 for one
    that repeats a few images. Blurry averages also lower it, so read it beside :func:`coverage`."""
    ref = mean_pairwise_distance(real)
    if ref == 0:
        raise ValueError("real images are all identical: their mean pairwise distance is 0")
    return mean_pairwise_distance(samples) / ref


def out_of_range_share(images: torch.Tensor, low: float = -1.0, high: float = 1.0) -> float:
    """Share of pixel values outside ``[low, high]``, the range a generator can output
    (``[-1, 1]`` for Tanh). Any real pixel outside it is one G can never match; D only needs
    to look at brightness to win. Checkable before training."""
    check_float("low", low)
    check_float("high", high)
    if not low < high:
        raise ValueError(f"low={low} and high={high}: low must be < high")
    x = torch.as_tensor(images, dtype=torch.float32)
    if x.numel() == 0:
        raise ValueError("out_of_range_share needs at least one pixel")
    return float(((x < low) | (x > high)).float().mean())


def final_verdicts(history: Mapping[str, torch.Tensor], last: int) -> dict[str, float]:
    """Mean ``d_real`` (D(x)), ``d_fake`` (D(G(z))) and ``loss_g`` over the ``last`` iterations
    of a training history (:func:`helpers.train.train_gan`), and ``loss_g_first`` over the first
    ``last`` (to see G's loss climb)."""
    check_int("last", last, minimum=1)
    missing = [k for k in ("d_real", "d_fake", "loss_g") if k not in history]
    if missing:
        raise ValueError(f"history lacks {missing}; it needs 'd_real', 'd_fake' and 'loss_g'")
    n = len(history["d_real"])
    if last > n:
        raise ValueError(f"last={last} is not allowed: the history has only {n} iterations")
    mean = lambda k, sl: float(torch.as_tensor(history[k])[sl].float().mean())  # noqa: E731
    return {"d_real": mean("d_real", slice(n - last, n)), "d_fake": mean("d_fake", slice(n - last, n)),
            "loss_g": mean("loss_g", slice(n - last, n)), "loss_g_first": mean("loss_g", slice(0, last))}


@dataclass
class Diagnosis:
    """The numbers behind the three flags, and the flags (thresholds: :data:`THRESHOLDS`)."""

    coverage: int
    n_classes: int
    kl_from_uniform: float
    diversity_ratio: float
    d_real: float
    d_fake: float
    out_of_range_share: float
    collapse: bool
    d_wins: bool
    range_mismatch: bool

    def flags(self) -> list[str]:
        """Names of the failures flagged (empty: none)."""
        return [k for k in ("collapse", "d_wins", "range_mismatch") if getattr(self, k)]

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


def diagnose(*, labels: torch.Tensor, samples01: torch.Tensor, real01: torch.Tensor,
             history: Mapping[str, torch.Tensor], last: int, train_images: torch.Tensor,
             output_range: tuple[float, float] = (-1.0, 1.0), n_classes: int = 10) -> Diagnosis:
    """Flag the three failures of a trained GAN from numbers, with :data:`THRESHOLDS`:

    * ``collapse``: :func:`coverage` below half of ``n_classes``, or :func:`diversity_ratio` of
      ``samples01`` against ``real01`` below 0.55 (measured in notebook 08: a briefly trained
      healthy DCGAN covers 5-9 of 10 classes at a ratio of 0.68-0.86, a collapsed one 1 class at
      about 0.4);
    * ``d_wins``: over the ``last`` iterations, mean D(G(z)) < 0.1 while D(x) > 0.9 (D is
      certain and right). The threshold sits between what notebook 08 measured: its D-wins GAN at
      D(G(z)) 0.01-0.06 (seeds and torch builds), the healthy one at about 0.3, a factor of about
      two on either side, so a run near the line does not flip the flag;
    * ``range_mismatch``: more than 1% of the pixels of ``train_images`` (what G was trained to
      imitate, as given to training) outside ``output_range``.

    ``labels``: the classifier's labels of the samples; ``samples01`` and ``real01``: images in
    ``[0, 1]`` for the diversity ratio."""
    t = THRESHOLDS
    cov = coverage(labels, n_classes, min_share=t["min_share"])
    kl = kl_from_uniform(labels, n_classes)
    div = diversity_ratio(samples01, real01)
    v = final_verdicts(history, last)
    outside = out_of_range_share(train_images, *output_range)
    return Diagnosis(coverage=cov, n_classes=n_classes, kl_from_uniform=kl, diversity_ratio=div,
                     d_real=v["d_real"], d_fake=v["d_fake"], out_of_range_share=outside,
                     collapse=cov < t["collapse_coverage"] * n_classes or div < t["collapse_diversity"],
                     d_wins=v["d_fake"] < t["d_wins_fake"] and v["d_real"] > t["d_wins_real"],
                     range_mismatch=outside > t["range_outside"])


def plot_pixel_histograms(sets: Mapping[str, torch.Tensor], *, ax: Axes | None = None, bins: int = 50,
                          value_range: tuple[float, float] | None = None, title: str | None = None) -> Axes:
    """Histograms (share of pixels, log scale) of the pixel values of each image set, on one
    axis. Real digits are mostly background with a peak of ink; a generator that cannot reach
    the data's range, or draws grey, shows up at once. ``value_range``: the bins' span (default:
    from the smallest to the largest value of all sets)."""
    check_int("bins", bins, minimum=1)
    if not sets:
        raise ValueError("sets must name at least one image set")
    flat = {name: torch.as_tensor(x, dtype=torch.float32).flatten().numpy() for name, x in sets.items()}
    if value_range is None:
        lo = min(float(v.min()) for v in flat.values() if v.size)
        hi = max(float(v.max()) for v in flat.values() if v.size)
        value_range = (lo, hi if hi > lo else lo + 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4))
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    for name, v in flat.items():
        counts, _ = np.histogram(np.clip(v, *value_range), bins=edges)
        ax.stairs(counts / max(1, v.size), edges, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("pixel value")
    ax.set_ylabel("share of pixels")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


__all__ = ["THRESHOLDS", "coverage", "kl_from_uniform", "mean_pairwise_distance", "diversity_ratio",
           "out_of_range_share", "final_verdicts", "Diagnosis", "diagnose", "plot_pixel_histograms"]
