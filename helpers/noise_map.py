"""Mapping the noise: which region of a generator's input gives which digit.

The pipeline of the guided-GAN paper (Fig. 3): noise ``z`` -> generator ``G`` -> classifier
``C`` -> label, for ``m`` noise vectors; the (noise, label) pairs are the map that the
sector figures (notebook 04) and guided generation (notebook 05) read.

Also here: the paper's "standard image" of a class (the mean of up to 1,000 training
images), the Pearson correlation of images with it, and the angle statistics of 2-dim noise.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import torch
from sklearn.metrics import mutual_info_score
from torch import nn

from .classifier import predict
from .data import to_classifier
from .params import check_int
from .train import generate


def label_noise(G: nn.Module, classifier: nn.Module, z: torch.Tensor, *,
                batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels and classifier confidence of ``G(z)``, with G's output mapped to the classifier's
    ``[0, 1]`` input range (the authors fed ``[-3, 1]``; see notebook 03)."""
    images = to_classifier(generate(G, z, batch_size=batch_size))
    labels, probs = predict(classifier, images, batch_size=batch_size)
    return labels, probs.max(1).values


def standard_images(x: torch.Tensor, y: torch.Tensor, *, per_class: int = 1000,
                    n_classes: int = 10) -> torch.Tensor:
    """The paper's standard image of each class: the mean of its first ``per_class`` training
    images, as floats in ``[0, 1]``, shape ``(n_classes, 28, 28)``."""
    check_int("per_class", per_class, minimum=1)
    x01 = (to_classifier(x) if x.dtype == torch.uint8 else x.float()).reshape(len(x), 28, 28)
    out = torch.zeros(n_classes, 28, 28)
    for c in range(n_classes):
        members = x01[y == c][:per_class]
        if len(members) == 0:
            raise ValueError(f"class {c} has no training images: cannot build its standard image")
        out[c] = members.mean(0)
    return out


