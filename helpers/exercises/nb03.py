"""Exercises of notebook 03: the noise -> generator -> classifier -> label pipeline, and the class
shares of a label map (the Pearson score is exercise 5.1, where it drives the filter)."""
from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..noise_map import class_shares, label_noise
from . import Exercise, Feedback, as_array, as_number, check_predictions, graded, not_callable


def _tiny_pipeline() -> tuple[nn.Module, nn.Module, torch.Tensor]:
    """A small generator (Linear - BatchNorm - Tanh, images ``(N, 1, 28, 28)`` in [-1, 1]), a
    linear classifier and 24 noise vectors, all from a fixed seed. BatchNorm's running statistics
    are far from a batch's own, so running G in training mode changes the labels; the classifier's
    weights make the input range matter, so a wrong range changes them too. The global RNG is
    left untouched (the check runs inside a notebook)."""
    g = torch.Generator().manual_seed(3)
    with torch.random.fork_rng(devices=[]):
        G = nn.Sequential(nn.Linear(4, 784, bias=False), nn.BatchNorm1d(784), nn.Tanh(),
                          nn.Unflatten(1, (1, 28, 28)))
        C = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with torch.no_grad():
        G[0].weight.copy_(torch.randn(784, 4, generator=g))
        G[1].running_mean.copy_(torch.randn(784, generator=g))
        G[1].running_var.copy_(torch.rand(784, generator=g) * 3 + 0.5)
        G[1].weight.copy_(1 + 0.3 * torch.randn(784, generator=g))
        G[1].bias.copy_(0.3 * torch.randn(784, generator=g))
        C[1].weight.copy_(torch.randn(10, 784, generator=g) * 0.1)
        C[1].bias.copy_(0.3 * torch.randn(10, generator=g))
    z = torch.randn(24, 4, generator=g)
    return G.eval(), C.eval(), z


