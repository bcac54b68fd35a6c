"""Notebook 01's exercises against the common wrong answers: each is named in the feedback."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.exercises import nb01

bce = F.binary_cross_entropy_with_logits


def test_pca_generate_wrong_answers():
    fb = nb01.check_pca_generate(lambda mean, comps, h: h @ comps)
    assert fb.status == "wrong" and "mean image is missing" in str(fb)
    fb = nb01.check_pca_generate(lambda mean, comps, h: (mean + h @ comps).T)
    assert fb.status == "wrong" and "shape" in str(fb)
    fb = nb01.check_pca_generate(lambda mean, comps, h: mean + 2 * h @ comps)
    assert fb.status == "wrong" and "differs from the expected" in str(fb)


def test_discriminator_loss_wrong_answers():
    cases = {
        "swapped": lambda r, f: bce(r, torch.zeros_like(r)) + bce(f, torch.ones_like(f)),
        "summed over the batch": lambda r, f: bce(r, torch.ones_like(r), reduction="sum")
        + bce(f, torch.zeros_like(f), reduction="sum"),
        "sigmoid was applied": lambda r, f: bce(r.sigmoid(), torch.ones_like(r)) + bce(f.sigmoid(), torch.zeros_like(f)),
        "only the real": lambda r, f: bce(r, torch.ones_like(r)),
        "averaged together": lambda r, f: bce(torch.cat([r, f]), torch.cat([torch.ones_like(r), torch.zeros_like(f)])),
        "connected to the logits": lambda r, f: torch.tensor(
            float(bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f)))),
        "single number": lambda r, f: bce(r, torch.ones_like(r), reduction="none"),
    }
    for phrase, wrong in cases.items():
        fb = nb01.check_discriminator_loss(wrong)
        assert fb.status == "wrong" and phrase in str(fb), (phrase, str(fb))


def test_generator_loss_wrong_answers():
    fb = nb01.check_generator_loss(lambda f: torch.log1p(-torch.sigmoid(f)).mean())
    assert fb.status == "wrong" and "saturating form" in str(fb)
    fb = nb01.check_generator_loss(lambda f: -bce(f, torch.ones_like(f)))
    assert fb.status == "wrong" and "sign is flipped" in str(fb)
    fb = nb01.check_generator_loss(lambda f: bce(f, torch.zeros_like(f)))
    assert fb.status == "wrong" and "labelled 0" in str(fb)
    fb = nb01.check_generator_loss(lambda f: 2 * bce(f, torch.ones_like(f)))
    assert fb.status == "wrong" and "expected" in str(fb)
    fb = nb01.check_generator_loss(lambda f: torch.tensor(float(bce(f, torch.ones_like(f)))))
    assert fb.status == "wrong" and "connected to the logits" in str(fb)
