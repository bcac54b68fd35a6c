"""Unit tests of helpers.codes: the code sampler, the information loss, the Hungarian accuracy,
the stroke measures and the InfoGAN / ACGAN / plain training loop."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.checkpoints import CheckpointWarning, load_checkpoint
from helpers.codes import (CodeGANConfig, Codes, DOutput, build_code_models, cluster_accuracy, code_grid,
                           code_readout, codes_per_category, continuous_sweep,
                           generate_codes, generator_input, info_loss, load_or_train_code_gan, sample_codes,
                           stroke_measures, train_code_gan)

TINY = dict(width=4, hidden=16, batch_size=32, epochs=1)


# ---- the code sampler ----------------------------------------------------------------------

def test_sample_codes_shapes_ranges_and_one_hot():
    cfg = CodeGANConfig(nz=5, n_cat=10, n_cont=2)
    c = sample_codes(1000, cfg, generator=torch.Generator().manual_seed(0))
    assert c.z.shape == (1000, 5) and c.cat.shape == (1000,) and c.cont.shape == (1000, 2)
    assert c.cat.dtype == torch.long and 0 <= int(c.cat.min()) and int(c.cat.max()) <= 9
    assert len(torch.unique(c.cat)) == 10                        # every value is drawn
    assert float(c.cont.min()) >= -1 and float(c.cont.max()) <= 1
    assert float(c.cont.min()) < -0.9 and float(c.cont.max()) > 0.9  # uniform over the whole range
    assert abs(float(c.z.std()) - 1) < 0.1
    x = generator_input(c, 10)
    assert x.shape == (1000, 5 + 10 + 2)
    one_hot = x[:, 5:15]
    assert torch.equal(one_hot.sum(1), torch.ones(1000))
    assert set(one_hot.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(one_hot.argmax(1), c.cat)
    assert torch.equal(x[:, :5], c.z) and torch.equal(x[:, 15:], c.cont)


def test_sample_codes_fixed_category_seeded_and_checked():
    cfg = CodeGANConfig()
    c = sample_codes(7, cfg, cat=3)
    assert c.cat.tolist() == [3] * 7
    a = sample_codes(4, cfg, generator=torch.Generator().manual_seed(1))
    b = sample_codes(4, cfg, generator=torch.Generator().manual_seed(1))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match=r"cat=10 is not allowed; it must be in 0\.\.9"):
        sample_codes(2, cfg, cat=10)
    with pytest.raises(ValueError, match="n=-1"):
        sample_codes(-1, cfg)


def test_config_rejects_bad_values_by_name():
    with pytest.raises(ValueError, match=r"kind='wgan' is not allowed; choose one of: 'plain', 'infogan', 'acgan'"):
        CodeGANConfig(kind="wgan")
    with pytest.raises(ValueError, match="cont_loss='laplace'.*'fixed', 'gaussian'"):
        CodeGANConfig(cont_loss="laplace")
    with pytest.raises(ValueError, match="n_cat=1"):
        CodeGANConfig(n_cat=1)
    with pytest.raises(ValueError, match="lambda_cat=-1"):
        CodeGANConfig(lambda_cat=-1.0)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=f"ema_decay={bad!r}"):
            CodeGANConfig(ema_decay=bad)
    for bad in (-0.1, 1.0):  # Adam rejects beta1 = 1 only when training starts: the config says so first
        with pytest.raises(ValueError, match=f"beta1={bad!r}"):
            CodeGANConfig(beta1=bad)


# ---- the information loss on hand-computed cases ---------------------------------------------

def _out(cat_logits, mean, logstd) -> DOutput:
    t = lambda v: torch.tensor(v, dtype=torch.float32)  # noqa: E731
    return DOutput(torch.zeros(len(cat_logits)), t(cat_logits), t(mean), t(logstd))


def test_info_loss_categorical_is_cross_entropy_of_logits():
    out = _out([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [[0.0], [0.0]], [[0.0], [0.0]])
    codes = Codes(torch.zeros(2, 1), torch.tensor([0, 2]), torch.zeros(2, 1))
    # -log softmax: sample 0 picks logit 2 of (2, 0, 0); sample 1 picks logit 0 of (0, 1, 0)
    ce0 = -(2 - math.log(math.exp(2) + 2))
    ce1 = -(0 - math.log(2 + math.e))
    got = info_loss(out, codes, lambda_cat=1.0, lambda_cont=0.0)
    assert got.item() == pytest.approx((ce0 + ce1) / 2, abs=1e-6)
    # a confident, right Q costs almost nothing; had the head applied softmax itself (the zoo
    # bug: softmax twice) the loss could never fall below about 0.55 for three categories
    sure = _out([[8.0, 0.0, 0.0]], [[0.0]], [[0.0]])
    one = Codes(torch.zeros(1, 1), torch.tensor([0]), torch.zeros(1, 1))
    assert info_loss(sure, one, lambda_cont=0.0).item() < 1e-3
    assert F.cross_entropy(F.softmax(sure.cat_logits, 1), one.cat).item() > 0.5


def test_info_loss_continuous_fixed_and_gaussian():
    out = _out([[0.0, 0.0]], [[0.5, -1.0]], [[math.log(2.0), 0.0]])
    codes = Codes(torch.zeros(1, 1), torch.tensor([0]), torch.tensor([[1.0, 1.0]]))
    ce = math.log(2)  # uniform over 2 categories
    # fixed sigma = 1: 0.5 * ((1 - 0.5)^2 + (1 + 1)^2) = 0.5 * 4.25
    fixed = info_loss(out, codes, lambda_cat=1.0, lambda_cont=0.1, cont_loss="fixed")
    assert fixed.item() == pytest.approx(ce + 0.1 * 0.5 * 4.25, abs=1e-6)
    # learned sigma: log 2 + 0.25 / (2 * 4)  +  0 + 4 / 2
    gauss = info_loss(out, codes, lambda_cat=1.0, lambda_cont=0.1, cont_loss="gaussian")
    assert gauss.item() == pytest.approx(ce + 0.1 * (math.log(2) + 0.25 / 8 + 2.0), abs=1e-6)
    with pytest.raises(ValueError, match="cont_loss='l1'"):
        info_loss(out, codes, cont_loss="l1")


def test_no_zoo_batchnorm_eps_bug():
    G, D = build_code_models(CodeGANConfig(**TINY))
    bns = [m for m in list(G.modules()) + list(D.modules()) if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(bns) >= 5
    assert all(m.eps == 1e-5 and m.momentum == 0.1 for m in bns)


# ---- Hungarian accuracy -----------------------------------------------------------------------

def test_cluster_accuracy_permuted_perfect_clustering_is_one():
    labels = torch.arange(10).repeat(20)
    perm = torch.tensor([3, 7, 0, 9, 1, 2, 8, 4, 6, 5])
    codes = perm[labels]
    acc, mapping, table = cluster_accuracy(codes, labels)
    assert acc == 1.0
    assert table.trace() == 0                       # the identity mapping gets nothing right
    assert all(mapping[perm[k]] == k for k in range(10))


def test_cluster_accuracy_hand_computed():
    # code 0 -> labels 0,0,1 ; code 1 -> labels 1,1,0 ; code 2 -> label 1 (two codes want label 1)
    codes = torch.tensor([0, 0, 0, 1, 1, 1, 2])
    labels = torch.tensor([0, 0, 1, 1, 1, 0, 1])
    acc, mapping, table = cluster_accuracy(codes, labels, n=3)
    # best one-to-one: 0->0 (2), 1->1 (2), 2->2 (0)  => 4 of 7
    assert acc == pytest.approx(4 / 7)
    assert mapping.tolist() == [0, 1, 2]
    assert table.tolist() == [[2, 1, 0], [1, 2, 0], [0, 1, 0]]


def test_cluster_accuracy_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        cluster_accuracy(torch.tensor([], dtype=torch.long), torch.tensor([], dtype=torch.long))
    with pytest.raises(ValueError, match=r"0\.\.9"):
        cluster_accuracy(torch.tensor([10]), torch.tensor([0]))
    with pytest.raises(ValueError, match="equal-length"):
        cluster_accuracy(torch.tensor([1, 2]), torch.tensor([1]))


# ---- stroke measures ---------------------------------------------------------------------------

def _bar(thickness: int, shear: float = 0.0, length: int = 20) -> torch.Tensor:
    img = torch.zeros(1, 1, 28, 28)
    for r in range(4, 4 + length):
        c0 = round(12 + shear * (4 + length / 2 - r))  # shear > 0: the top is further right
        img[0, 0, r, c0:c0 + thickness] = 1.0
    return img


def test_stroke_measures_on_bars():
    upright, leaning, backward = _bar(2), _bar(2, shear=0.5), _bar(2, shear=-0.5)
    s = {name: stroke_measures(x) for name, x in [("up", upright), ("lean", leaning), ("back", backward)]}
    assert abs(float(s["up"]["slant"])) < 0.05
    assert float(s["lean"]["slant"]) == pytest.approx(0.5, abs=0.1)
    assert float(s["back"]["slant"]) == pytest.approx(-0.5, abs=0.1)
    thin, thick = stroke_measures(_bar(2))["thickness"], stroke_measures(_bar(5))["thickness"]
    assert float(thin) == pytest.approx(2 * 40 / 44)            # 2 A / P for a 2 x 20 bar
    assert float(thick) > 2 * float(thin)
    assert float(stroke_measures(_bar(6))["width"]) > float(stroke_measures(_bar(2))["width"])


def test_stroke_measures_rejects_wrong_range_and_shape():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        stroke_measures(torch.full((1, 1, 28, 28), -1.0))
    with pytest.raises(ValueError, match="shape"):
        stroke_measures(torch.zeros(28, 28))


# ---- training -----------------------------------------------------------------------------------

def _toy(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Ten easy 'classes': a bright square at one of ten positions, plus a little noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    x = torch.full((n, 1, 28, 28), -1.0)
    for i, k in enumerate(y.tolist()):
        r, c = 2 + 12 * (k // 5), 2 + 5 * (k % 5)
        x[i, 0, r:r + 10, c:c + 5] = 1.0
    return (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(-1, 1), y


def test_training_is_deterministic_and_finite():
    x, y = _toy()
    cfg = CodeGANConfig(kind="infogan", **TINY)
    a, b = train_code_gan(cfg, x, y, progress=False), train_code_gan(cfg, x, y, progress=False)
    assert all(torch.equal(a.history[k], b.history[k]) for k in a.history)
    assert all(bool(torch.isfinite(v).all()) for v in a.history.values())
    assert len(a.history["loss_d"]) == len(x) // cfg.batch_size == a.iters_per_epoch


def test_ema_generator_is_the_average_of_the_same_training():
    """ema_decay > 0 returns an average of G's weights over the steps; the training itself (D, the history,
    every draw) is the one without it. The average lies between the start and the last G: after the
    first step it is exactly decay * G_0 + (1 - decay) * G_1."""
    x, y = _toy()
    plain = train_code_gan(CodeGANConfig(kind="acgan", **TINY), x, y, progress=False)
    avg = train_code_gan(CodeGANConfig(kind="acgan", ema_decay=0.9, **TINY), x, y, progress=False)
    assert all(torch.equal(plain.history[k], avg.history[k]) for k in plain.history)
    assert all(torch.equal(a, b) for a, b in zip(plain.D.state_dict().values(), avg.D.state_dict().values()))
    w_last, w_avg = plain.G.state_dict(), avg.G.state_dict()
    assert any(not torch.equal(w_last[k], w_avg[k]) for k in w_last if k.endswith("weight"))
    for k in w_last:  # BatchNorm's running statistics are the live G's
        if "running" in k:
            assert torch.equal(w_last[k], w_avg[k]), k
    one = dict(TINY, epochs=1)
    first = train_code_gan(CodeGANConfig(kind="acgan", **one), x[:one["batch_size"]], y[:one["batch_size"]],
                           progress=False)   # one step
    first_avg = train_code_gan(CodeGANConfig(kind="acgan", ema_decay=0.9, **one), x[:one["batch_size"]],
                               y[:one["batch_size"]], progress=False)
    G0 = build_code_models(CodeGANConfig(kind="acgan", **one))[0]
    for (k, p0), p1, pa in zip(G0.named_parameters(), first.G.parameters(), first_avg.G.parameters()):
        assert torch.allclose(pa, 0.9 * p0 + 0.1 * p1, atol=1e-6), k


def test_ema_update_by_hand():
    from helpers.train import ema_update
    a, m = nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    with torch.no_grad():
        a.weight.fill_(1.0)
        m.weight.fill_(3.0)
        m.running_mean.fill_(7.0)
    ema_update(a, m, 0.75)
    assert torch.allclose(a.weight, torch.full((3,), 1.5))            # 0.75 * 1 + 0.25 * 3
    assert torch.equal(a.running_mean, m.running_mean)                 # buffers: copied


def test_information_term_makes_the_code_readable():
    """With lambda > 0 Q learns to read the categorical code from G's images (the loss falls far
    below log 10); the plain GAN has no such term (its code loss is 0)."""
    x, y = _toy(320)
    cfg = CodeGANConfig(kind="infogan", width=8, hidden=32, batch_size=16, epochs=10, lr_d=1e-3, lambda_cont=0.0)
    res = train_code_gan(cfg, x, y, progress=False)
    first, last = res.history["code_loss"][:5].mean(), res.history["code_loss"][-10:].mean()
    assert float(first) > 1.5 and float(last) < 0.5 * float(first), (first, last)
    # and Q, reading fresh images, recovers most codes (D's BatchNorm on batch statistics, as in
    # training: its running statistics mix real and fake batches)
    codes = sample_codes(200, cfg, generator=torch.Generator().manual_seed(5))
    res.D.train()
    with torch.no_grad():
        guess = res.D(generate_codes(res.G, codes, cfg.n_cat)).cat_logits.argmax(1)
    assert float((guess == codes.cat).float().mean()) > 0.8
    # code_readout measures the same thing (batch statistics), and leaves D's running statistics alone
    before = {k: v.clone() for k, v in res.D.state_dict().items()}
    read = code_readout(res.G, res.D, codes, cfg.n_cat)
    assert read["cat_accuracy"] > 0.8
    assert all(torch.equal(before[k], v) for k, v in res.D.state_dict().items())
    plain = train_code_gan(CodeGANConfig(kind="plain", **TINY), x, y, progress=False)
    assert float(plain.history["code_loss"].abs().max()) == 0.0
    assert code_readout(plain.G, plain.D, codes, cfg.n_cat)["cat_accuracy"] < 0.4   # Q untrained: ~chance


def test_acgan_uses_labels_and_checks_them():
    x, y = _toy()
    with pytest.raises(ValueError, match=r"labels in 0\.\.9"):
        train_code_gan(CodeGANConfig(kind="acgan", **TINY), x, y + 1, progress=False)
    with pytest.raises(ValueError, match="differ in length"):
        train_code_gan(CodeGANConfig(kind="acgan", **TINY), x, y[:-1], progress=False)
    with pytest.raises(ValueError, match="shape"):
        train_code_gan(CodeGANConfig(kind="acgan", **TINY), x[:, 0], y, progress=False)
    # the labels change the D step of ACGAN (and only of ACGAN)
    perm = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
    ac = [train_code_gan(CodeGANConfig(kind="acgan", **TINY), x, lab, progress=False) for lab in (y, perm)]
    assert not torch.equal(ac[0].history["loss_d"], ac[1].history["loss_d"])
    info = [train_code_gan(CodeGANConfig(kind="infogan", **TINY), x, lab, progress=False) for lab in (y, perm)]
    assert torch.equal(info[0].history["loss_d"], info[1].history["loss_d"])


def test_checkpoint_round_trip_and_stale_rebuild(tmp_path):
    x, y = _toy()
    cfg = CodeGANConfig(kind="acgan", **TINY)
    path = tmp_path / "acgan.pt"
    first = load_or_train_code_gan(cfg, x, y, path, progress=False)
    assert first.loaded_from is None and path.is_file()
    again = load_or_train_code_gan(cfg, x, y, path, progress=False)
    assert again.loaded_from == str(path)
    codes = sample_codes(8, cfg, generator=torch.Generator().manual_seed(2))
    assert torch.equal(generate_codes(first.G, codes, 10), generate_codes(again.G, codes, 10))
    assert load_checkpoint(path, kind="code_gan")["config"]["kind"] == "acgan"   # weights_only load
    other = CodeGANConfig(kind="acgan", **{**TINY, "width": 5})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rebuilt = load_or_train_code_gan(other, x, y, path, progress=False)
    assert rebuilt.loaded_from is None
    assert any(issubclass(w.category, CheckpointWarning) and "width: 4 -> 5" in str(w.message) for w in caught)


def test_code_grid_layout():
    cfg = CodeGANConfig(n_cont=2)
    values = torch.linspace(-2, 2, 5)
    g = code_grid(cfg, values, vary=1, seed=3)
    assert g.z.shape == (50, cfg.nz) and torch.equal(g.z, g.z[:1].expand(50, -1))
    assert g.cat.view(10, 5)[:, 0].tolist() == list(range(10))
    assert torch.equal(g.cont.view(10, 5, 2)[3, :, 1], values)
    assert float(g.cont[:, 0].abs().max()) == 0.0
    with pytest.raises(ValueError, match="vary=2"):
        code_grid(cfg, values, vary=2)
    assert np.isfinite(generate_codes(build_code_models(CodeGANConfig(**TINY))[0].eval(), g, 10).numpy()).all()


def test_codes_per_category_and_continuous_sweep():
    cfg = CodeGANConfig(nz=3, n_cont=2)
    c = codes_per_category(cfg, 4, seed=1)
    assert c.cat.tolist() == [k for k in range(10) for _ in range(4)]
    assert c.z.shape == (40, 3) and len(torch.unique(c.z[:, 0])) == 40   # fresh noise for each
    values = torch.tensor([-2.0, 0.0, 2.0])
    s = continuous_sweep(cfg, 1, values, 5, seed=2)
    assert s.cont.shape == (15, 2) and float(s.cont[:, 0].abs().max()) == 0.0
    assert s.cont[:, 1].tolist() == [-2.0] * 5 + [0.0] * 5 + [2.0] * 5
    # the same noise and category at every value: only the swept code changes
    assert torch.equal(s.z[:5], s.z[10:]) and torch.equal(s.cat[:5], s.cat[5:10])
    with pytest.raises(ValueError, match="n_per=0"):
        codes_per_category(cfg, 0)
    with pytest.raises(ValueError, match="vary=-1"):
        continuous_sweep(cfg, -1, values, 2)