@graded
def check_noise_to_labels(fn: Callable[..., Any]) -> Feedback:
    """3.1: ``noise_to_labels(G, classifier, z)`` -> ``(labels, confidence)``: G in eval mode, its
    images mapped from [-1, 1] to the classifier's [0, 1], softmax, argmax over the classes; all
    without building a graph. Checked against :func:`helpers.noise_map.label_noise` on a tiny
    generator and classifier; names the range bug (none, or the authors' [-3, 1]), training mode,
    argmax over the batch, a confidence that is no probability, and a missing ``no_grad``."""
    fb = Feedback("3.1", "from noise to label",
                  hint="images01 = (G(z) + 1) / 2; probs = softmax(classifier(images01), dim=1); "
                       "confidence, labels = probs.max(dim=1)")
    if not_callable(fb, fn):
        return fb
    G, C, z = _tiny_pipeline()
    labels, confidence = label_noise(G, C, z)
    with torch.no_grad():
        fake = G(z)
        logits = C((fake + 1) / 2)
        wrong_ranges = {
            "the images go to the classifier in G's range [-1, 1]; it was trained on [0, 1]: "
            "map them with (x + 1) / 2 first": C(fake).argmax(1),
            "this is the authors' bug: Normalize(0.5, 0.5) applied once more turns [-1, 1] into "
            "[-3, 1]; the classifier needs (x + 1) / 2, in [0, 1]": C((fake - 0.5) / 0.5).argmax(1),
        }
    seen = {"train": False, "grad": False}

    def spy_g(module: nn.Module, inputs: Any, output: Any) -> None:
        seen["train"] |= module.training
        seen["grad"] |= torch.is_grad_enabled()

    def spy_c(module: nn.Module, inputs: Any, output: Any) -> None:
        seen["grad"] |= torch.is_grad_enabled()

    G_student, C_student = copy.deepcopy(G).train(), copy.deepcopy(C).train()   # as a fresh model comes
    G_student.register_forward_hook(spy_g)
    C_student.register_forward_hook(spy_c)
    with fb.attempt("noise_to_labels"):
        out = fn(G_student, C_student, z.clone())
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            fb.fail(f"return two tensors, (labels, confidence); got {type(out).__name__}"
                    + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
            return fb
        got_labels, got_conf = out
        got = as_array(got_labels)
        if got is None:
            fb.fail(f"the labels should be a tensor, got {type(got_labels).__name__}")
            return fb
        if got.shape == (10,):                           # 24 noise vectors, 10 classes
            fb.fail("the labels have shape (10,): argmax ran over dim 0 (the batch); "
                    "take it over dim 1, the classes")
            return fb
        if got.shape == ():
            fb.fail("the labels are a single number: argmax without dim flattens the batch; use dim=1")
            return fb
        if got.shape != tuple(labels.shape):
            fb.fail(f"the labels have shape {got.shape}, expected {tuple(labels.shape)}: one label per noise vector")
            return fb
        if seen["train"]:
            fb.fail("G ran in training mode: its BatchNorm layers normalised the batch by its own "
                    "statistics (and changed their running ones); call G.eval() first")
            return fb
        if not np.array_equal(got, labels.numpy()):
            for problem, wrong in wrong_ranges.items():
                if np.array_equal(got, wrong.numpy()):
                    fb.fail(problem)
                    return fb
            fb.fail(f"the labels differ from the expected ones for {int((got != labels.numpy()).sum())} "
                    f"of {len(labels)} noise vectors")
            return fb
        if isinstance(got_labels, torch.Tensor) and got_labels.is_floating_point():
            fb.fail(f"the labels are {got_labels.dtype}; they index the standard images, so they must be "
                    "integers (argmax gives int64)")
            return fb
        conf = as_array(got_conf)
        if conf is not None and conf.shape == tuple(confidence.shape):
            if np.allclose(conf, logits.max(1).values.numpy(), atol=1e-5):
                fb.fail("the confidence is the largest logit; it must be a probability: "
                        "apply softmax over the classes first")
                return fb
            if np.allclose(conf, logits.log_softmax(1).max(1).values.numpy(), atol=1e-5):
                fb.fail("the confidence is a log-probability; use softmax, not log_softmax")
                return fb
        if not fb.expect_array("confidence", got_conf, confidence, atol=1e-5):
            return fb
        fb.expect(not seen["grad"] and not (isinstance(got_conf, torch.Tensor) and got_conf.requires_grad),
                  "the forward passes built an autograd graph: labelling needs no gradients, so wrap "
                  "them in torch.no_grad() (on 6,000 images the graph costs memory and time)")
    return fb


@graded
def check_class_coverage(fn: Callable[..., Any]) -> Feedback:
    """3.2: ``class_coverage(labels, n_classes=10, min_share=0.02)`` -> ``(shares, covered)``:
    each class's share of the labels (length ``n_classes``, sums to 1) and how many classes
    reach ``min_share``. Checked against :func:`helpers.noise_map.class_shares`; names a missing
    ``minlength``, counts instead of shares, counting every class that occurs, ``>`` for
    ``>=``, and ignored arguments."""
    fb = Feedback("3.2", "class shares and coverage",
                  hint="torch.bincount(labels, minlength=n_classes) / len(labels); then (shares >= min_share).sum()")
    if not_callable(fb, fn):
        return fb
    counts = [40, 1, 30, 50, 10, 3, 60, 20, 36, 0]      # 250 labels; class 9 never occurs
    g = torch.Generator().manual_seed(5)
    labels = torch.repeat_interleave(torch.arange(10), torch.tensor(counts))
    labels = labels[torch.randperm(len(labels), generator=g)]
    shares = class_shares(labels)
    covered = int((shares >= 0.02).sum())                # 7: classes 1 (0.4%), 5 (1.2%) and 9 are out
    small = torch.tensor([0, 1, 1, 3, 0, 2, 1, 3])       # 4 classes, shares 1/4, 3/8, 1/8, 1/4 (exact)
    small_shares = class_shares(small, n_classes=4)

    def split(out: Any, case: str) -> tuple[Any, Any] | None:
        if isinstance(out, (tuple, list)) and len(out) == 2:
            return out[0], out[1]
        fb.fail(f"return two things, (shares, covered); got {type(out).__name__} ({case})")
        return None

    with fb.attempt("class_coverage"):
        out = split(fn(labels.clone()), "250 labels")
        if out is None:
            return fb
        got_shares, got_covered = out
        got = as_array(got_shares)
        if got is not None and got.shape == (9,):
            fb.fail("the shares have 9 entries: bincount stops at the largest label present (no 9 here); "
                    "give it minlength=n_classes so missing classes get a share of 0")
            return fb
        if got is not None and got.shape == (10,) and np.allclose(got, counts):
            fb.fail("these are counts, not shares: divide by the number of labels")
            return fb
        if not fb.expect_array("shares", got_shares, shares, atol=1e-6):
            return fb
        n_covered = as_number(got_covered)
        if n_covered is None:
            fb.fail(f"covered should be a number of classes, got {type(got_covered).__name__}")
            return fb
        if n_covered == 9 and covered != 9:
            fb.fail("covered counts every class that occurs at all (9); count only those with at "
                    "least min_share (2%) of the labels")
            return fb
        if not fb.expect_number("covered (classes with >= 2% of 250 labels)", n_covered, covered):
            return fb
        out = split(fn(small.clone(), n_classes=4, min_share=0.25), "n_classes=4, min_share=0.25")
        if out is None:
            return fb
        got_shares, got_covered = out
        got = as_array(got_shares)
        if got is not None and got.shape == (10,):
            fb.fail("with n_classes=4 the shares still have 10 entries: use the n_classes argument")
            return fb
        if not fb.expect_array("shares with n_classes=4", got_shares, small_shares, atol=1e-6):
            return fb
        n_covered = as_number(got_covered)
        if n_covered is None:
            fb.fail(f"covered should be a number of classes, got {type(got_covered).__name__}")
            return fb
        if n_covered == 4:
            fb.fail("with min_share=0.25 all 4 classes were counted: use the min_share argument "
                    "(shares 0.25, 0.375, 0.125, 0.25 give 3)")
            return fb
        if n_covered == 1:
            fb.fail("a class with exactly min_share counts as covered: use >=, not > "
                    "(shares 0.25, 0.375, 0.125, 0.25 with min_share=0.25 give 3)")
            return fb
        fb.expect_number("covered with min_share=0.25", n_covered, 3)
    return fb


EXERCISES: dict[str, Exercise] = {
    "3.1": Exercise(check_noise_to_labels, "noise_to_labels"),
    "3.2": Exercise(check_class_coverage, "class_coverage"),
}
#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"3.3": "one element against a random nudge"}
