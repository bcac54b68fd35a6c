"""Exercises of notebook 06: InfoGAN's input, its information loss, and the Hungarian accuracy."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

from ..codes import Codes, DOutput, cluster_accuracy, generator_input, info_loss
from . import Exercise, Feedback, as_number, as_tensor, check_predictions, graded, not_callable


def _one_hot_like(block: torch.Tensor) -> bool:
    """Every entry 0 or 1 and exactly one 1 per row."""
    return bool(((block == 0) | (block == 1)).all() and (block.sum(1) == 1).all())


def _check_input_layout(fb: Feedback, x: torch.Tensor, n: int, nz: int, n_cat: int, n_cont: int) -> bool:
    """Shape, the three blocks of ``[z | one_hot(c1) | c2..]`` and their distributions.

    ``n`` is large (thousands), so the statistical bounds below hold for any correct sampler
    with overwhelming probability; the mistakes they catch are far outside them.
    """
    width = nz + n_cat + n_cont
    if x.dim() == 2 and x.shape == (n, nz + 1 + n_cont):
        fb.fail(f"the input has {x.shape[1]} columns: the categorical code is one column (its index); "
                f"the generator takes it one-hot, as {n_cat} columns")
        return False
    if x.dim() == 2 and n_cat != 10 and x.shape == (n, nz + 10 + n_cont):
        fb.fail(f"the input has {x.shape[1]} columns: the categorical block has 10, not n_cat = {n_cat}; "
                "use the argument instead of a fixed 10")
        return False
    if tuple(x.shape) != (n, width):
        fb.fail(f"the input has shape {tuple(x.shape)}, expected ({n}, {width}) = "
                f"(n, nz + n_cat + n_cont) for nz={nz}, n_cat={n_cat}, n_cont={n_cont}")
        return False
    if not torch.isfinite(x).all():
        fb.fail("the input contains NaN or infinite values")
        return False
    z, cat, cont = x[:, :nz], x[:, nz:nz + n_cat], x[:, nz + n_cat:]
    if not _one_hot_like(cat):
        others = [s for s in range(width - n_cat + 1) if s != nz and _one_hot_like(x[:, s:s + n_cat])]
        if others:
            fb.fail(f"the one-hot block sits at columns {others[0]}..{others[0] + n_cat - 1}; the generator "
                    f"expects the order [z | one-hot c1 | continuous], so columns {nz}..{nz + n_cat - 1}")
        elif torch.allclose(cat.sum(1), torch.ones(n, dtype=cat.dtype), atol=1e-4) and bool((cat >= 0).all()):
            fb.fail("the categorical block holds probabilities (rows sum to 1 but are not 0/1): "
                    "draw one category per row and write it one-hot (a single 1, the rest 0)")
        else:
            fb.fail(f"columns {nz}..{nz + n_cat - 1} should be one-hot (exactly one 1 per row, the rest 0); "
                    f"row 0 is {[round(v, 3) for v in cat[0].tolist()]}")
        return False
    if bool((cat == cat[:1]).all()):
        fb.fail("every row has the same category: draw one per row")
        return False
    freq = cat.mean(0)
    if float(freq.min()) == 0.0:
        missing = [i for i, f in enumerate(freq.tolist()) if f == 0]
        fb.fail(f"categories {missing} never occur in {n} samples: c1 must be uniform over all {n_cat} values")
        return False
    if float((freq - 1 / n_cat).abs().max()) > 0.4 / n_cat:
        fb.fail(f"the categories are not drawn uniformly: their shares range from {float(freq.min()):.3f} "
                f"to {float(freq.max()):.3f}, each should be about {1 / n_cat:.3f}")
        return False
    if n_cont:
        lo, hi, sd = float(cont.min()), float(cont.max()), float(cont.std())
        if lo < -1 or hi > 1:
            normal = abs(sd - 1) < 0.1
            fb.fail(f"the continuous codes reach [{lo:.2f}, {hi:.2f}], outside [-1, 1]"
                    + (": they look normal (std 1); InfoGAN draws them uniform, U(-1, 1)" if normal else
                       "; draw them from U(-1, 1)"))
            return False
        if lo >= 0:
            fb.fail("the continuous codes are all >= 0: torch.rand draws from U(0, 1); "
                    "stretch it to U(-1, 1) with 2 * u - 1")
            return False
        if lo > -0.95 or hi < 0.95 or abs(sd - 1 / math.sqrt(3)) > 0.05:
            fb.fail(f"the continuous codes do not look uniform on [-1, 1] (range [{lo:.2f}, {hi:.2f}], "
                    f"std {sd:.3f}; U(-1, 1) has std {1 / math.sqrt(3):.3f})")
            return False
    if bool((z == z[:1]).all()):
        fb.fail("every row has the same noise z: draw a new one per row")
        return False
    m, s = float(z.mean()), float(z.std())
    if abs(m) > 0.1 or abs(s - 1) > 0.1:
        fb.fail(f"the noise z has mean {m:.3f} and std {s:.3f}; it should be N(0, 1) (torch.randn)")
        return False
    # the course's own helper must rebuild the same vector from the parts
    codes = Codes(z.float(), cat.argmax(1), cont.float())
    return fb.expect(torch.equal(generator_input(codes, n_cat).double(), x.float().double()),
                     "helpers.codes.generator_input does not rebuild your vector from its parts")


@graded
def check_sample_input(fn: Callable[..., Any]) -> Feedback:
    """6.1: ``sample_input(n, nz, n_cat, n_cont)``, a batch of InfoGAN generator inputs
    ``[z ~ N(0,1) | one_hot(c1), c1 uniform | c2.. ~ U(-1, 1)]``; checked block by block on a
    large batch (shape, one-hot-ness, every category drawn about equally, the uniform range),
    and the layout against :func:`helpers.codes.generator_input`."""
    fb = Feedback("6.1", "sampling InfoGAN's input",
                  hint="torch.randn for z, torch.randint + F.one_hot for c1, 2 * torch.rand - 1 for c2.., "
                       "then torch.cat([...], dim=1)")
    if not_callable(fb, fn):
        return fb
    with fb.attempt("sample_input"), torch.random.fork_rng(devices=[]):
        torch.manual_seed(6)
        first = None
        for n, nz, n_cat, n_cont in ((4000, 5, 10, 2), (3000, 3, 4, 1)):
            got = fn(n, nz, n_cat, n_cont)
            if not isinstance(got, torch.Tensor):
                fb.fail(f"sample_input should return a torch tensor (the generator's input), got {type(got).__name__}")
                return fb
            x = got.detach().cpu().double()
            if not _check_input_layout(fb, x, n, nz, n_cat, n_cont):
                fb.problems[-1] += f" (sample_input({n}, {nz}, {n_cat}, {n_cont}))"
                return fb
            if first is None:
                first, first_type = x, got.dtype
        again = as_tensor(fn(4000, 5, 10, 2))
        if not fb.expect(again is None or again.shape != first.shape or not torch.equal(again, first),
                         "two calls return the same batch: sample afresh on every call"):
            return fb
        fb.expect(first_type == torch.float32, f"the input has dtype {first_type}; the generator "
                                                      "takes float32 (the one-hot block included)")
    return fb


def _nll_reference(logits: torch.Tensor, cat: torch.Tensor, mean: torch.Tensor, logstd: torch.Tensor,
                   cont: torch.Tensor) -> tuple[float, float]:
    """The two terms by the course's helper: ``info_loss`` with one lambda at a time."""
    out = DOutput(torch.zeros(len(cat)), logits, mean, logstd)
    codes = Codes(torch.zeros(len(cat), 1), cat, cont)
    cat_term = info_loss(out, codes, lambda_cat=1.0, lambda_cont=0.0, cont_loss="gaussian")
    cont_term = info_loss(out, codes, lambda_cat=0.0, lambda_cont=1.0, cont_loss="gaussian")
    return float(cat_term), float(cont_term)


