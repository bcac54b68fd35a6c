"""Exercises of notebook 01: PCA as a generator, and the two GAN losses."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from . import Exercise, Feedback, check_predictions, graded, not_callable


@graded
def check_pca_generate(fn: Callable[..., Any]) -> Feedback:
    """1.1: ``pca_generate(mean, components, h)`` = mean + h W, checked against
    scikit-learn's ``PCA.inverse_transform`` on a small random data set."""
    fb = Feedback("1.1", "PCA as a generator",
                  hint="each row of `components` is one direction w_j; an image is mean + sum_j h_j w_j")
    if not_callable(fb, fn):
        return fb
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 12)) @ rng.normal(size=(12, 12)) + 3.0
    pca = PCA(n_components=4, random_state=0).fit(x)
    h = rng.normal(size=(5, 4)) * np.sqrt(pca.explained_variance_)
    expected = pca.inverse_transform(h)
    mean, comps = torch.from_numpy(pca.mean_), torch.from_numpy(pca.components_)
    with fb.attempt("pca_generate"):
        got = fn(mean.clone(), comps.clone(), torch.from_numpy(h))
        if isinstance(got, (torch.Tensor, np.ndarray)) and tuple(got.shape) == expected.shape:
            g = np.asarray(got.detach() if isinstance(got, torch.Tensor) else got, float)
            if np.allclose(g, expected - pca.mean_, atol=1e-6):
                fb.fail("the mean image is missing: PCA directions describe deviations from the mean")
                return fb
        fb.expect_array("pca_generate(mean, components, h)", got, expected, atol=1e-6)
    return fb


@graded
def check_discriminator_loss(fn: Callable[..., Any]) -> Feedback:
    """1.2: ``discriminator_loss(real_logits, fake_logits)``, the binary cross-entropy of D
    (real labelled 1, fake 0, each term a mean over its batch), checked against
    ``F.binary_cross_entropy_with_logits``; names the usual mistakes."""
    fb = Feedback("1.2", "the discriminator's loss",
                  hint="F.binary_cross_entropy_with_logits(logits, targets) takes logits, not probabilities")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(2)
    real, fake = torch.randn(8, generator=g) + 1.0, torch.randn(6, generator=g) - 0.5
    bce = F.binary_cross_entropy_with_logits
    expected = float(bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake)))
    mistakes = {
        "real and fake labels are swapped: real images must be labelled 1, generated ones 0":
            float(bce(real, torch.zeros_like(real)) + bce(fake, torch.ones_like(fake))),
        "the terms are summed over the batch: take the mean, so the loss does not grow with the batch size":
            float(bce(real, torch.ones_like(real), reduction="sum") + bce(fake, torch.zeros_like(fake), reduction="sum")),
        "a sigmoid was applied before a loss that already applies one (the inputs are logits)":
            float(bce(torch.sigmoid(real), torch.ones_like(real)) + bce(torch.sigmoid(fake), torch.zeros_like(fake))),
        "only the real images' term is there; D must also learn to reject the fakes":
            float(bce(real, torch.ones_like(real))),
        "the two batches were averaged together (one mean over 14 values): average each term over its own batch":
            float(bce(torch.cat([real, fake]), torch.cat([torch.ones_like(real), torch.zeros_like(fake)])))
    }
    with fb.attempt("discriminator_loss"):
        got = fn(real.clone(), fake.clone())
        try:
            value = float(got.detach() if isinstance(got, torch.Tensor) else got)
        except (TypeError, ValueError):
            fb.fail(f"the loss should be a single number (a 0-dim tensor), got {type(got).__name__}"
                    + (f" of shape {tuple(got.shape)}" if hasattr(got, "shape") else ""))
            return fb
        if abs(value - expected) > 1e-5 and fb.name_mistake(mistakes, lambda wrong: abs(value - wrong) < 1e-5):
            return fb
        fb.expect_number("discriminator_loss on a test batch", value, expected, atol=1e-5)
        if fb.ok and isinstance(got, torch.Tensor):
            r, f = real.clone().requires_grad_(), fake.clone().requires_grad_()
            out = fn(r, f)
            fb.expect(isinstance(out, torch.Tensor) and out.requires_grad,
                      "the loss must stay a tensor connected to the logits (no .item(), no NumPy), "
                      "or backward() has nothing to differentiate")
    return fb


@graded
def check_generator_loss(fn: Callable[..., Any]) -> Feedback:
    """1.3: ``generator_loss(fake_logits)``, the non-saturating loss -mean log D(G(z)),
    checked by value and by its gradient where D rejects the fakes (there the saturating
    form log(1 - D(G(z))) has almost no gradient: the point of the exercise)."""
    fb = Feedback("1.3", "the generator's non-saturating loss",
                  hint="G wants D to call its images real: the BCE of the fake logits with target 1")
    if not_callable(fb, fn):
        return fb
    fake = torch.tensor([-6.0, -4.0, -1.0, 0.5, 2.0])
    expected = float(F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake)))
    saturating = float(torch.log1p(-torch.sigmoid(fake)).mean())
    with fb.attempt("generator_loss"):
        x = fake.clone().requires_grad_()
        got = fn(x)
        try:
            value = float(got.detach() if isinstance(got, torch.Tensor) else got)
        except (TypeError, ValueError):
            fb.fail(f"the loss should be a single number (a 0-dim tensor), got {type(got).__name__}")
            return fb
        if abs(value + saturating) < 1e-5:
            fb.fail("the generated images are labelled 0 (fake): that is D's aim; G wants D to call them real (1)")
            return fb
        if abs(value - saturating) < 1e-5:
            fb.fail("this is the saturating form log(1 - D(G(z))): where D rejects the fakes "
                    "(logit -6) its gradient is about 0.0025, so G learns nothing; use -log D(G(z))")
            return fb
        if abs(value + expected) < 1e-5:
            fb.fail("the sign is flipped: the loss to *minimise* is -log D(G(z))")
            return fb
        if not fb.expect_number("generator_loss on a test batch", value, expected, atol=1e-5):
            return fb
        if not (isinstance(got, torch.Tensor) and got.requires_grad):
            fb.fail("the loss must stay a tensor connected to the logits (no .item(), no NumPy)")
            return fb
        got.backward()
        grad = -torch.sigmoid(-fake) / len(fake)     # d/dl of -mean log sigmoid(l)
        fb.expect_array("the gradient of generator_loss", x.grad, grad, atol=1e-6)
    return fb


EXERCISES: dict[str, Exercise] = {
    "1.1": Exercise(check_pca_generate, "pca_generate"),
    "1.2": Exercise(check_discriminator_loss, "discriminator_loss"),
    "1.3": Exercise(check_generator_loss, "generator_loss"),
}

#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"1.4": "what the controls score"}
