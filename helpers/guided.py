"""Guided generation (notebook 05): ask a 2-dim-noise generator for a chosen class.

The guided-GAN paper (seed 000) reads the noise -> label map of notebooks 03-04 backwards:

* **sectors**: the angular ranges ``phi0..phi1`` of the noise plane that give class ``k``;
* **MSN** (most significant noise, Fig. 9): noise on, or near, the middle line
  ``phi = (phi0 + phi1) / 2`` of the class's sector;
* **labeled noise** (Figs. 10-11): noise points the classifier labelled ``k`` and their
  neighbours, whose images are then filtered by their Pearson correlation with the class's
  standard image (one threshold per class);
* a **criterion** for the generator (Fig. 12), as the paper describes it, as the authors'
  code computes it, and a differentiable version that can be used as a loss term.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .classifier import predict
from .data import to_classifier
from .noise_map import angle_bin_counts, pearson
from .params import check_choice, check_float, check_int
from .train import generate

METHODS = ("msn", "labeled")


@dataclass(frozen=True)
class Sector:
    """A run of consecutive angle bins whose majority label is ``label``.

    ``phi0 < phi1`` always; a sector that wraps round the ``+-pi`` line has ``phi1 > pi``.
    ``n_points``: the noise points of that label inside it.
    """

    label: int
    phi0: float
    phi1: float
    n_points: int

    @property
    def width(self) -> float:
        return self.phi1 - self.phi0

    @property
    def middle(self) -> float:
        """The middle line's angle, in ``(-pi, pi]``."""
        m = (self.phi0 + self.phi1) / 2
        return math.atan2(math.sin(m), math.cos(m))


def sectors(z: torch.Tensor, labels: torch.Tensor, *, bins: int = 72,
            n_classes: int = 10) -> dict[int, list[Sector]]:
    """The sectors of every class, largest (most points) first; ``[]`` for a class that is
    the majority of no angle bin.

    The circle is cut into ``bins`` equal bins; each bin takes its majority label (an empty bin
    belongs to no class and ends a run). Runs of equal labels are sectors; the bins are circular,
    so a run through the ``+-pi`` line is one sector, not two.
    """
    check_int("bins", bins, minimum=2)
    w = 2 * math.pi / bins
    counts = angle_bin_counts(z, labels, bins=bins, n_classes=n_classes)
    major = torch.where(counts.sum(1) > 0, counts.argmax(1), torch.full((bins,), -1)).tolist()
    out: dict[int, list[Sector]] = {k: [] for k in range(n_classes)}
    if len(set(major)) == 1:
        k = major[0]
        if k >= 0:
            out[k].append(Sector(k, -math.pi, math.pi, int(counts[:, k].sum())))
        return out
    # start scanning at a boundary, so no run is split by the start of the array
    start = next(i for i in range(bins) if major[i] != major[i - 1])
    i = 0
    while i < bins:
        k = major[(start + i) % bins]
        j = i
        while j + 1 < bins and major[(start + j + 1) % bins] == k:
            j += 1
        if k >= 0:
            first = (start + i) % bins
            run = [(start + t) % bins for t in range(i, j + 1)]
            phi0 = -math.pi + first * w
            out[k].append(Sector(k, phi0, phi0 + (j - i + 1) * w, int(counts[run, k].sum())))
        i = j + 1
    for k in out:
        out[k].sort(key=lambda s: -s.n_points)
    return out


def pearson_thresholds(images01: torch.Tensor, labels: torch.Tensor, standard: torch.Tensor, *,
                       quantile: float = 0.2) -> torch.Tensor:
    """One Pearson threshold per class: the ``quantile`` of the correlations of *real* images of
    that class with its standard image. With 0.2, a generated image passes if it resembles the
    class mean at least as well as 80% of real images of the class do."""
    check_float("quantile", quantile, minimum=0.0, maximum=1.0)
    r = pearson(images01, standard[labels.long()])
    out = torch.zeros(len(standard))
    for k in range(len(standard)):
        rk = r[labels == k]
        if len(rk) == 0:
            raise ValueError(f"class {k} has no real images: cannot choose its Pearson threshold")
        out[k] = torch.quantile(rk, quantile)
    return out


