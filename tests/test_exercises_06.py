"""Notebook 06's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

from helpers.exercises import nb06


# ---- 6.1 sampling the input -------------------------------------------------------------------

def _input(z=None, cat=None, cont=None, order=("z", "cat", "cont")):
    """A sampler built from replaceable parts: each part is f(n, size) -> tensor."""
    z = z or (lambda n, k: torch.randn(n, k))
    cat = cat or (lambda n, k: F.one_hot(torch.randint(k, (n,)), k).float())
    cont = cont or (lambda n, k: torch.rand(n, k) * 2 - 1)

    def sample_input(n, nz, n_cat, n_cont):
        parts = {"z": z(n, nz), "cat": cat(n, n_cat), "cont": cont(n, n_cont)}
        return torch.cat([parts[p] for p in order], dim=1)
    return sample_input


def test_sample_input_right_answer_passes():
    assert nb06.check_sample_input(_input()).status == "passed"


def test_sample_input_wrong_answers():
    cases = {
        "holds probabilities": _input(cat=lambda n, k: torch.softmax(torch.randn(n, k), 1)),
        "look normal (std 1); InfoGAN draws them uniform": _input(cont=lambda n, k: torch.randn(n, k)),
        "torch.rand draws from U(0, 1)": _input(cont=lambda n, k: torch.rand(n, k)),
        "do not look uniform on [-1, 1]": _input(cont=lambda n, k: torch.rand(n, k) - 0.5),
        "the categorical code is one column (its index)": _input(cat=lambda n, k: torch.randint(k, (n, 1)).float()),
        "never occur": _input(cat=lambda n, k: F.one_hot(torch.randint(k - 1, (n,)), k).float()),
        "not drawn uniformly": _input(cat=lambda n, k: F.one_hot(
            torch.where(torch.rand(n) < 0.5, torch.zeros(n, dtype=torch.long), torch.randint(k, (n,))), k).float()),
        "the one-hot block sits at columns": _input(order=("z", "cont", "cat")),
        "should be one-hot": _input(cat=lambda n, k: F.one_hot(torch.randint(k, (n,)), k).float() * 2),
        "the noise z has mean": _input(z=lambda n, k: torch.rand(n, k)),
        "not n_cat = 4": lambda n, nz, n_cat, n_cont: _input()(n, nz, 10, n_cont),   # n_cat hard-coded
        "same noise z": _input(z=lambda n, k: torch.randn(1, k).expand(n, k)),
        "expected (3000, 8)": lambda n, nz, n_cat, n_cont: _input()(n, nz, n_cat, 2),   # n_cont hard-coded
        "same category": _input(cat=lambda n, k: F.one_hot(torch.full((n,), 2), k).float()),
        "dtype torch.float64": lambda *a: _input()(*a).double(),
        "should return a torch tensor": lambda *a: _input()(*a).numpy(),
    }
    for phrase, wrong in cases.items():
        fb = nb06.check_sample_input(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))

    def seeded(n, nz, n_cat, n_cont):
        torch.manual_seed(0)
        return _input()(n, nz, n_cat, n_cont)
    fb = nb06.check_sample_input(seeded)
    assert fb.status == "wrong" and "sample afresh on every call" in str(fb), str(fb)


def test_sample_input_check_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    nb06.check_sample_input(_input())
    assert torch.equal(torch.rand(3), expected)


# ---- 6.2 the information loss ------------------------------------------------------------------

def _terms(cat=None, cont=None):
    cat = cat or (lambda l, c: F.cross_entropy(l, c))
    cont = cont or (lambda m, s, c: (s + (c - m) ** 2 / (2 * torch.exp(2 * s))).sum(1).mean())
    return lambda l, c1, m, s, c: (cat(l, c1), cont(m, s, c))


def test_info_terms_right_answers_pass():
    assert nb06.check_info_terms(_terms()).status == "passed"
    by_hand = _terms(cat=lambda l, c: -F.log_softmax(l, 1).gather(1, c[:, None]).mean(),
                     cont=lambda m, s, c: -torch.distributions.Normal(m, s.exp()).log_prob(c).sum(1).mean()
                     - m.shape[1] * 0.5 * math.log(2 * math.pi))
    assert nb06.check_info_terms(by_hand).status == "passed"


def test_info_terms_wrong_answers():
    nll = lambda m, s, c, f: f(s, (c - m) ** 2).sum(1).mean()  # noqa: E731
    cases = {
        "softmax is applied twice": _terms(cat=lambda l, c: F.cross_entropy(l.softmax(1), c)),
        "the log is missing": _terms(cat=lambda l, c: F.nll_loss(l.softmax(1), c)),
        "the softmax is missing": _terms(cat=lambda l, c: F.nll_loss(l, c)),
        "categorical term: the sign is flipped": _terms(cat=lambda l, c: -F.cross_entropy(l, c)),
        "categorical term: it is summed over the batch": _terms(cat=lambda l, c: F.cross_entropy(l, c, reduction="sum")),
        "log sigma is missing": _terms(cont=lambda m, s, c: nll(m, s, c, lambda s, e: e / (2 * torch.exp(2 * s)))),
        "the predicted sigma is ignored": _terms(cont=lambda m, s, c: nll(m, s, c, lambda s, e: 0.5 * e)),
        "divided by 2 sigma, not 2 sigma^2": _terms(cont=lambda m, s, c: nll(m, s, c, lambda s, e: s + e / (2 * s.exp()))),
        "the factor 1/2": _terms(cont=lambda m, s, c: nll(m, s, c, lambda s, e: s + e / torch.exp(2 * s))),
        "0.5 log(2 pi)": _terms(cont=lambda m, s, c: -torch.distributions.Normal(m, s.exp()).log_prob(c).sum(1).mean()),
        "log variance": _terms(cont=lambda m, s, c: nll(m, s, c, lambda s, e: 0.5 * s + e / (2 * s.exp()))),
        "continuous term: it is averaged over the codes": _terms(cont=lambda m, s, c: (s + (c - m) ** 2 / (2 * torch.exp(2 * s))).mean()),
        "continuous term: the sign is flipped": _terms(
            cont=lambda m, s, c: -(s + (c - m) ** 2 / (2 * torch.exp(2 * s))).sum(1).mean()),
        "continuous term: it is summed over the batch": _terms(
            cont=lambda m, s, c: (s + (c - m) ** 2 / (2 * torch.exp(2 * s))).sum()),
        "connected to Q's outputs": lambda *a: tuple(torch.tensor(float(t.detach())) for t in _terms()(*a)),
        "should be a single number": _terms(cat=lambda l, c: F.cross_entropy(l, c, reduction="none")),
        "the pair (cat_term, cont_term)": lambda *a: sum(_terms()(*a)),
    }
    for phrase, wrong in cases.items():
        fb = nb06.check_info_terms(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))
    fb = nb06.check_info_terms(_terms(cont=lambda m, s, c: 1.5 * (s + (c - m) ** 2 / (2 * torch.exp(2 * s))).sum(1).mean()))
    assert fb.status == "wrong" and "the continuous term is" in str(fb) and "expected" in str(fb), str(fb)


def test_info_terms_mistakes_are_distinct():
    """Every named mistake gives its own value on the check's batch (else the names could mislead)."""
    values = [_one_value(lambda s, e: e / (2 * torch.exp(2 * s))), _one_value(lambda s, e: 0.5 * e),
              _one_value(lambda s, e: s + e / (2 * s.exp())), _one_value(lambda s, e: s + e / torch.exp(2 * s)),
              _one_value(lambda s, e: 0.5 * s + e / (2 * s.exp())), _one_value(lambda s, e: s + e / (2 * torch.exp(2 * s)))]
    assert min(abs(a - b) for i, a in enumerate(values) for b in values[i + 1:]) > 1e-3


