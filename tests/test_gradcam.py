"""Grad-CAM and Grad-CAM++ (helpers/gradcam.py): cross-checks against captum and grad-cam,
hook clean-up, target functions, maps, stroke shares and rank correlation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from helpers.gradcam import (TARGETS, activations_and_grads, cam_maps, gradcam_map, gradcampp_map,
                             rank_correlation, stroke_mask, stroke_share, target_scores, upsample_normalise)
from helpers.models import DCGANDiscriminator

#: tolerances of the cross-checks (the reached differences are printed with pytest -s):
#: captum's raw maps relative to their largest value, grad-cam's [0, 1] maps absolute
CAPTUM_TOL = 1e-6
GRADCAM_LIB_TOL = 1e-5


def _discriminator(head: str, seed: int = 0) -> nn.Module:
    """A small DCGAN discriminator with PyTorch's default initialisation (larger weights than
    DCGAN's N(0, 0.02), so the maps are far from flat), BatchNorm statistics from one batch."""
    torch.manual_seed(seed)
    D = DCGANDiscriminator(width=8, head=head)
    with torch.no_grad():
        D.train()(torch.rand(64, 1, 28, 28) * 2 - 1)  # running statistics that are not 0 / 1
    return D.eval()


def _images(n: int = 6, seed: int = 1) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _no_hooks(model: nn.Module) -> bool:
    return all(not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
               and not getattr(m, "_backward_pre_hooks", {}) for m in model.modules())


# ---------------------------------------------------------------- cross-checks with libraries

@pytest.mark.parametrize("head", ["conv", "fc"])
@pytest.mark.parametrize("target", ["real", "fake", "fake_prob"])
def test_gradcam_matches_captum(head: str, target: str) -> None:
    from captum.attr import LayerGradCam

    D, x = _discriminator(head), _images()
    acts, grads, _ = activations_and_grads(D, D.features, x, target)
    mine = gradcam_map(acts, grads)
    ref = LayerGradCam(lambda inp: target_scores(D(inp), target), D.features).attribute(
        x, target=None, relu_attributions=True).squeeze(1).detach()
    diff = float((mine - ref).abs().max())
    scale = float(ref.amax())   # raw maps are not normalised: 1 - D(x) gives small gradients
    print(f"Grad-CAM vs captum LayerGradCam ({head} head, target {target}): max abs diff {diff:.2e} "
          f"(largest map value {scale:.2e})")
    assert mine.shape == ref.shape == (len(x), 7, 7)
    assert scale > 0, "the reference map is empty: the comparison would prove nothing"
    assert diff <= CAPTUM_TOL * scale


def _min_max(m: np.ndarray) -> np.ndarray:
    m = m - m.min()
    return m / (1e-7 + m.max())