def calibrate_thresholds(guide: "GuidedGenerator", classifier: nn.Module, *, target: float = 0.95,
                         n: int = 400, seed: int = 0, min_kept: int = 5) -> torch.Tensor:
    """One Pearson threshold per class, chosen so the filter reaches ``target`` precision.

    For each class, ``n`` labeled-noise images are drawn (a calibration draw: measure precision
    on another one); the threshold is the lowest Pearson score ``t`` such that, among the images
    with score ``>= t`` (at least ``min_kept`` of them), the classifier assigns the class to a
    share of at least ``target``. A class that never gets there, or has no labeled noise, gets
    ``inf``: the filter then rejects everything, and says so through the acceptance.
    """
    check_float("target", target, minimum=0.0, maximum=1.0)
    check_int("n", n, minimum=1)
    check_int("min_kept", min_kept, minimum=1)
    out = torch.full((len(guide.standard),), float("inf"))
    g = torch.Generator().manual_seed(seed)
    for k in range(len(guide.standard)):
        if not bool((guide.labels == k).any()):
            continue
        imgs = to_classifier(generate(guide.G, guide.labeled_noise(k, n, g)))
        r = pearson(imgs, guide.standard[k])
        hit = (predict(classifier, imgs)[0] == k).float()
        order = torch.argsort(r, descending=True)
        precision = torch.cumsum(hit[order], 0) / torch.arange(1, n + 1)
        ok = [i for i in range(min_kept - 1, n) if precision[i] >= target]
        if ok:
            out[k] = r[order][ok[-1]]
    return out