@graded
def check_info_terms(fn: Callable[..., Any]) -> Feedback:
    """6.2: ``info_terms(cat_logits, cat, cont_mean, cont_logstd, cont)`` returns the two parts
    of InfoGAN's information loss, ``(-E log Q(c1|x), -E log Q(c2..|x))``, the Gaussian one with
    constants dropped; checked against :func:`helpers.codes.info_loss` (``cont_loss="gaussian"``),
    each common mistake named, and both terms must carry gradients."""
    fb = Feedback("6.2", "the information loss",
                  hint="the categorical term is F.cross_entropy(cat_logits, cat) (it takes logits); the "
                       "Gaussian term is log sigma + (c - mu)^2 / (2 sigma^2), summed over codes, averaged over the batch")
    if not_callable(fb, fn):
        return fb
    g = torch.Generator().manual_seed(62)
    logits = torch.randn(6, 4, generator=g) * 2
    cat = torch.tensor([0, 3, 1, 1, 2, 3])
    mean = torch.randn(6, 2, generator=g) * 0.5
    logstd = torch.randn(6, 2, generator=g) * 0.6
    cont = torch.rand(6, 2, generator=g) * 2 - 1
    exp_cat, exp_cont = _nll_reference(logits, cat, mean, logstd, cont)
    ce = lambda l: float(F.cross_entropy(l, cat))  # noqa: E731
    cat_mistakes = {
        "softmax is applied twice: F.cross_entropy takes logits and applies the softmax itself "
        "(the GAN-zoo bug the notebook describes)": ce(torch.softmax(logits, 1)),
        "the log is missing: F.nll_loss expects log-probabilities (use F.cross_entropy on the logits, "
        "or F.nll_loss on F.log_softmax)": float(F.nll_loss(torch.softmax(logits, 1), cat)),
        "the softmax is missing: F.nll_loss on raw logits is not a log-likelihood "
        "(use F.cross_entropy, or F.log_softmax first)": float(F.nll_loss(logits, cat)),
        "the sign is flipped: the term to minimise is -E log Q(c1|x), a cross entropy (>= 0)": -exp_cat,
        "it is summed over the batch: take the mean": exp_cat * len(cat),
    }
    err2 = (cont - mean) ** 2
    var = torch.exp(2 * logstd)
    per = lambda t: float(t.sum(1).mean())  # noqa: E731
    cont_mistakes = {
        "log sigma is missing: without it Q lowers the loss by predicting a huge sigma for free":
            per(0.5 * err2 / var),
        "the predicted sigma is ignored (that is cont_loss='fixed', sigma = 1): use sigma = exp(cont_logstd)":
            per(0.5 * err2),
        "the squared error is divided by 2 sigma, not 2 sigma^2": per(logstd + 0.5 * err2 / torch.exp(logstd)),
        "the factor 1/2 of the squared error is missing: (c - mu)^2 / (2 sigma^2)": per(logstd + err2 / var),
        "the constant 0.5 log(2 pi) per code is included: drop it, as info_loss does (it does not change "
        "the gradients, but the check compares values)": per(logstd + 0.5 * err2 / var + 0.5 * math.log(2 * math.pi)),
        "cont_logstd was used as log sigma^2 (log variance): here it is log sigma":
            per(0.5 * logstd + 0.5 * err2 / torch.exp(logstd)),
        "it is averaged over the codes: sum over c2, c3 (they are independent, so their "
        "log-likelihoods add), then average over the batch": float((logstd + 0.5 * err2 / var).mean()),
        "the sign is flipped: the term to minimise is -E log Q(c2..|x)": -exp_cont,
        "it is summed over the batch: take the mean": exp_cont * len(cat),
    }
    with fb.attempt("info_terms"):
        args = [t.clone().requires_grad_(t.is_floating_point()) for t in (logits, cat, mean, logstd, cont)]
        got = fn(*args)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            fb.fail(f"info_terms should return the pair (cat_term, cont_term), got {type(got).__name__}"
                    + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
            return fb
        for what, term, expected, mistakes in (("the categorical term", got[0], exp_cat, cat_mistakes),
                                               ("the continuous term", got[1], exp_cont, cont_mistakes)):
            value = as_number(term)
            if value is None:
                fb.fail(f"{what} should be a single number (a 0-dim tensor), got {type(term).__name__}"
                        + (f" of shape {tuple(term.shape)}" if hasattr(term, "shape") else ""))
                continue
            if not (abs(value - expected) > 1e-5 and fb.name_mistake(
                    mistakes, lambda wrong: abs(value - wrong) < 1e-5, prefix=f"{what}: ")):
                fb.expect_number(what, value, expected, atol=1e-5)
        if fb.ok:
            for what, term, source in (("the categorical term", got[0], args[0]), ("the continuous term", got[1], args[2])):
                fb.expect(isinstance(term, torch.Tensor) and term.requires_grad,
                          f"{what} must stay a tensor connected to Q's outputs (no .item(), no NumPy): "
                          "G and Q are trained through it")
            if fb.ok:
                got[1].backward()
                fb.expect(args[3].grad is not None and bool(args[3].grad.abs().sum() > 0),
                          "the continuous term has no gradient with respect to cont_logstd: "
                          "Q could not learn its sigma")
    return fb


def _table_of(table: np.ndarray) -> tuple[float, np.ndarray]:
    """The Hungarian accuracy and mapping by :func:`helpers.codes.cluster_accuracy`, fed the
    (code, label) pairs that ``table`` counts."""
    n = len(table)
    codes, labels = np.nonzero(table)
    reps = table[codes, labels]
    acc, mapping, rebuilt = cluster_accuracy(torch.from_numpy(np.repeat(codes, reps)),
                                             torch.from_numpy(np.repeat(labels, reps)), n)
    assert np.array_equal(rebuilt, table)
    return acc, mapping


def _sequential_greedy(table: np.ndarray) -> np.ndarray:
    """Largest cell first, then the largest in what remains: one-to-one, but not optimal."""
    t = table.astype(float).copy()
    mapping = np.zeros(len(t), dtype=np.int64)
    for _ in range(len(t)):
        r, c = np.unravel_index(int(t.argmax()), t.shape)
        mapping[r] = c
        t[r, :], t[:, c] = -1, -1
    return mapping


# codes (rows) x labels (columns): code 0 and code 1 both see mostly label 0 (row maxima
# collide), taking the largest cell first (0 -> 0) is not optimal, the best mapping is a
# 3-cycle 0->1->2->0 (so label->code differs from code->label), and the diagonal is weak.
_TABLE = np.array([
    [50, 45, 2, 0, 3],
    [48, 1, 30, 1, 0],
    [40, 2, 3, 3, 0],
    [0, 2, 1, 9, 40],
    [1, 0, 3, 35, 8],
])


@graded
def check_hungarian_accuracy(fn: Callable[..., Any]) -> Feedback:
    """6.3: ``hungarian_accuracy(table)`` for a ``(n, n)`` table of counts ``table[code, label]``
    returns ``(accuracy, mapping)``, the best one-to-one code -> label mapping and the share of
    images it gets right; checked against :func:`helpers.codes.cluster_accuracy` (and so
    ``scipy.optimize.linear_sum_assignment``) on a hand-made table where the identity, the
    per-row maximum, the largest-cell-first greedy, the minimum and the transposed mapping all
    differ, and on a random 10 x 10 table."""
    fb = Feedback("6.3", "the Hungarian accuracy",
                  hint="scipy.optimize.linear_sum_assignment(cost) MINIMISES the cost: give it -table; "
                       "it returns (rows, cols), i.e. code rows[i] -> label cols[i]")
    if not_callable(fb, fn):
        return fb
    rng = np.random.default_rng(63)
    random_table = rng.poisson(rng.gamma(0.3, 30, size=(10, 10))).astype(np.int64)
    random_table[np.arange(10), rng.permutation(10)] += 40
    with fb.attempt("hungarian_accuracy"):
        for table in (_TABLE, random_table):
            if not _check_one_table(fb, fn, table):
                break
    return fb


def _check_one_table(fb: Feedback, fn: Callable[..., Any], table: np.ndarray) -> bool:
    n, total = len(table), int(table.sum())
    expected_acc, expected_map = _table_of(table)
    got = fn(table.copy())
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fb.fail(f"hungarian_accuracy should return the pair (accuracy, mapping), got {type(got).__name__}")
        return False
    acc, mapping = as_number(got[0]), got[1]
    try:
        mapping = np.asarray(mapping.detach().cpu() if isinstance(mapping, torch.Tensor) else mapping)
    except Exception:  # noqa: BLE001 - any odd object is reported, not raised
        mapping = np.asarray([])
    if acc is None:
        fb.fail(f"the accuracy should be a number, got {type(got[0]).__name__}")
        return False
    if mapping.shape != (n,) or mapping.dtype.kind not in "iu" and not (
            mapping.dtype.kind == "f" and np.array_equal(mapping, np.round(mapping))):
        fb.fail(f"the mapping should hold one label (an integer) per code, shape ({n},); "
                f"got shape {mapping.shape}, dtype {mapping.dtype}")
        return False
    mapping = mapping.astype(np.int64)
    if mapping.min() < 0 or mapping.max() >= n:
        fb.fail(f"the mapping has labels outside 0..{n - 1}: {mapping.tolist()}")
        return False
    rows_max = table.argmax(1)
    if np.array_equal(mapping, rows_max) and len(set(mapping.tolist())) < n:
        fb.fail("each code took the label it sees most (argmax per row), so two codes share a label "
                f"({mapping.tolist()}): the mapping must be one-to-one, which is what the Hungarian "
                "algorithm adds")
        return False
    if len(set(mapping.tolist())) < n:
        fb.fail(f"the mapping {mapping.tolist()} sends two codes to the same label: it must be one-to-one")
        return False
    mapped = int(table[np.arange(n), mapping].sum())
    if abs(acc - mapped) < 1e-9 and mapped != total:
        fb.fail(f"the accuracy is {acc:g}, a count of images: divide by the total ({total})")
        return False
    if np.array_equal(mapping, np.arange(n)) and not np.array_equal(expected_map, np.arange(n)):
        fb.fail("this is the identity mapping (code k -> label k), what 'in the right order' needs; the "
                "Hungarian accuracy searches for the best one-to-one mapping")
        return False
    inverse = np.argsort(expected_map)
    if np.array_equal(mapping, inverse) and not np.array_equal(inverse, expected_map):
        fb.fail("the mapping goes label -> code (the table was transposed, or rows and columns swapped); "
                "mapping[code] should be the label")
        return False
    worst = linear_sum_assignment(table)[1]
    if np.array_equal(mapping, worst) and mapped < table[np.arange(n), expected_map].sum():
        fb.fail("this is the WORST one-to-one mapping: linear_sum_assignment minimises, so pass -table "
                "(or maximize=True)")
        return False
    if np.array_equal(mapping, _sequential_greedy(table)) and mapped < table[np.arange(n), expected_map].sum():
        fb.fail("taking the largest cell first and then the largest that is left is one-to-one but not "
                "optimal (a large cell taken early can block a better pair of choices); use "
                "scipy.optimize.linear_sum_assignment")
        return False
    if mapped != table[np.arange(n), expected_map].sum():
        fb.fail(f"the mapping {mapping.tolist()} gets {mapped} of {total} images right; the best one-to-one "
                f"mapping gets {int(table[np.arange(n), expected_map].sum())}")
        return False
    if not math.isclose(acc, mapped / total, abs_tol=1e-9):
        fb.fail(f"the accuracy {acc:.4g} does not match the mapping: it gets {mapped} of {total} = "
                f"{mapped / total:.4g} right")
        return False
    return fb.expect_number("the accuracy", acc, expected_acc, atol=1e-9)


EXERCISES: dict[str, Exercise] = {
    "6.1": Exercise(check_sample_input, "sample_input"),
    "6.2": Exercise(check_info_terms, "info_terms"),
    "6.3": Exercise(check_hungarian_accuracy, "hungarian_accuracy"),
}

#: predict-then-check exercises (no function to write): number -> title, checked by
#: :func:`helpers.exercises.check_predictions` in the notebook against the run's own numbers.
PREDICTIONS: dict[str, str] = {"6.4": "what a code without meaning scores"}
