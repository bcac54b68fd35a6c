"""Notebook 03's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import numpy as np
import torch

from helpers.exercises import nb03
from helpers.noise_map import pearson


def _pipeline(to01=lambda x: (x + 1) / 2, eval_mode=True, no_grad=True, dim=1, softmax=True, log=False):
    """A noise_to_labels with one thing changed."""
    def fn(G, C, z):
        if eval_mode:
            G.eval()
        with torch.set_grad_enabled(not no_grad):
            logits = C(to01(G(z)))
            scores = logits.log_softmax(1) if log else (logits.softmax(1) if softmax else logits)
            return scores.argmax(dim), scores.max(1).values
    return fn


def test_noise_to_labels_right_answer_variants_pass():
    assert nb03.check_noise_to_labels(_pipeline())
    from helpers.noise_map import label_noise
    assert nb03.check_noise_to_labels(label_noise)          # the course's helper itself


def test_noise_to_labels_wrong_answers():
    cases = {
        "in G's range [-1, 1]": _pipeline(to01=lambda x: x),
        "authors' bug": _pipeline(to01=lambda x: (x - 0.5) / 0.5),
        "training mode": _pipeline(eval_mode=False),
        "argmax ran over dim 0": _pipeline(dim=0),
        "largest logit": _pipeline(softmax=False),
        "log-probability": _pipeline(log=True),
        "torch.no_grad()": _pipeline(no_grad=False),
        "return two tensors": lambda G, C, z: C((G.eval()(z) + 1) / 2).argmax(1),
        "single number": lambda G, C, z: (lambda s: (s.argmax(), s.max(1).values))(
            C((G.eval()(z) + 1) / 2).softmax(1).detach()),
        "must be integers": lambda G, C, z: (lambda s: (s.argmax(1).float(), s.max(1).values))(
            C((G.eval()(z) + 1) / 2).softmax(1).detach()),
        "differ from the expected": lambda G, C, z: (torch.zeros(len(z), dtype=torch.long),
                                                     torch.ones(len(z))),
    }
    for phrase, wrong in cases.items():
        fb = nb03.check_noise_to_labels(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def _coverage(minlength=True, shares=True, op=torch.ge, use_min_share=True, use_n=True, present=False):
    def fn(labels, n_classes=10, min_share=0.02):
        n = n_classes if use_n else 10
        counts = torch.bincount(labels, minlength=n if minlength else 0).float()
        s = counts / len(labels) if shares else counts
        covered = int((counts > 0).sum()) if present else int(op(s, min_share if use_min_share else 0.02).sum())
        return s, covered
    return fn


def test_class_coverage_wrong_answers():
    assert nb03.check_class_coverage(_coverage())
    cases = {
        "minlength": _coverage(minlength=False),
        "counts, not shares": _coverage(shares=False),
        "use >=, not >": _coverage(op=torch.gt),
        "use the min_share argument": _coverage(use_min_share=False),
        "use the n_classes argument": _coverage(use_n=False),
        "every class that occurs": _coverage(present=True),
        "return two things": lambda labels, n_classes=10, min_share=0.02: torch.bincount(labels) / len(labels),
    }
    for phrase, wrong in cases.items():
        fb = nb03.check_class_coverage(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def _flat(images, references):
    return images.reshape(len(images), -1), references.reshape(len(references), -1)


def test_pearson_helper_matches_corrcoef():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(4, 1, 5, 5, generator=g), torch.rand(4, 5, 5, generator=g)
    expected = [np.corrcoef(a[i].flatten().numpy(), b[i].flatten().numpy())[0, 1] for i in range(4)]
    assert np.allclose(pearson(a, b).numpy(), expected, atol=1e-6)


def test_checks_leave_the_global_rng_alone():
    state = torch.get_rng_state()
    nb03.check_noise_to_labels(_pipeline())
    assert torch.equal(state, torch.get_rng_state())