def pearson(images: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Pearson correlation over all pixels between each image and its reference.

    ``images``: ``(N, ...)``; ``reference``: one image (broadcast to all) or ``(N, ...)``.
    r = sum((a - mean a)(b - mean b)) / sqrt(sum (a - mean a)^2 * sum (b - mean b)^2),
    what ``np.corrcoef`` computes for two flattened images. A constant image gives 0.
    """
    a = images.reshape(len(images), -1).double()
    b = reference.double().reshape(-1, a.shape[1])
    if b.shape[0] == 1:
        b = b.expand_as(a)
    elif b.shape[0] != a.shape[0]:
        raise ValueError(f"{len(b)} references for {len(a)} images: give one, or one per image")
    a = a - a.mean(1, keepdim=True)
    b = b - b.mean(1, keepdim=True)
    den = (a.pow(2).sum(1) * b.pow(2).sum(1)).sqrt()
    r = (a * b).sum(1) / den
    return torch.where(den > 0, r, torch.zeros_like(r)).float()


def angles(z: torch.Tensor) -> torch.Tensor:
    """Angle of each 2-dim noise vector, ``atan2(z2, z1)``, in ``(-pi, pi]``."""
    if z.dim() != 2 or z.shape[1] != 2:
        raise ValueError(f"angles needs 2-dim noise of shape (N, 2), got {tuple(z.shape)}")
    return torch.atan2(z[:, 1], z[:, 0])


def angle_bins(z: torch.Tensor, bins: int = 36) -> torch.Tensor:
    """Index (0 .. bins-1) of each 2-dim noise vector's angle bin: ``bins`` equal arcs from ``-pi``."""
    check_int("bins", bins, minimum=1)
    return ((angles(z) + math.pi) / (2 * math.pi) * bins).long().clamp(0, bins - 1)


def angle_bin_counts(z: torch.Tensor, labels: torch.Tensor, *, bins: int = 72,
                     n_classes: int | None = None) -> torch.Tensor:
    """``(bins, n_classes)`` counts of each label in ``bins`` equal angle bins, bin 0 starting
    at ``-pi`` (the statistic behind both angular purity and the sectors of notebook 05)."""
    n = n_classes if n_classes is not None else (int(labels.max()) + 1 if len(labels) else 1)
    b = angle_bins(z, bins)
    counts = torch.zeros(bins, n, dtype=torch.long)
    counts.index_put_((b, labels.long()), torch.ones_like(b), accumulate=True)
    return counts


def angular_purity(z: torch.Tensor, labels: torch.Tensor, *, bins: int = 72) -> float:
    """Share of points whose label is the majority label of their angle bin (``bins`` equal
    bins over the circle). 1.0: every direction gives one digit; about the largest class share
    for a map with no angular structure."""
    counts = angle_bin_counts(z, labels, bins=bins)
    return float(counts.max(1).values.sum()) / max(1, len(labels))


def radius_bins(z: torch.Tensor, bins: int = 36) -> torch.Tensor:
    """Index (0 .. bins-1) of each noise vector's length among ``bins`` equal-count bins (by rank),
    so that radius bins hold as many points as the angle bins of isotropic noise do."""
    check_int("bins", bins, minimum=1)
    rank = torch.empty(len(z), dtype=torch.long)
    rank[z.norm(dim=1).argsort(stable=True)] = torch.arange(len(z))
    return (rank * bins // max(1, len(z))).clamp(0, bins - 1)


def label_information(groups: torch.Tensor, labels: torch.Tensor, *, permutations: int = 20,
                      seed: int = 0) -> float:
    """Theil's uncertainty coefficient, corrected for chance: the share of the label's entropy that
    knowing each point's group (an angle bin, a radius bin) removes,

        U = (I(label; group) - E) / (H(label) - E),

    where ``E`` is the mean information of the same groups about ``permutations`` shuffles of the
    labels (what finite bins find by chance; seeded, so deterministic). About 0 when the groups say
    nothing, 1 when each group fixes the label; 0 when one label is everywhere (nothing to know: an
    untrained generator's single blob). Mutual information and entropy by scikit-learn."""
    if groups.shape != labels.shape or groups.dim() != 1:
        raise ValueError(f"groups and labels must be 1-dim and of one length, got {tuple(groups.shape)} "
                         f"and {tuple(labels.shape)}")
    check_int("permutations", permutations, minimum=1)
    g, y = groups.numpy(), labels.numpy()
    h = mutual_info_score(y, y)           # H(label), in nats
    if h < 1e-12:
        return 0.0
    rng = np.random.default_rng(seed)
    chance = float(np.mean([mutual_info_score(rng.permutation(y), g) for _ in range(permutations)]))
    return float((mutual_info_score(y, g) - chance) / (h - chance))


def class_shares(labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """Share of each class among ``labels`` (sums to 1)."""
    return torch.bincount(labels.long(), minlength=n_classes).float() / max(1, len(labels))


def circle_points(n: int = 40, radius: float = 1.0, *, include_end: bool = False) -> torch.Tensor:
    """``n`` 2-dim points at equal angles on a circle.

    ``include_end=False`` steps by ``2 pi / n`` (what the paper says); ``True`` reproduces the
    authors' ``linspace(0, 2 pi, n)``, whose first and last points coincide.
    """
    check_int("n", n, minimum=1)
    t = torch.linspace(0, 2 * math.pi, n) if include_end else torch.arange(n) * (2 * math.pi / n)
    return radius * torch.stack([torch.cos(t), torch.sin(t)], 1)


class _PerSampleBatchNorm(nn.Module):
    """BatchNorm2d applied to a batch of one, for every sample: normalise each channel of each
    sample by that sample's own spatial mean and variance, then BatchNorm's affine map.
    (Equal to instance normalisation with BatchNorm's weight and bias.)"""

    def __init__(self, bn: nn.BatchNorm2d) -> None:
        super().__init__()
        self.weight, self.bias, self.eps = bn.weight, bn.bias, bn.eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)


def per_sample_norm(G: nn.Module) -> nn.Module:
    """A copy of ``G`` whose BatchNorm layers normalise every sample with its own statistics --
    what the authors' analysis did by running ``G`` in training mode on one vector at a time --
    computed for a whole batch at once. The running statistics are not used or changed."""
    G2 = copy.deepcopy(G)
    for module in list(G2.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(module, child_name, _PerSampleBatchNorm(child))
    return G2.eval()
