"""Unit tests of helpers.train: config validation, noise, the training loop on a tiny
structured data set, determinism, checkpointed training and the moving average."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import torch
from torch import nn

import helpers.train as train_mod
from helpers.checkpoints import CheckpointWarning
from helpers.models import DCGANGenerator, MLPGenerator
from helpers.train import (GANConfig, all_finite, build_models, generate, load_or_train_gan, sample_noise,
                           smooth, train_gan)

CPU = torch.device("cpu")
N_IMAGES, BATCH = 256, 32
ITERS = N_IMAGES // BATCH


def square_images(n: int = N_IMAGES, seed: int = 0, size: int = 8) -> torch.Tensor:
    """Black (-1) images with one bright (+1) ``size`` x ``size`` square at a random place."""
    rng = np.random.default_rng(seed)
    x = -np.ones((n, 1, 28, 28), np.float32)
    for i in range(n):
        r, c = rng.integers(0, 28 - size + 1, size=2)
        x[i, 0, r:r + size, c:c + size] = 1.0
    return torch.from_numpy(x)


def tiny_config(**kw) -> GANConfig:
    base = dict(arch="dcgan", nz=8, width=8, epochs=2, batch_size=BATCH, snapshots_per_epoch=2,
                seed=0, n_train=N_IMAGES, data_source="squares")
    base.update(kw)
    return GANConfig(**base)


def assert_state_dicts_equal(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        assert torch.equal(a[k].cpu(), b[k].cpu()), k


@pytest.fixture(autouse=True)
def isolated_roots(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GAN_COURSE_FIGURES", str(tmp_path / "figs"))
    monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(tmp_path / "arts"))


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return square_images()


@pytest.fixture(scope="module")
def trained(images):
    return train_gan(tiny_config(), images, progress=False, device=CPU)


# ----------------------------------------------------------------------------- GANConfig


def test_gan_config_defaults_are_valid_and_plain():
    cfg = GANConfig()
    d = asdict(cfg)
    assert d["arch"] == "dcgan" and d["nz"] == 100
    assert all(isinstance(v, (str, int, float)) for v in d.values())


@pytest.mark.parametrize("kwargs, must_contain", [
    ({"nz": 0}, ["nz", "noise size", "=0", ">= 1"]),
    ({"nz": -4}, ["nz", "noise size", "=-4", ">= 1"]),
    ({"epochs": -1}, ["epochs", "=-1", ">= 0"]),
    ({"seed": -1}, ["seed", "=-1", ">= 0"]),
    ({"batch_size": 0}, ["batch_size", ">= 1"]),
    ({"width": 0}, ["width", ">= 1"]),
    ({"snapshots_per_epoch": -2}, ["snapshots_per_epoch", ">= 0"]),
    ({"samples_per_epoch": 0}, ["samples_per_epoch", ">= 1"]),
    ({"lr_g": 0.0}, ["lr_g", "> 0.0"]),
    ({"lr_d": -1e-3}, ["lr_d", "> 0.0"]),
    ({"beta1": -0.5}, ["beta1", ">= 0.0"]),
    ({"beta1": 1.0}, ["beta1", "=1.0", "< 1.0"]),
    ({"arch": "gan"}, ["arch", "'gan'", "'mlp'", "'dcgan'"]),
    ({"noise": "gauss"}, ["noise", "'gauss'", "'normal'", "'uniform'"]),
    ({"optimizer": "rmsprop"}, ["optimizer", "'adam'", "'sgd'"]),
    ({"d_head": "bad"}, ["d_head", "'bad'", "'conv'", "'fc'"]),
    ({"g_hidden": -1}, ["g_hidden", ">= 0"]),
    ({"d_convs": 4}, ["d_convs", "<= 3"]),
    ({"d_convs": 1}, ["d_convs", ">= 2"]),
    ({"nz": 2.5}, ["nz", "integer"]),
    ({"g_extra_weight": -1.0}, ["g_extra_weight", ">= 0.0"]),
    ({"g_extra_weight": 0.5}, ["g_extra_weight", "needs g_extra"]),
])
def test_gan_config_rejects_bad_values(kwargs, must_contain):
    with pytest.raises(ValueError) as ei:
        GANConfig(**kwargs)
    for part in must_contain:
        assert part in str(ei.value), (part, str(ei.value))


def test_gan_config_zero_epochs_allowed(images):
    res = train_gan(tiny_config(epochs=0), images, progress=False, device=CPU)
    assert all(len(v) == 0 for v in res.history.values())
    assert res.fixed_samples.shape == (1, 64, 1, 28, 28)
    assert res.snapshots == []


# ----------------------------------------------------------------------------- sample_noise


def test_sample_noise_normal_statistics():
    z = sample_noise(20_000, 10, "normal", generator=torch.Generator().manual_seed(0))
    assert z.shape == (20_000, 10) and z.dtype == torch.float32
    assert abs(float(z.mean())) < 0.01
    assert float(z.std()) == pytest.approx(1.0, abs=0.01)
    assert float(z.abs().max()) > 3  # unbounded, unlike the uniform noise


def test_sample_noise_uniform_statistics():
    z = sample_noise(20_000, 10, "uniform", generator=torch.Generator().manual_seed(0))
    assert z.shape == (20_000, 10)
    assert float(z.min()) >= -1 and float(z.max()) <= 1
    assert float(z.min()) < -0.99 and float(z.max()) > 0.99
    assert float(z.var()) == pytest.approx(1 / 3, abs=0.01)  # variance of U(-1, 1)


def test_sample_noise_reproducible_with_generator_and_empty():
    a = sample_noise(5, 3, generator=torch.Generator().manual_seed(1))
    b = sample_noise(5, 3, generator=torch.Generator().manual_seed(1))
    c = sample_noise(5, 3, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert sample_noise(0, 3).shape == (0, 3)


@pytest.mark.parametrize("nz", [0, -1, -100])
def test_sample_noise_rejects_noise_size(nz):
    with pytest.raises(ValueError) as ei:
        sample_noise(4, nz)
    msg = str(ei.value)
    assert "nz" in msg and "noise size" in msg and f"={nz}" in msg and ">= 1" in msg


def test_sample_noise_rejects_kind_and_negative_n():
    with pytest.raises(ValueError) as ei:
        sample_noise(4, 2, "gauss")
    assert "noise" in str(ei.value) and "'normal'" in str(ei.value) and "'uniform'" in str(ei.value)
    with pytest.raises(ValueError) as ei:
        sample_noise(-1, 2)
    assert "n=-1" in str(ei.value) and ">= 0" in str(ei.value)


# ----------------------------------------------------------------------------- build / generate


def test_build_models_arch_and_seed():
    G, D = build_models(tiny_config())
    assert isinstance(G, DCGANGenerator) and G.nz == 8
    G2, _ = build_models(tiny_config())
    G3, _ = build_models(tiny_config(seed=1))
    assert_state_dicts_equal(G.state_dict(), G2.state_dict())
    assert not torch.equal(G.net[0].weight, G3.net[0].weight)
    Gh, Dh = build_models(tiny_config(g_hidden=16, d_convs=3))   # the course DCGAN's projection and third conv
    assert Gh.hidden == 16 and isinstance(Gh.net[0], nn.Linear) and Dh.convs == 3
    assert Gh(torch.randn(3, 8)).shape == (3, 1, 28, 28) and Dh(torch.zeros(3, 1, 28, 28)).shape == (3,)
    Gm, Dm = build_models(tiny_config(arch="mlp", width=16))
    assert isinstance(Gm, MLPGenerator)
    assert Dm(torch.zeros(2, 1, 28, 28)).shape == (2,)


def test_generate_batches_eval_mode_and_restores_training_flag():
    G, _ = build_models(tiny_config())
    z = torch.randn(23, 8, generator=torch.Generator().manual_seed(0))
    G.train()
    one = generate(G, z)
    assert G.training  # restored
    chunked = generate(G, z, batch_size=7)
    assert one.shape == (23, 1, 28, 28) and one.device.type == "cpu"
    torch.testing.assert_close(one, chunked, atol=1e-6, rtol=0)
    # eval mode: a sample does not depend on the rest of its batch
    torch.testing.assert_close(generate(G, z[:1]), one[:1], atol=1e-6, rtol=0)
    G.eval()
    generate(G, z[:2])
    assert not G.training


# ----------------------------------------------------------------------------- train_gan


def test_history_lengths_finite_and_probabilities(trained):
    cfg = trained.config
    assert set(trained.history) == {"loss_d", "loss_g", "d_real", "d_fake"}
    for v in trained.history.values():
        assert v.shape == (cfg.epochs * ITERS,)
    assert all_finite(trained.history)
    for k in ("d_real", "d_fake"):
        v = trained.history[k]
        assert float(v.min()) >= 0 and float(v.max()) <= 1
    assert float(trained.history["loss_d"].min()) > 0 and float(trained.history["loss_g"].min()) > 0
    assert trained.iters_per_epoch == ITERS


def test_loss_d_is_consistent_with_recorded_probabilities(trained):
    # By Jensen (-log is convex): mean(-log D(x)) >= -log mean D(x), and likewise for the
    # fakes, so loss_d >= -log d_real - log(1 - d_fake) at every step.
    h = trained.history
    bound = -torch.log(h["d_real"].double()) - torch.log1p(-h["d_fake"].double())
    assert torch.all(h["loss_d"].double() >= bound - 1e-4)


def test_snapshots_count_and_epoch_stamps(trained):
    cfg = trained.config
    snaps = trained.snapshots
    assert len(snaps) == cfg.epochs * cfg.snapshots_per_epoch
    stamps = [s["epoch"] for s in snaps]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    assert stamps == pytest.approx([0.5, 1.0, 1.5, 2.0])
    # the last snapshot is taken at the very end: it is the final generator
    assert_state_dicts_equal(snaps[-1]["state"], trained.G.state_dict())
    assert not torch.equal(snaps[0]["state"]["net.0.weight"], snaps[-1]["state"]["net.0.weight"])
    G0 = trained.snapshot_generator(0)
    assert not G0.training
    assert_state_dicts_equal(G0.state_dict(), snaps[0]["state"])


def test_fixed_samples(trained):
    cfg = trained.config
    assert trained.fixed_noise.shape == (64, cfg.nz)
    assert trained.fixed_samples.shape == (cfg.epochs + 1, 64, 1, 28, 28)
    assert float(trained.fixed_samples.abs().max()) <= 1
    # row 0: the untrained generator; last row: the final generator, both in eval mode
    G_init, _ = build_models(cfg)
    torch.testing.assert_close(trained.fixed_samples[0], generate(G_init, trained.fixed_noise),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(trained.fixed_samples[-1], generate(trained.G, trained.fixed_noise),
                               atol=1e-5, rtol=0)
    assert not torch.allclose(trained.fixed_samples[0], trained.fixed_samples[-1])


def test_samples_per_epoch(trained, images):
    # the default, one frame per epoch, stamped at whole epochs
    assert trained.config.samples_per_epoch == 1
    assert trained.sample_epochs == pytest.approx([0.0, 1.0, 2.0])
    # four frames per epoch, evenly: the frames at whole epochs are those of one per epoch, and
    # the frames in between change nothing about the training
    res = train_gan(tiny_config(samples_per_epoch=4), images, progress=False, device=CPU)
    assert res.fixed_samples.shape == (1 + 2 * 4, 64, 1, 28, 28)
    assert res.sample_epochs == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0])
    torch.testing.assert_close(res.fixed_samples[::4], trained.fixed_samples, atol=0, rtol=0)
    assert_state_dicts_equal(res.G.state_dict(), trained.G.state_dict())
    assert not torch.allclose(res.fixed_samples[1], res.fixed_samples[2])
    # uneven: 3 iterations, 2 frames -> after iterations 2 and 3 (round(1.5) = 2)
    uneven = train_gan(tiny_config(epochs=1, samples_per_epoch=2), images[:100], progress=False, device=CPU)
    assert uneven.sample_epochs == pytest.approx([0.0, 2 / 3, 1.0]) and len(uneven.fixed_samples) == 3
    with pytest.raises(ValueError, match=rf"samples_per_epoch={ITERS + 1}.*<= {ITERS}"):
        train_gan(tiny_config(samples_per_epoch=ITERS + 1, epochs=1), images, progress=False, device=CPU)


def test_sample_epochs_survive_the_checkpoint(images, tmp_path):
    cfg = tiny_config(epochs=1, samples_per_epoch=2)
    first = load_or_train_gan(cfg, images, tmp_path / "g.pt", progress=False)
    second = load_or_train_gan(cfg, images, tmp_path / "g.pt", progress=False)
    assert second.loaded_from and second.sample_epochs == first.sample_epochs == pytest.approx([0.0, 0.5, 1.0])
    assert len(second.fixed_samples) == 3


def test_training_changes_weights_and_models_come_back_on_cpu_in_eval(trained):
    G_init, D_init = build_models(trained.config)
    assert not torch.equal(G_init.net[0].weight, trained.G.net[0].weight)
    for m in (trained.G, trained.D):
        assert not m.training
        assert all(p.device.type == "cpu" for p in m.parameters())


def test_same_seed_same_run_other_seed_differs(trained, images):
    again = train_gan(tiny_config(), images, progress=False, device=CPU)
    for k in trained.history:
        assert torch.equal(trained.history[k], again.history[k]), k
    assert_state_dicts_equal(trained.G.state_dict(), again.G.state_dict())
    assert_state_dicts_equal(trained.D.state_dict(), again.D.state_dict())
    assert torch.equal(trained.fixed_noise, again.fixed_noise)
    other = train_gan(tiny_config(seed=1), images, progress=False, device=CPU)
    assert not torch.equal(trained.history["loss_d"], other.history["loss_d"])
    assert not torch.equal(trained.G.net[0].weight, other.G.net[0].weight)


def test_extra_generator_loss_is_used_and_required(images):
    cfg = tiny_config(epochs=1, g_extra_weight=5.0, g_extra="mean brightness")
    calls = []

    def brightness(fake):
        calls.append(fake.shape)
        return fake.mean()          # minimising it darkens the images

    res = train_gan(cfg, images, progress=False, device=CPU, g_extra=brightness)
    assert len(calls) == ITERS and calls[0] == (BATCH, 1, 28, 28)
    plain = train_gan(tiny_config(epochs=1), images, progress=False, device=CPU)
    z = torch.randn(256, cfg.nz, generator=torch.Generator().manual_seed(0))
    assert float(generate(res.G, z).mean()) < float(generate(plain.G, z).mean())
    with pytest.raises(ValueError, match="no g_extra function"):
        train_gan(cfg, images, progress=False, device=CPU)


def test_mlp_uniform_sgd_with_uneven_snapshots(images):
    cfg = tiny_config(arch="mlp", width=16, epochs=1, noise="uniform", optimizer="sgd",
                      snapshots_per_epoch=3)
    res = train_gan(cfg, images[:100], progress=False, device=CPU)  # 100 // 32 = 3 iterations
    iters = 100 // BATCH
    assert all(len(v) == iters for v in res.history.values())
    assert all_finite(res.history)
    assert len(res.snapshots) == 3
    for k, s in enumerate(res.snapshots):  # each within half an iteration of k+1 thirds
        assert abs(s["epoch"] - (k + 1) / 3) <= 0.5 / iters + 1e-9
    assert float(res.fixed_noise.abs().max()) <= 1
    assert res.fixed_samples.shape == (2, 64, 1, 28, 28)


def test_batch_larger_than_dataset(images):
    with pytest.raises(ValueError) as ei:
        train_gan(tiny_config(batch_size=64), images[:50], progress=False, device=CPU)
    msg = str(ei.value)
    assert "batch_size=64" in msg and "50" in msg


@pytest.mark.parametrize("shape", [(64, 28, 28), (64, 3, 28, 28), (64, 1, 32, 32), (64, 784)])
def test_wrong_image_shape(shape):
    with pytest.raises(ValueError) as ei:
        train_gan(tiny_config(), torch.zeros(shape), progress=False, device=CPU)
    assert "(N, 1, 28, 28)" in str(ei.value) and str(tuple(shape)) in str(ei.value)


# ----------------------------------------------------------------------------- load_or_train_gan


def test_load_or_train_gan_first_call_trains_and_saves(tmp_path, images):
    cfg = tiny_config(epochs=1)
    path = tmp_path / "arts" / "gan.pt"
    res = load_or_train_gan(cfg, images, path, progress=False)
    assert res.loaded_from is None
    assert path.is_file()
    assert len(res.history["loss_d"]) == ITERS
    assert [p.name for p in path.parent.iterdir()] == ["gan.pt"]


def test_load_or_train_gan_saves_then_loads_without_retraining(tmp_path, images, monkeypatch):
    cfg = tiny_config(epochs=1)
    path = tmp_path / "arts" / "gan.pt"
    first = load_or_train_gan(cfg, images, path, progress=False)
    payload = torch.load(path, weights_only=True)  # a plain, safe checkpoint
    assert payload["kind"] == "gan" and payload["config"] == asdict(cfg)

    def no_training(*args, **kwargs):
        raise AssertionError("train_gan must not run when a matching checkpoint exists")

    monkeypatch.setattr(train_mod, "train_gan", no_training)
    second = load_or_train_gan(cfg, images, path, progress=False)
    assert second.loaded_from == str(path)
    assert second.config == cfg
    assert_state_dicts_equal(first.G.state_dict(), second.G.state_dict())
    assert_state_dicts_equal(first.D.state_dict(), second.D.state_dict())
    for k in first.history:
        assert torch.equal(first.history[k], second.history[k])
    assert [s["epoch"] for s in first.snapshots] == [s["epoch"] for s in second.snapshots]
    assert_state_dicts_equal(first.snapshots[-1]["state"], second.snapshots[-1]["state"])
    assert torch.equal(first.fixed_noise, second.fixed_noise)
    assert second.fixed_samples.dtype == torch.float32
    torch.testing.assert_close(first.fixed_samples, second.fixed_samples, atol=1e-3, rtol=0)  # float16
    assert not second.G.training
    z = torch.randn(4, cfg.nz)
    torch.testing.assert_close(generate(first.G, z), generate(second.G, z))


def test_load_or_train_gan_retrains_on_changed_config(tmp_path, images):
    path = tmp_path / "gan.pt"
    load_or_train_gan(tiny_config(epochs=1), images, path, progress=False)
    cfg2 = tiny_config(epochs=1, lr_g=1e-3)
    with pytest.warns(CheckpointWarning) as rec:
        res = load_or_train_gan(cfg2, images, path, progress=False)
    assert any("lr_g" in str(w.message) for w in rec)
    assert res.loaded_from is None and res.config == cfg2
    assert torch.load(path, weights_only=True)["config"]["lr_g"] == 1e-3


# ----------------------------------------------------------------------------- smooth / all_finite


def _smooth_by_hand(v: np.ndarray, window: int) -> np.ndarray:
    sums = np.convolve(v, np.ones(window))[: len(v)]  # trailing sums over the last `window` points
    counts = np.minimum(np.arange(1, len(v) + 1), window)
    return sums / counts


@pytest.mark.parametrize("window", [2, 7, 25, 100])
def test_smooth_matches_numpy_convolution(window):
    v = np.random.default_rng(window).normal(size=60)
    got = smooth(torch.tensor(v), window).numpy()
    assert got.shape == (60,)
    np.testing.assert_allclose(got, _smooth_by_hand(v, window), rtol=1e-5, atol=1e-5)


def test_smooth_small_cases_by_hand():
    assert smooth(torch.tensor([1.0, 3.0, 5.0, 7.0]), 2).tolist() == [1.0, 2.0, 4.0, 6.0]
    assert smooth([2.0, 4.0, 6.0], 10).tolist() == [2.0, 3.0, 4.0]  # running mean
    assert smooth([1.0, 5.0], 1).tolist() == [1.0, 5.0]
    assert smooth(torch.tensor([]), 5).numel() == 0


def test_all_finite():
    assert all_finite({"a": torch.tensor([1.0, 2.0]), "b": [0.5]})
    assert not all_finite({"a": torch.tensor([1.0, float("nan")])})
    assert not all_finite({"a": torch.tensor([1.0]), "b": torch.tensor([float("inf")])})


def test_more_snapshots_than_iterations_is_an_error(images):
    # an epoch of N_IMAGES // BATCH iterations cannot hold more snapshots than that
    cfg = tiny_config(snapshots_per_epoch=ITERS + 1, epochs=1)
    with pytest.raises(ValueError, match=rf"snapshots_per_epoch={ITERS + 1}.*<= {ITERS}"):
        train_gan(cfg, images, progress=False, device=CPU)