def _one_value(f):
    g = torch.Generator().manual_seed(62)
    torch.randn(6, 4, generator=g)
    m = torch.randn(6, 2, generator=g) * 0.5
    s = torch.randn(6, 2, generator=g) * 0.6
    c = torch.rand(6, 2, generator=g) * 2 - 1
    return float(f(s, (c - m) ** 2).sum(1).mean())


# ---- 6.3 the Hungarian accuracy ----------------------------------------------------------------

def _hungarian(table):
    r, c = linear_sum_assignment(-table)
    return table[r, c].sum() / table.sum(), c


def test_hungarian_right_answers_pass():
    assert nb06.check_hungarian_accuracy(_hungarian).status == "passed"
    as_lists = lambda t: (float(_hungarian(t)[0]), _hungarian(t)[1].tolist())  # noqa: E731
    assert nb06.check_hungarian_accuracy(as_lists).status == "passed"
    as_tensor = lambda t: (torch.tensor(_hungarian(t)[0]), torch.from_numpy(_hungarian(t)[1]))  # noqa: E731
    assert nb06.check_hungarian_accuracy(as_tensor).status == "passed"
    maximize = lambda t: (lambda r, c: (t[r, c].sum() / t.sum(), c))(*linear_sum_assignment(t, maximize=True))  # noqa: E731
    assert nb06.check_hungarian_accuracy(maximize).status == "passed"