def pearson_filter(images01: torch.Tensor, label: int, standard: torch.Tensor,
                   threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the images whose Pearson correlation with ``standard[label]`` is at least
    ``threshold``. Returns the boolean mask and the correlations."""
    r = pearson(images01, standard[label])
    return r >= threshold, r


@dataclass
class GuidedSamples:
    """Images (``[0, 1]``) asked for one class, their noise, and what the filter rejected."""

    images: torch.Tensor
    z: torch.Tensor
    n_tried: int
    pearson: torch.Tensor

    @property
    def acceptance(self) -> float:
        return len(self.images) / max(1, self.n_tried)


class GuidedGenerator:
    """A 2-dim-noise generator asked for a class, by MSN or by labeled noise.

    ``noise_z``/``noise_labels``: the noise-label map (notebook 03); ``standard``: the standard
    images ``(10, 28, 28)`` in ``[0, 1]``; ``thresholds``: one Pearson threshold per class for
    the labeled-noise filter. ``G`` must already be in the BatchNorm mode the map was made in.
    """

    def __init__(self, G: nn.Module, noise_z: torch.Tensor, noise_labels: torch.Tensor,
                 standard: torch.Tensor, thresholds: torch.Tensor, *, bins: int = 72,
                 msn_spread: float = 0.1, neighbour_sigma: float = 0.1) -> None:
        self.G = G
        self.z, self.labels = noise_z, noise_labels.long()
        self.standard, self.thresholds = standard, thresholds
        self.sectors = sectors(noise_z, noise_labels, bins=bins, n_classes=len(standard))
        self.msn_spread = check_float("msn_spread", msn_spread, minimum=0.0, maximum=1.0)
        self.neighbour_sigma = check_float("neighbour_sigma", neighbour_sigma, minimum=0.0)

    def msn_noise(self, label: int, n: int, generator: torch.Generator) -> torch.Tensor:
        """Noise near the middle line of the class's largest sector: angle within
        ``msn_spread`` of half the sector's width from the middle, radius distributed like the
        length of a 2-dim standard normal vector."""
        found = self.sectors[label]
        if not found:
            raise ValueError(f"class {label} owns no sector of the noise map: MSN cannot generate it "
                             f"(use method='labeled', or a generator snapshot that covers it)")
        s = found[0]
        phi = s.middle + (torch.rand(n, generator=generator) * 2 - 1) * self.msn_spread * s.width / 2
        r = torch.randn(n, 2, generator=generator).norm(dim=1)
        return r.unsqueeze(1) * torch.stack([torch.cos(phi), torch.sin(phi)], 1)

    def labeled_noise(self, label: int, n: int, generator: torch.Generator) -> torch.Tensor:
        """Noise points the classifier labelled ``label``, drawn with replacement, each moved
        by Gaussian noise of size ``neighbour_sigma`` (the paper's "adjacent points")."""
        pool = self.z[self.labels == label]
        if len(pool) == 0:
            raise ValueError(f"class {label} has no labeled noise points in the map")
        idx = torch.randint(len(pool), (n,), generator=generator)
        return pool[idx] + self.neighbour_sigma * torch.randn(n, 2, generator=generator)

    def generate(self, label: int, n: int, method: str = "msn", *, seed: int = 0,
                 max_tries: int = 20) -> GuidedSamples:
        """``n`` images asked to be of class ``label``. ``method="labeled"`` draws batches until
        ``n`` images pass the class's Pearson threshold, or ``max_tries * n`` were tried (then
        fewer come back: see ``acceptance``)."""
        check_choice("method", method, METHODS)
        check_int("label", label, minimum=0, maximum=len(self.standard) - 1)
        check_int("n", n, minimum=1)
        g = torch.Generator().manual_seed(seed)
        if method == "msn":
            z = self.msn_noise(label, n, g)
            imgs = to_classifier(generate(self.G, z))
            return GuidedSamples(imgs, z, n, pearson(imgs, self.standard[label]))
        kept_img, kept_z, kept_r, tried = [], [], [], 0
        while sum(len(k) for k in kept_img) < n and tried < max_tries * n:
            z = self.labeled_noise(label, n, g)
            imgs = to_classifier(generate(self.G, z))
            mask, r = pearson_filter(imgs, label, self.standard, float(self.thresholds[label]))
            kept_img.append(imgs[mask])
            kept_z.append(z[mask])
            kept_r.append(r[mask])
            tried += n
        return GuidedSamples(torch.cat(kept_img)[:n], torch.cat(kept_z)[:n], tried, torch.cat(kept_r)[:n])


def diversity(features: torch.Tensor) -> float:
    """Mean pairwise Euclidean distance between feature vectors (0 for fewer than two)."""
    f = features.flatten(1).double()
    if len(f) < 2:
        return 0.0
    d = torch.cdist(f, f)
    return float(d.sum() / (len(f) * (len(f) - 1)))


def criterion_paper(pearsons: torch.Tensor, t: int, *, lam: float = 1.0) -> float:
    """The criterion as we read the paper's description (its equation is lost in our copy):
    the mean shortfall of the Pearson scores of the ``n`` images from 1, plus ``lam / t`` for
    a generator that makes only ``t`` kinds of images. Lower is better."""
    check_int("t", t, minimum=1)
    return float((1 - pearsons.double()).mean()) + lam / t


def criterion_authors(pearsons: torch.Tensor, t: int, *, d: int = 0, k1: float = 0.0, k2: float = 0.0,
                      k3: float = 30.0, criteria: float = 0.0) -> float:
    """What the authors' code computes: ``k1/t + k2 d/t + k3 (1/t) n / (sum P - criteria)``,
    with ``d`` label changes round the circle. The defaults (k1 = k2 = 0, k3 = 30,
    criteria = 0) leave ``30 n / (t sum P)``: 1200 / (t sum P) for the n = 40 circle images."""
    check_int("t", t, minimum=1)
    n = len(pearsons)
    return k1 / t + k2 * d / t + k3 * (1 / t) * n / (float(pearsons.double().sum()) - criteria)


def soft_criterion(images: torch.Tensor, classifier: nn.Module, standard: torch.Tensor, *,
                   lam: float = 1.0) -> torch.Tensor:
    """A differentiable criterion for a batch of generator outputs (``[-1, 1]``):

    ``mean_i (1 - sum_k p_ik r(x_i, S_k)) + lam / t_soft``,

    with ``p_ik`` the classifier's probabilities, ``r`` the Pearson correlation with the
    standard image of class k, and ``t_soft = exp(entropy(mean_i p_i))``, the effective number
    of classes in the batch (1 to 10). Gradients reach the generator through the images."""
    x = to_classifier(images)
    p = F.softmax(classifier(x), dim=1)
    a = x.flatten(1) - x.flatten(1).mean(1, keepdim=True)
    s = standard.flatten(1).to(x) - standard.flatten(1).to(x).mean(1, keepdim=True)
    r = (a @ s.T) / (a.norm(dim=1, keepdim=True) * s.norm(dim=1).unsqueeze(0) + 1e-8)
    expected_r = (p * r).sum(1)
    q = p.mean(0)
    t_soft = torch.exp(-(q * torch.log(q + 1e-12)).sum())
    return (1 - expected_r).mean() + lam / t_soft


__all__ = ["METHODS", "Sector", "sectors", "pearson_thresholds", "calibrate_thresholds", "pearson_filter", "GuidedSamples",
           "GuidedGenerator", "diversity", "criterion_paper", "criterion_authors", "soft_criterion"]
