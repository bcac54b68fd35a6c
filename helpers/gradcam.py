"""Grad-CAM and Grad-CAM++ for any convolutional layer of any model (notebook 07).

Both methods explain one number per image, the *target* ``y`` (for a discriminator: the
evidence for "real" or for "fake"), with the activations ``A^k`` of a chosen layer
(``K`` channels of ``u x v`` cells) and the gradients ``g^k_ij = dy / dA^k_ij``:

* **Grad-CAM** (Selvaraju et al. 2017): one weight per channel, the mean gradient,
  ``alpha_k = 1/(uv) sum_ij g^k_ij``, and the map ``L = ReLU(sum_k alpha_k A^k)``.
* **Grad-CAM++** (Chattopadhay et al. 2018): a weight per cell, so that several separate
  regions of evidence all count. Taking ``Y = exp(y)`` the second and third derivatives of
  ``Y`` become powers of ``g``, and
  ``a^k_ij = g^2 / (2 g^2 + sum_ab A^k_ab g^3)``  (0 where ``g = 0``),
  ``w_k = sum_ij a^k_ij ReLU(g^k_ij)``,  ``L = ReLU(sum_k w_k A^k)``.

:func:`cam_maps` returns the maps up-sampled to the input size and scaled to ``[0, 1]``
per image; :func:`activations_and_grads` and :func:`gradcam_map` /
:func:`gradcampp_map` give the raw layer-resolution maps (the tests compare them with
``captum`` and ``grad-cam``). The model is used in the mode it is in. With BatchNorm in
training mode the activations depend on the batch's statistics (the gradients with respect to
the layer do not, as long as no BatchNorm comes after it); see
:func:`helpers.models.batch_stats_copy` for why notebook 07 wants exactly that.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr
from torch import nn

from .lesson import gradcampp_map, layer_activations_and_grads  # noqa: F401  (notebook 07's lesson code)
from .params import check_choice, check_float, check_int

#: target functions of a discriminator that returns logits (``D(x) = sigmoid(logit)``)
TARGETS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "real": lambda logit: logit,                          # evidence for "real"
    "fake": lambda logit: -logit,                         # evidence for "fake"
    "fake_prob": lambda logit: 1 - torch.sigmoid(logit),  # 1 - D(x), the probability of "fake"
}
METHODS = ("gradcam", "gradcam++")
#: a pixel of an image in [0, 1] belongs to the strokes if it is above this value
STROKE_THRESHOLD = 0.5


def target_scores(logits: torch.Tensor, target: str) -> torch.Tensor:
    """The number per image that the map explains: ``logits`` (``(B,)`` or ``(B, 1)``)
    through the target function ``target`` (one of :data:`TARGETS`)."""
    check_choice("target", target, TARGETS)
    return TARGETS[target](logits.reshape(len(logits)))


def activations_and_grads(model: nn.Module, layer: nn.Module, x: torch.Tensor,
                          target: str = "fake") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run ``model`` on ``x`` and return ``layer``'s output ``A`` (``(B, K, u, v)``), the
    gradients ``dy/dA`` of each image's target ``y`` (same shape) and the model's outputs:
    :func:`helpers.lesson.layer_activations_and_grads` (notebook 07's lesson code) with the
    score of :data:`TARGETS`. ``sum_b y_b`` is differentiated: image ``b``'s gradient is its
    own as long as images do not interact after ``layer`` (no BatchNorm in training mode there).
    """
    check_choice("target", target, TARGETS)
    return layer_activations_and_grads(model, layer, x, lambda out: target_scores(out, target))


def gradcam_map(acts: torch.Tensor, grads: torch.Tensor) -> torch.Tensor:
    """Grad-CAM at layer resolution: ``ReLU(sum_k alpha_k A^k)``, ``alpha_k`` the mean
    gradient of channel ``k``. Shape ``(B, u, v)``, not normalised."""
    alpha = grads.mean(dim=(2, 3), keepdim=True)             # (B, K, 1, 1)
    return F.relu((alpha * acts).sum(dim=1))


