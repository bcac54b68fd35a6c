"""Exercises of notebook 08: the numbers behind its three flags -- class coverage and KL from
uniform (mode collapse), the share of pixels outside Tanh's range, and "D wins"."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch

from ..diagnostics import THRESHOLDS, coverage, final_verdicts, kl_from_uniform, out_of_range_share
from . import Exercise, Feedback, as_number, check_predictions, graded, not_callable


def _labels(counts: dict[int, int], seed: int) -> torch.Tensor:
    """Shuffled labels with the given count per class."""
    y = torch.cat([torch.full((n,), k, dtype=torch.long) for k, n in counts.items()])
    return y[torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))]


def _kl(p: np.ndarray, n: int, log: Callable[[np.ndarray], np.ndarray] = np.log) -> float:
    p = p[p > 0]
    return float((p * log(p * n)).sum())


def _reverse_kl(p: np.ndarray, n: int) -> float:
    """KL(uniform || p): infinite when a class has p = 0 (the direction the course does not use)."""
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log((1 / n) / p) / n))


@graded
def check_coverage_and_kl(fn: Callable[..., Any]) -> Feedback:
    """8.1: ``coverage_and_kl(labels, n_classes, min_share)`` -> ``(coverage, kl)``: the classes
    with at least ``min_share`` of the labels, and the KL divergence (nats) of the class
    histogram from uniform. Checked against ``helpers.diagnostics.coverage`` and
    ``kl_from_uniform`` on a collapsed and an uneven label set; names the "any sample" count,
    ``>`` for ``>=``, bits, the reversed KL, the missing ``n_classes`` and 0 log 0."""
    fb = Feedback("8.1", "class coverage and KL from uniform",
                  hint="p = torch.bincount(labels, minlength=n_classes) / len(labels); coverage counts "
                       "p >= min_share; KL sums p log(p n_classes) over the classes with p > 0")
    if not_callable(fb, fn):
        return fb
    uneven = {0: 50, 1: 80, 2: 100, 3: 160, 4: 90, 5: 120, 6: 70, 7: 140, 8: 110, 9: 80}
    collapsed = {3: 170, 5: 23, 1: 4, 7: 3}          # 85%, 11.5%, exactly 2%, 1.5%; 8 and 9 never drawn
    cases = [("an uneven label set where every class occurs", _labels(uneven, 80), 0.02),
             ("a collapsed label set (classes 3 and 5; 1 at exactly 2%, 7 at 1.5%)", _labels(collapsed, 81), 0.02),
             ("the collapsed label set with min_share=0.1", _labels(collapsed, 81), 0.1)]
    for what, labels, min_share in cases:
        n = 10
        p = np.bincount(labels.numpy(), minlength=n) / len(labels)
        cov, kl = coverage(labels, n, min_share=min_share), kl_from_uniform(labels, n)
        with fb.attempt("coverage_and_kl"):
            got = fn(labels.clone(), n_classes=n, min_share=min_share)
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                fb.fail(f"return a pair (coverage, kl), got {type(got).__name__}"
                        + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
                return fb
            got_cov, got_kl = as_number(got[0]), as_number(got[1])
            if got_cov is None or got_kl is None:
                fb.fail(f"coverage and kl should be numbers, got {type(got[0]).__name__} and {type(got[1]).__name__}")
                return fb
            if got_cov != cov:
                if min_share == 0.1 and got_cov == coverage(labels, n, min_share=0.02):
                    fb.fail("the `min_share` argument is ignored: with min_share=0.1 only class 3 and 5 count")
                elif got_cov == int((p > 0).sum()):
                    fb.fail("coverage counts every class with at least one sample: the 2% rule leaves out "
                            "a class the classifier gave only a few stray samples (class 7 here, 1.5%)")
                elif got_cov == int((p > min_share).sum()):
                    fb.fail("a class with exactly min_share of the samples counts (at least 2%: use >=, not >)")
                else:
                    fb.fail(f"for {what}, coverage is {got_cov:g}, expected {cov}")
                return fb
            mistakes = {
                "the log is base 2 (bits): the course measures KL in nats, natural log (log 10 = 2.30 "
                "for one class)": _kl(p, n, np.log2),
                "this is KL(uniform || p), the reverse direction: the course's KL is sum_c p_c log(p_c / u_c), "
                "which stays finite when a class is never drawn": _reverse_kl(p, n),
                "n_classes is missing from the log: sum p log p is minus the entropy (negative); KL from "
                "uniform is sum p log(p n_classes)": _kl(p, 1),
                "the number of classes was taken from the labels (largest label + 1 = 8), not n_classes=10: "
                "use torch.bincount(labels, minlength=n_classes)": _kl(p, int(labels.max()) + 1),
                "this is the entropy of the class histogram, not KL from uniform (= log n_classes - entropy)":
                    -_kl(p, 1),
            }
            if not math.isfinite(got_kl):
                fb.fail(f"KL is {got_kl} for {what}: a class that is never drawn contributes 0 (0 log 0 = 0), "
                        "so sum only over the classes with p > 0")
                return fb
            if abs(got_kl - kl) > 1e-5 and fb.name_mistake(
                    mistakes, lambda wrong: math.isfinite(wrong) and abs(got_kl - wrong) < 1e-5):
                return fb
            if not fb.expect_number(f"KL from uniform for {what}", got_kl, kl, atol=1e-5):
                return fb
        if not fb.ok:
            return fb
    return fb


@graded
def check_share_outside(fn: Callable[..., Any]) -> Feedback:
    """8.2: ``share_outside(images, low, high)``, the share of pixels outside ``[low, high]``;
    checked against ``helpers.diagnostics.out_of_range_share``; names the bounds counted as
    outside, counting images instead of pixels, one side only, percent, a count, and the
    range arguments ignored."""
    fb = Feedback("8.2", "pixels outside Tanh's range",
                  hint="((images < low) | (images > high)).float().mean(): a share of all pixels; "
                       "-1 and 1 themselves are inside")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(82)
    images = torch.full((5, 1, 4, 4), -1.0)                     # background at exactly -1, as to_gan gives
    images[:, :, 1:3, 1:3] = torch.rand(5, 1, 2, 2, generator=g) * 2.4 - 1.2
    images[0, 0, 0, :2] = 1.0                                   # saturated ink, exactly at the top
    images[1, 0, 3, 3] = -1.5
    images[3, 0, 0, 0] = 3.0
    for low, high in [(-1.0, 1.0), (0.0, 1.0)]:
        x = images.clone()
        expected = out_of_range_share(x, low, high)
        out = (x < low) | (x > high)
        n_pix = out.numel()
        mistakes = {
            f"the bounds count as outside: a pixel at exactly {low:g} or {high:g} is one G can output "
            "(to_gan maps the background to exactly -1): use < and >, not <= and >=":
                float(((x <= low) | (x >= high)).float().mean()),
            "this is the share of images with any pixel outside, not the share of pixels":
                float(out.flatten(1).any(1).float().mean()),
            f"only pixels above {high:g} are counted: pixels below {low:g} are outside too":
                float((x > high).float().mean()),
            f"only pixels below {low:g} are counted: pixels above {high:g} are outside too":
                float((x < low).float().mean()),
            "this is a percentage: return a share between 0 and 1": 100 * expected,
            f"this is a count of pixels: divide by the number of pixels ({n_pix})": float(out.sum()),
        }
        with fb.attempt("share_outside"):
            got = fn(x, low, high)
            value = as_number(got)
            if value is None:
                fb.fail(f"share_outside should return a number, got {type(got).__name__}"
                        + (f" of shape {tuple(got.shape)}" if hasattr(got, "shape") else ""))
                return fb
            if low == 0.0 and abs(value - out_of_range_share(x, -1.0, 1.0)) < 1e-6:
                fb.fail("`low` and `high` are ignored: with the range [0, 1] the answer for [-1, 1] came back")
                return fb
            if abs(value - expected) > 1e-6 and fb.name_mistake(mistakes, lambda wrong: abs(value - wrong) < 1e-6):
                return fb
            fb.expect_number(f"share_outside(images, {low:g}, {high:g})", value, expected, atol=1e-6)
        if not fb.ok:
            return fb
    return fb


def _history(d_real: list[float], d_fake: list[float]) -> dict[str, torch.Tensor]:
    """A training history as ``train_gan`` records it (losses consistent with the verdicts)."""
    r, f = torch.tensor(d_real), torch.tensor(d_fake)
    return {"d_real": r, "d_fake": f, "loss_d": -(r.log() + (1 - f).log()), "loss_g": -f.log()}


@graded
def check_discriminator_wins(fn: Callable[..., Any]) -> Feedback:
    """8.3: ``discriminator_wins(history, last)``: True when, over the last ``last`` iterations,
    mean D(G(z)) < 0.1 and mean D(x) > 0.9. Checked against ``helpers.diagnostics``
    (``final_verdicts`` and ``THRESHOLDS``, as ``diagnose`` flags it) on eleven histories, each
    built to catch one mistake: the whole history or the first iterations, only the final
    iteration, ``or`` for ``and``, swapped keys, other thresholds."""
    fb = Feedback("8.3", "does D win?",
                  hint="mean of history['d_fake'][-last:] below 0.1 AND mean of history['d_real'][-last:] above 0.9")
    if not_callable(fb, fn):
        return fb
    fake_max, real_min = THRESHOLDS["d_wins_fake"], THRESHOLDS["d_wins_real"]
    cases = {
        "D is certain from start to end": (_history([0.97] * 40, [0.01] * 40), 10),
        "a balanced game": (_history([0.6] * 40, [0.35] * 40), 10),
        "D won early, but the last epoch is balanced again": (_history([0.99] * 30 + [0.8] * 10, [0.001] * 30 + [0.25] * 10), 10),
        "D was certain in the first epoch only": (_history([0.99] * 10 + [0.6] * 30, [0.001] * 10 + [0.35] * 30), 10),
        "D wins only after the first epoch": (_history([0.6] * 8 + [0.97] * 24, [0.35] * 8 + [0.01] * 24), 8),
        "D(G(z)) dips below 0.1 at the very last iteration only": (_history([0.95] * 40, [0.2] * 39 + [0.001]), 10),
        "D rejects everything, real images too (D(x) = 0.5, D(G(z)) = 0.01)": (_history([0.5] * 40, [0.01] * 40), 10),
        "D(G(z)) = 0.01 but D(x) = 0.85": (_history([0.85] * 40, [0.01] * 40), 10),
        "D(x) = 0.97 but D(G(z)) = 0.15": (_history([0.97] * 40, [0.15] * 40), 10),
        "D(x) = 0.97 and D(G(z)) = 0.07 (under the threshold, if not by far)": (_history([0.97] * 40, [0.07] * 40), 10),
        "D(G(z)) is high, D(x) low (G fools D)": (_history([0.02] * 40, [0.96] * 40), 10),
    }

    def flag(h: dict[str, torch.Tensor], last: int) -> bool:
        v = final_verdicts(h, last)
        return v["d_fake"] < fake_max and v["d_real"] > real_min

    def mean(h: dict[str, torch.Tensor], key: str, sl: slice) -> float:
        return float(h[key][sl].mean())

    wrong_rules: dict[str, Callable[[dict[str, torch.Tensor], int], bool]] = {
        "the verdicts are averaged over the whole history: the flag is about where training ended, "
        "history[key][-last:]":
            lambda h, last: mean(h, "d_fake", slice(None)) < fake_max and mean(h, "d_real", slice(None)) > real_min,
        "the first `last` iterations were used: the flag is about where training ended, history[key][-last:]":
            lambda h, last: mean(h, "d_fake", slice(0, last)) < fake_max and mean(h, "d_real", slice(0, last)) > real_min,
        "only the final iteration is read: one batch is noisy, average over the last `last` iterations":
            lambda h, last: float(h["d_fake"][-1]) < fake_max and float(h["d_real"][-1]) > real_min,
        "`or` instead of `and`: D wins only when it is right about both, fakes near 0 *and* real images near 1":
            lambda h, last: mean(h, "d_fake", slice(-last, None)) < fake_max or mean(h, "d_real", slice(-last, None)) > real_min,
        "d_real and d_fake are swapped: d_fake is D's probability that a generated image is real (D(G(z)))":
            lambda h, last: mean(h, "d_real", slice(-last, None)) < fake_max and mean(h, "d_fake", slice(-last, None)) > real_min,
        "only D(G(z)) is tested: D also has to accept the real images (D(x) > 0.9)":
            lambda h, last: mean(h, "d_fake", slice(-last, None)) < fake_max,
    }
    answers: dict[str, bool] = {}
    with fb.attempt("discriminator_wins"):
        for what, (h, last) in cases.items():
            got = fn({k: v.clone() for k, v in h.items()}, last)
            if isinstance(got, torch.Tensor) and got.numel() == 1 and got.dtype == torch.bool:
                got = bool(got)
            if not isinstance(got, (bool, np.bool_)):
                fb.fail(f"discriminator_wins should return True or False, got {type(got).__name__}"
                        + (f" {got!r}" if isinstance(got, (int, float)) else ""))
                return fb
            answers[what] = bool(got)
    if not fb.ok:
        return fb
    expected = {what: flag(h, last) for what, (h, last) in cases.items()}
    if answers == expected:
        return fb
    for problem, rule in wrong_rules.items():
        if answers == {what: rule(h, last) for what, (h, last) in cases.items()}:
            fb.fail(problem)
            return fb
    what = next(w for w in cases if answers[w] != expected[w])
    fb.fail(f"for a history where {what} (last={cases[what][1]}), discriminator_wins returned {answers[what]}, "
            f"expected {expected[what]} (thresholds: D(G(z)) < {fake_max}, D(x) > {real_min})")
    return fb


EXERCISES: dict[str, Exercise] = {
    "8.1": Exercise(check_coverage_and_kl, "coverage_and_kl"),
    "8.2": Exercise(check_share_outside, "share_outside"),
    "8.3": Exercise(check_discriminator_wins, "discriminator_wins"),
}

#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"8.4": "what the loss and its gradient hide"}
