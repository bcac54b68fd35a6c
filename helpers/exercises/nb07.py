"""Exercises of notebook 07: Grad-CAM from a layer's activations and gradients, scaling a map
to [0, 1], and the share of a map's heat on the strokes."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..gradcam import gradcam_map, stroke_mask, stroke_share, upsample_normalise
from . import Exercise, Feedback, as_tensor, check_predictions, graded, not_callable


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, atol=1e-6, rtol=1e-5, equal_nan=True))


@graded
def check_my_gradcam(fn: Callable[..., Any]) -> Feedback:
    """7.1: ``my_gradcam(acts, grads)`` = ReLU(sum_k alpha_k A^k) with alpha_k the spatial mean
    of channel k's gradient, checked against :func:`helpers.gradcam.gradcam_map` on random
    activations and gradients (two shapes, one not square); names the usual mistakes."""
    fb = Feedback("7.1", "Grad-CAM by hand",
                  hint="alpha has one value per image and channel, shape (B, K, 1, 1) (keepdim=True); "
                       "the sum runs over the channels (dim 1); the ReLU comes last")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(7)
    cases = [(torch.randn(3, 6, 5, 5, generator=g, dtype=torch.float64) + 0.3,
              torch.randn(3, 6, 5, 5, generator=g, dtype=torch.float64)),
             (torch.randn(2, 4, 3, 7, generator=g, dtype=torch.float64),
              torch.randn(2, 4, 3, 7, generator=g, dtype=torch.float64) - 0.2)]
    with fb.attempt("my_gradcam"):
        for acts, grads in cases:
            expected = gradcam_map(acts, grads)
            got = fn(acts.clone(), grads.clone())
            arr = as_tensor(got)
            if arr is not None and _close(arr, expected):
                continue
            alpha = grads.mean(dim=(2, 3), keepdim=True)
            mistakes = {
                "the ReLU is missing: keep only the positive evidence, ReLU(sum_k alpha_k A^k)":
                    (alpha * acts).sum(dim=1),
                "the gradients are summed over the cells: alpha_k is their *mean* "
                "(the map comes out u*v times too large)":
                    F.relu((grads.sum(dim=(2, 3), keepdim=True) * acts).sum(dim=1)),
                "each cell is weighted by its own gradient (gradient x activation): average each "
                "channel's gradient over its cells first, one weight alpha_k per channel":
                    F.relu((grads * acts).sum(dim=1)),
                "the channel weights come from the activations: alpha_k is the mean of the *gradients* dy/dA^k":
                    F.relu((acts.mean(dim=(2, 3), keepdim=True) * acts).sum(dim=1)),
                "activations and gradients are swapped: average the gradients, and weight the activations":
                    F.relu((acts.mean(dim=(2, 3), keepdim=True) * grads).sum(dim=1)),
                "the ReLU is applied to each channel before the sum: apply it once, to sum_k alpha_k A^k":
                    F.relu(alpha * acts).sum(dim=1),
                "the ReLU is applied to the gradients: that is Grad-CAM++'s idea; Grad-CAM averages the raw gradients":
                    F.relu((F.relu(grads).mean(dim=(2, 3), keepdim=True) * acts).sum(dim=1)),
                "the gradients are averaged over the batch too: each image has its own weights alpha_k":
                    F.relu((grads.mean(dim=(0, 2, 3), keepdim=True) * acts).sum(dim=1)),
                "the map is scaled to [0, 1]: return the raw map here (exercise 7.2 scales it)":
                    upsample_normalise(expected, tuple(expected.shape[-2:])),
            }
            if arr is not None:
                if fb.name_mistake(mistakes, lambda wrong: _close(arr, wrong)):
                    return fb
            fb.expect_array(f"my_gradcam(acts, grads) for acts of shape {tuple(acts.shape)}", got, expected,
                            atol=1e-6)
            return fb
    return fb


@graded
def check_normalise_maps(fn: Callable[..., Any]) -> Feedback:
    """7.2: ``normalise_maps(maps)`` scales each map of a batch by its own minimum and maximum to
    [0, 1], a constant map to all zeros; checked against :func:`helpers.gradcam.upsample_normalise`
    (at the maps' own size, where its bilinear up-sampling is the identity)."""
    fb = Feedback("7.2", "a map scaled to [0, 1]",
                  hint="take each map's own minimum and maximum (amin / amax over dims 1 and 2, keepdim=True), "
                       "and treat maps whose maximum equals their minimum separately (torch.where)")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(8)
    maps = torch.stack([torch.rand(5, 6, generator=g, dtype=torch.float64) + 2.0,        # minimum above 0
                        F.relu(torch.randn(5, 6, generator=g, dtype=torch.float64)),     # ReLU'd: minimum 0
                        torch.zeros(5, 6, dtype=torch.float64),                          # empty
                        100 * torch.rand(5, 6, generator=g, dtype=torch.float64)])       # another scale
    expected = upsample_normalise(maps, (5, 6))
    full = [0, 1, 3]                                                   # the maps that are not constant
    mx = maps.amax(dim=(1, 2), keepdim=True)
    mistakes = {
        "each map is divided by its maximum only: subtract its minimum first, or a map whose "
        "smallest value is above 0 never reaches 0":
            maps / mx.clamp_min(1e-12),
        "one minimum and maximum for the whole batch: scale each map by its own (amin/amax over dims 1 and 2)":
            (maps - maps.min()) / (maps.max() - maps.min()),
        "each map is divided by its sum: that makes it sum to 1, not span [0, 1]":
            maps / maps.sum(dim=(1, 2), keepdim=True).clamp_min(1e-12),
    }
    with fb.attempt("normalise_maps"):
        got = fn(maps.clone())
        arr = as_tensor(got)
        if arr is None or arr.shape != expected.shape:
            fb.expect_array("normalise_maps(maps)", got, expected)
            return fb
        if _close(arr[full], expected[full]):
            if torch.isnan(arr[2]).any() or torch.isinf(arr[2]).any():
                fb.fail("the all-zero map (an empty map: no evidence) gives 0/0 = NaN: "
                        "a constant map has no range to scale; return zeros for it")
            else:
                fb.expect_array("normalise_maps of an all-zero map", arr[2], expected[2])
            return fb
        if fb.name_mistake(mistakes, lambda wrong: _close(arr[full], wrong[full])):
            return fb
        fb.expect_array("normalise_maps(maps) on the maps that are not constant", arr[full], expected[full])
    return fb


@graded
def check_heat_on_strokes(fn: Callable[..., Any]) -> Feedback:
    """7.3: ``heat_on_strokes(maps, images, threshold)`` = sum(L M) / sum(L) per image, with the
    stroke mask M = images > threshold, NaN for an empty map; checked against
    :func:`helpers.gradcam.stroke_share` and :func:`helpers.gradcam.stroke_mask`."""
    fb = Feedback("7.3", "the share of the heat on the strokes",
                  hint="the mask is a boolean image; the heat on it and the total heat are sums over "
                       "each image's pixels (dims 1 and 2)")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(9)
    maps = torch.rand(4, 8, 8, generator=g, dtype=torch.float64)
    maps[1] = F.relu(maps[1] - 0.6)
    maps[2] = 0.0                                                       # an empty map
    images = torch.rand(4, 8, 8, generator=g, dtype=torch.float64) ** 2  # about 30% of pixels above 0.5
    images[images == 0.5] = 0.49                                       # no ties at the threshold
    full = [0, 1, 3]

    def share(m: torch.Tensor) -> torch.Tensor:
        return (maps * m).sum(dim=(1, 2)) / maps.sum(dim=(1, 2))

    with fb.attempt("heat_on_strokes"):
        for threshold in (0.5, 0.3):
            mask = stroke_mask(images, threshold)
            expected = stroke_share(maps, mask)
            got = fn(maps.clone(), images.clone(), threshold)
            what = f"heat_on_strokes(maps, images, {threshold})"
            arr = as_tensor(got)
            if isinstance(got, (int, float)) or (arr is not None and arr.numel() == 1):
                fb.fail(f"{what} is one number for the whole batch: return one share per image, shape (B,)")
                return fb
            if arr is None or arr.shape != expected.shape:
                fb.expect_array(what, got, expected)
                return fb
            if _close(arr, expected):
                continue
            if _close(arr[full], expected[full]):
                fb.fail(f"{what}: the empty map (all zeros, no evidence) gives {float(arr[2]):.4g}; its share is "
                        "undefined: return NaN (0/0 gives it), so that np.nanmean leaves it out")
                return fb
            mistakes = {
                "this is the share on the background: the strokes are the pixels *above* the threshold":
                    share(~mask),
                "the heat on the strokes is divided by the strokes' area (a mean heat): divide by the "
                "map's total heat, sum(L)":
                    (maps * mask).sum(dim=(1, 2)) / mask.sum(dim=(1, 2)),
                "this is the strokes' share of the *area*, which does not depend on the map":
                    mask.double().mean(dim=(1, 2)),
                "the threshold is applied to the map: the strokes are where the *image* is bright":
                    share(maps > threshold),
                "the `threshold` argument is ignored (0.5 is used)":
                    share(images > 0.5),
            }
            if fb.name_mistake(mistakes, lambda wrong: _close(arr[full], wrong[full]), prefix=f"{what}: "):
                return fb
            fb.expect_array(f"{what} on the maps that are not empty", arr[full], expected[full])
            return fb
    return fb


EXERCISES: dict[str, Exercise] = {
    "7.1": Exercise(check_my_gradcam, "my_gradcam"),
    "7.2": Exercise(check_normalise_maps, "normalise_maps"),
    "7.3": Exercise(check_heat_on_strokes, "heat_on_strokes"),
}
#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"7.4": "what a linear head does to Grad-CAM"}