def _greedy(t):
    t = t.astype(float).copy()
    m = np.zeros(len(t), dtype=int)
    orig = t.copy()
    for _ in range(len(t)):
        r, c = np.unravel_index(int(t.argmax()), t.shape)
        m[r] = c
        t[r, :], t[:, c] = -1, -1
    return orig[np.arange(len(t)), m].sum() / orig.sum(), m


def test_hungarian_wrong_answers():
    cases = {
        "identity mapping": lambda t: (np.trace(t) / t.sum(), np.arange(len(t))),
        "argmax per row": lambda t: (t.max(1).sum() / t.sum(), t.argmax(1)),
        "WORST one-to-one": lambda t: (lambda r, c: (t[r, c].sum() / t.sum(), c))(*linear_sum_assignment(t)),
        "label -> code": lambda t: (lambda r, c: (t[c, r].sum() / t.sum(), c))(*linear_sum_assignment(-t.T)),
        "largest cell first": _greedy,
        "a count of images": lambda t: (t[np.arange(len(t)), _hungarian(t)[1]].sum(), _hungarian(t)[1]),
        "does not match the mapping": lambda t: (_hungarian(t)[0] * 0.9, _hungarian(t)[1]),
        "the pair (accuracy, mapping)": lambda t: _hungarian(t)[0],
        "one label (an integer) per code": lambda t: (_hungarian(t)[0], np.eye(len(t))),
        "outside 0..4": lambda t: (_hungarian(t)[0], _hungarian(t)[1] + 1),
        "sends two codes to the same label": lambda t: (_hungarian(t)[0], np.r_[_hungarian(t)[1][1], _hungarian(t)[1][1:]]),
        "the best one-to-one mapping gets 190": lambda t: (0.5, np.r_[_hungarian(t)[1][1], _hungarian(t)[1][0],
                                                                       _hungarian(t)[1][2:]]),
    }
    for phrase, wrong in cases.items():
        fb = nb06.check_hungarian_accuracy(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def test_hungarian_check_does_not_let_the_student_mutate_its_table():
    def mutates(t):
        t[:] = 0
        t[np.arange(len(t)), np.arange(len(t))] = 1
        return 1.0, np.arange(len(t))
    assert nb06.check_hungarian_accuracy(mutates).status == "wrong"
    assert nb06.check_hungarian_accuracy(_hungarian).status == "passed"