def upsample_normalise(raw: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``(B, u, v)`` maps -> ``(B, H, W)``: bilinear up-sampling, then each map scaled to
    ``[0, 1]`` by its min and max (a constant map, e.g. all zero, becomes all zero)."""
    up = F.interpolate(raw.unsqueeze(1), size=size, mode="bilinear", align_corners=False).squeeze(1)
    lo = up.amin(dim=(1, 2), keepdim=True)
    span = up.amax(dim=(1, 2), keepdim=True) - lo
    return torch.where(span > 0, (up - lo) / span.clamp_min(1e-12), torch.zeros_like(up))


def cam_maps(model: nn.Module, layer: nn.Module, x: torch.Tensor, target: str = "fake",
             method: str = "gradcam") -> torch.Tensor:
    """Grad-CAM (``method="gradcam"``) or Grad-CAM++ (``"gradcam++"``) maps of ``target``
    for the images ``x`` (``(B, C, H, W)``): ``(B, H, W)`` in ``[0, 1]``."""
    check_choice("method", method, METHODS)
    acts, grads, _ = activations_and_grads(model, layer, x, target)
    raw = gradcam_map(acts, grads) if method == "gradcam" else gradcampp_map(acts, grads)
    return upsample_normalise(raw, tuple(x.shape[-2:]))


def stroke_mask(images: torch.Tensor, threshold: float = STROKE_THRESHOLD, *, grow: int = 0) -> torch.Tensor:
    """The strokes of images in ``[0, 1]`` (``(B, 1, H, W)`` or ``(B, H, W)``): pixels
    brighter than ``threshold``; everything else is background. ``grow > 0`` adds every
    pixel within ``grow`` pixels (a square neighbourhood) of a stroke: a 7x7 map cannot draw
    a 2-pixel stroke, only the area around it. Boolean ``(B, H, W)``."""
    check_float("threshold", threshold, minimum=0.0, maximum=1.0)
    check_int("grow", grow, minimum=0)
    if images.dim() == 4:
        images = images[:, 0]
    if images.min() < 0 or images.max() > 1:
        raise ValueError("stroke_mask needs images in [0, 1] (use helpers.data.to_classifier)")
    mask = images > threshold
    if grow:
        mask = F.max_pool2d(mask.float().unsqueeze(1), 2 * grow + 1, stride=1, padding=grow).squeeze(1) > 0
    return mask


def stroke_share(maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per image, the share of the heat-map mass that lies on the strokes:
    ``sum(L * mask) / sum(L)``. NaN for an empty (all-zero) map. ``(B,)``."""
    if maps.shape != mask.shape:
        raise ValueError(f"maps {tuple(maps.shape)} and mask {tuple(mask.shape)} must have the same shape")
    total = maps.sum(dim=(1, 2))
    on = (maps * mask).sum(dim=(1, 2))
    return torch.where(total > 0, on / total.clamp_min(1e-12), torch.full_like(total, float("nan")))


def rank_correlation(maps_a: torch.Tensor, maps_b: torch.Tensor) -> np.ndarray:
    """Spearman's rank correlation between the pixels of ``maps_a[b]`` and ``maps_b[b]``,
    per image (NaN where a map is constant). ``(B,)`` numpy array."""
    if maps_a.shape != maps_b.shape:
        raise ValueError(f"maps_a {tuple(maps_a.shape)} and maps_b {tuple(maps_b.shape)} differ in shape")
    a = maps_a.reshape(len(maps_a), -1).cpu().numpy()
    b = maps_b.reshape(len(maps_b), -1).cpu().numpy()
    out = np.full(len(a), np.nan)
    for i in range(len(a)):
        if np.ptp(a[i]) > 0 and np.ptp(b[i]) > 0:
            out[i] = spearmanr(a[i], b[i]).statistic
    return out


@torch.no_grad()
def linear_head_attribution(D: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The exact attribution of the logit of a discriminator whose head is linear in ``D.features``
    (the course's conv head, a 7x7 convolution without bias, and its fc head): per cell ``(i, j)`` of the
    feature map, ``sum_c W[c, i, j] * A[c, i, j]``, the head's weight times the activation. The cells
    sum to the logit minus the head's bias, for every image: nothing is averaged away, unlike
    Grad-CAM, whose channel weights are here one fixed mix for every image. Returns the ``(B, u, v)``
    contributions (positive: evidence for "real") and the logits ``(B,)``, in D's current mode."""
    acts = D.features(x)
    if getattr(D, "minibatch_std", False):
        raise ValueError("linear_head_attribution: a D with a minibatch-std channel mixes the batch into each logit")
    layer = next(m for m in D.head if isinstance(m, (nn.Conv2d, nn.Linear)))
    w = layer.weight.reshape(acts.shape[1:])            # conv (1, C, 7, 7) or fc (1, C*7*7): (C, 7, 7) either way
    return (w * acts).sum(dim=1), D(x)


def cross_image_rank_correlation(maps: torch.Tensor) -> float:
    """Median Spearman correlation between the maps of *different* images (each with the next one's,
    cyclically): about 0 for maps that follow each image, 1 for one map drawn on every image (which a
    sanity check against a random D alone would not catch). NaN if fewer than two maps are non-constant."""
    if len(maps) < 2:
        raise ValueError(f"cross_image_rank_correlation needs at least 2 maps, got {len(maps)}")
    r = rank_correlation(maps, maps.roll(1, dims=0))
    return float(np.nanmedian(r)) if np.isfinite(r).any() else float("nan")


__all__ = ["TARGETS", "METHODS", "STROKE_THRESHOLD", "target_scores", "activations_and_grads",
           "gradcam_map", "gradcampp_map", "upsample_normalise", "cam_maps", "stroke_mask",
           "stroke_share", "rank_correlation", "cross_image_rank_correlation", "linear_head_attribution"]