def _gradcam_lib_postprocess(raw: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
    """grad-cam's post-processing for one layer: ``scale_cam_image`` (per map ``x - min``,
    ``/ (1e-7 + max)``, OpenCV's bilinear resize to the input size), then the same min-max
    scaling once more (``aggregate_multi_layers``)."""
    import cv2

    return np.float32([_min_max(cv2.resize(_min_max(m), (size[1], size[0])))
                       for m in raw.numpy().astype(np.float32)])


@pytest.mark.parametrize("head", ["conv", "fc"])
@pytest.mark.parametrize("target", ["real", "fake"])
@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_maps_match_grad_cam_library(head: str, target: str, method: str) -> None:
    from pytorch_grad_cam import GradCAM, GradCAMPlusPlus
    from pytorch_grad_cam.utils.model_targets import BinaryClassifierOutputTarget

    D, x = _discriminator(head), _images()
    acts, grads, _ = activations_and_grads(D, D.features, x, target)
    raw = gradcam_map(acts, grads) if method == "gradcam" else gradcampp_map(acts, grads)
    mine = _gradcam_lib_postprocess(raw, (28, 28))
    lib_class = GradCAM if method == "gradcam" else GradCAMPlusPlus
    category = 1 if target == "real" else 0  # grad-cam: 1 -> the logit, 0 -> minus the logit
    with lib_class(model=D, target_layers=[D.features]) as cam:
        ref = cam(input_tensor=x, targets=[BinaryClassifierOutputTarget(category)] * len(x))
    diff = float(np.abs(mine - ref).max())
    print(f"{method} vs grad-cam ({head} head, target {target}): max abs diff {diff:.2e}")
    assert ref.shape == (len(x), 28, 28) and float(ref.max()) > 0.5
    assert diff <= GRADCAM_LIB_TOL
    assert _no_hooks(D)


# ---------------------------------------------------------------- hooks

def test_no_hooks_left_after_a_call() -> None:
    D = _discriminator("conv")
    assert _no_hooks(D)
    for method in ("gradcam", "gradcam++"):
        cam_maps(D, D.features, _images(), "fake", method)
        assert not D.features._forward_hooks and not D.features._backward_hooks
        assert _no_hooks(D)


class _FailsAfterLayer(nn.Module):
    """Runs ``layer``, then raises: the hook must still be removed."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Conv2d(1, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.layer(x)
        raise RuntimeError("boom")


def test_no_hooks_left_after_an_exception() -> None:
    model = _FailsAfterLayer()
    with pytest.raises(RuntimeError, match="boom"):
        cam_maps(model, model.layer, _images(2), "real")
    assert _no_hooks(model)


def test_layer_outside_the_model_is_refused_and_unhooked() -> None:
    D, stray = _discriminator("conv"), nn.Conv2d(1, 1, 3)
    with pytest.raises(ValueError, match="did not run"):
        cam_maps(D, stray, _images(2))
    assert not stray._forward_hooks and _no_hooks(D)


def test_parameter_gradients_are_untouched() -> None:
    D = _discriminator("fc")
    cam_maps(D, D.features, _images(), "real", "gradcam++")
    assert all(p.grad is None for p in D.parameters())


# ---------------------------------------------------------------- targets and bad input

def test_target_functions_by_hand() -> None:
    logits = torch.tensor([2.0, -1.0, 0.0])
    assert torch.equal(target_scores(logits, "real"), logits)
    assert torch.equal(target_scores(logits, "fake"), torch.tensor([-2.0, 1.0, -0.0]))
    expected = [1 - 1 / (1 + math.exp(-2.0)), 1 - 1 / (1 + math.exp(1.0)), 0.5]  # 1 - D(x)
    assert torch.allclose(target_scores(logits, "fake_prob"), torch.tensor(expected), atol=1e-7)
    assert torch.equal(target_scores(logits.unsqueeze(1), "real"), logits)  # (B, 1) too
    assert set(TARGETS) == {"real", "fake", "fake_prob"}


def test_fake_is_the_negative_part_of_real_for_gradcam() -> None:
    """For Grad-CAM, minus the logit flips every alpha_k: the "fake" map is ReLU of minus the
    combination whose positive part is the "real" map, so the two never overlap; 1 - D(x)
    only rescales each image's gradients, so after normalising it equals the "fake" map."""
    D, x = _discriminator("conv"), _images()
    raw = {t: gradcam_map(*activations_and_grads(D, D.features, x, t)[:2]) for t in TARGETS}
    assert float(raw["real"].amax()) > 0 and float(raw["fake"].amax()) > 0
    assert float((raw["real"] * raw["fake"]).abs().max()) == 0.0
    maps = {t: cam_maps(D, D.features, x, t) for t in TARGETS}
    assert torch.allclose(maps["fake_prob"], maps["fake"], atol=1e-5)
    assert not torch.allclose(maps["real"], maps["fake"], atol=0.1)


@pytest.mark.parametrize("bad", [{"target": "realness"}, {"method": "scorecam"}])
def test_unknown_names_raise_value_error(bad: dict) -> None:
    D = _discriminator("conv")
    name, value = next(iter(bad.items()))
    with pytest.raises(ValueError) as err:
        cam_maps(D, D.features, _images(2), **bad)
    msg = str(err.value)
    assert f"{name}={value!r}" in msg
    allowed = ["'real'", "'fake'", "'fake_prob'"] if name == "target" else ["'gradcam'", "'gradcam++'"]
    assert all(a in msg for a in allowed), msg
    assert _no_hooks(D)


# ---------------------------------------------------------------- maps: shape, range, where

@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_maps_have_input_size_and_range(method: str) -> None:
    D, x = _discriminator("fc"), _images(8)
    for target in TARGETS:
        maps = cam_maps(D, D.features, x, target, method)
        assert maps.shape == (8, 28, 28) and maps.dtype == torch.float32
        assert float(maps.min()) >= 0.0 and float(maps.max()) <= 1.0
        nonempty = maps.amax(dim=(1, 2)) > 0
        assert nonempty.any()
        assert torch.allclose(maps[nonempty].amax(dim=(1, 2)), torch.ones(int(nonempty.sum())))
        assert torch.allclose(maps[nonempty].amin(dim=(1, 2)), torch.zeros(int(nonempty.sum())))


class _LeftHalfModel(nn.Module):
    """A 32x32 model whose logit ignores the right half of the image: it is zeroed on entry.
    The body mixes no pixels across columns (1x1 convolutions, 4x4 pooling), so the hooked
    layer's right-half cells (columns 4-7 of 8) are exactly zero."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 6, 1, bias=False), nn.LeakyReLU(0.2), nn.AvgPool2d(4),
                                  nn.Conv2d(6, 6, 1, bias=False), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 8 * 8, 1))
        torch.manual_seed(3)  # weights for which both targets give non-empty maps (checked below)
        for p in self.parameters():
            nn.init.normal_(p, 0.0, 0.5)
        self.register_buffer("left", (torch.arange(32) < 16).float().view(1, 1, 1, 32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x * self.left)).squeeze(1)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
@pytest.mark.parametrize("target", ["real", "fake"])
def test_map_puts_no_mass_where_the_logit_does_not_look(method: str, target: str) -> None:
    model = _LeftHalfModel().eval()
    x = torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    maps = cam_maps(model, model.body, x, target, method)
    total = maps.sum(dim=(1, 2))
    assert int((total > 0).sum()) >= 4, "too few non-empty maps to test anything"
    right = maps[:, :, 16:].sum(dim=(1, 2))[total > 0] / total[total > 0]
    # bilinear up-sampling lets the last left cell (columns 12-15) bleed into columns 16-17,
    # no further; a map flipped left-right, or transposed, would put half or more there
    assert float(maps[:, :, 18:].abs().max()) == 0.0
    assert float(right.max()) < 0.15, right


def test_upsample_normalise_constant_and_range() -> None:
    raw = torch.stack([torch.zeros(7, 7), torch.full((7, 7), 3.0), torch.arange(49.0).view(7, 7)])
    up = upsample_normalise(raw, (28, 28))
    assert up.shape == (3, 28, 28)
    assert float(up[:2].abs().max()) == 0.0
    assert float(up[2].min()) == 0.0 and float(up[2].max()) == 1.0


# ---------------------------------------------------------------- strokes and correlation

def test_stroke_mask_and_share_by_hand() -> None:
    img = torch.zeros(1, 1, 4, 4)
    img[0, 0, :, 0] = 1.0   # a stroke: the first column
    img[0, 0, 0, 1] = 0.5   # at the threshold: background (strictly above counts)
    mask = stroke_mask(img)
    assert mask.shape == (1, 4, 4) and int(mask.sum()) == 4 and not bool(mask[0, 0, 1])
    on_strokes = mask.float()
    uniform = torch.ones(1, 4, 4)
    assert float(stroke_share(on_strokes, mask)[0]) == 1.0
    assert float(stroke_share(uniform, mask)[0]) == pytest.approx(4 / 16)   # = the strokes' area
    assert float(stroke_share(1 - on_strokes, mask)[0]) == 0.0
    assert math.isnan(float(stroke_share(torch.zeros(1, 4, 4), mask)[0]))
    grown = stroke_mask(img, grow=1)   # the first column and its neighbour, nothing further
    assert grown[0, :, :2].all() and not grown[0, :, 2:].any()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        stroke_mask(img * 2 - 1)
    with pytest.raises(ValueError, match="same shape"):
        stroke_share(torch.ones(1, 4, 5), mask)


def test_rank_correlation() -> None:
    a = torch.rand(3, 5, 5, generator=torch.Generator().manual_seed(0))
    b = torch.stack([a[0], -a[1], torch.zeros(5, 5)])
    r = rank_correlation(a, b)
    assert r[0] == pytest.approx(1.0) and r[1] == pytest.approx(-1.0) and math.isnan(r[2])
    r2 = rank_correlation(a, a.pow(3))   # ranks only: a monotone transform changes nothing
    assert np.allclose(r2, 1.0)
    with pytest.raises(ValueError, match="shape"):
        rank_correlation(a, a[:2])


def test_cross_image_rank_correlation_catches_one_map_for_every_image():
    from helpers.gradcam import cross_image_rank_correlation

    g = torch.Generator().manual_seed(0)
    own = torch.rand(20, 7, 7, generator=g)                       # a map per image
    same = torch.rand(1, 7, 7, generator=g).expand(20, 7, 7)      # one map drawn on every image
    assert abs(cross_image_rank_correlation(own)) < 0.2
    assert cross_image_rank_correlation(same) == pytest.approx(1.0)
    assert math.isnan(cross_image_rank_correlation(torch.zeros(5, 7, 7)))   # empty maps: undefined
    with pytest.raises(ValueError, match="at least 2 maps"):
        cross_image_rank_correlation(own[:1])


@pytest.mark.parametrize("head", ["conv", "fc"])
def test_linear_head_attribution_sums_to_the_logit(head):
    from helpers.gradcam import linear_head_attribution

    torch.manual_seed(0)
    D = DCGANDiscriminator(width=8, head=head).eval()
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    contrib, logits = linear_head_attribution(D, x)
    assert contrib.shape == (6, 7, 7)
    layer = D.head[0] if head == "conv" else D.head[1]
    bias = 0.0 if layer.bias is None else float(layer.bias.detach())
    assert torch.allclose(contrib.sum(dim=(1, 2)) + bias, logits, atol=1e-5)
    # unlike Grad-CAM's one channel mix, the map follows the image: two images, two maps
    assert not torch.allclose(contrib[0], contrib[1])
    with pytest.raises(ValueError, match="minibatch-std"):
        linear_head_attribution(DCGANDiscriminator(width=8, head=head, minibatch_std=True), x)
