"""Unit tests of helpers.course: shared configs, the noise-label artifact, snapshot scoring and
selection, the BatchNorm modes and the explorer's callback."""
from __future__ import annotations

import warnings

import pytest
import torch

from helpers import course
from helpers.checkpoints import CheckpointWarning
from helpers.classifier import ClassifierConfig, PaperCNN
from helpers.data import Dataset, Images
from helpers.noise_map import label_noise
from helpers.train import GANConfig, GANResult, build_models, generate


def tiny_data(n: int = 40) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g)
    y = torch.arange(n) % 10
    return Dataset("mnist", Images(x, y, "synthetic test images"), Images(x[:10], y[:10], "synthetic"), "")


def boosted(cfg: GANConfig) -> torch.nn.Module:
    """An untrained G whose first layer is scaled up, so its activations are large against
    BatchNorm's eps = 1e-5, as in a trained G (N(0, 0.02) weights give variances near eps)."""
    G = build_models(cfg)[0]
    with torch.no_grad():
        G.net[0].weight.mul_(50)
    return G


def tiny_gan(nz: int = 2, n_snapshots: int = 3, seed: int = 0) -> GANResult:
    """An untrained GAN with ``n_snapshots`` differently-seeded generator snapshots."""
    cfg = GANConfig(arch="dcgan", nz=nz, width=4, epochs=1, snapshots_per_epoch=n_snapshots, seed=seed)
    G, D = boosted(cfg), build_models(cfg)[1]
    snaps = []
    for i in range(n_snapshots):
        Gi = boosted(GANConfig(arch="dcgan", nz=nz, width=4, seed=seed + 10 + i))
        snaps.append({"epoch": (i + 1) / n_snapshots, "state": Gi.state_dict()})
    hist = {k: torch.zeros(4) for k in ("loss_d", "loss_g", "d_real", "d_fake")}
    return GANResult(cfg, G.eval(), D.eval(), hist, snaps)


def test_shared_configs_follow_the_profile_and_the_data():
    data = tiny_data()
    for profile, epochs in course.GAN_EPOCHS.items():
        cfg = course.dcgan_config(profile, 3, data)
        assert (cfg.nz, cfg.epochs, cfg.seed, cfg.n_train) == (100, epochs, 3, len(data.train))
        assert cfg.data_source == "synthetic test images"
        cfg2 = course.noise2_config(profile, 3, data)
        assert cfg2.nz == 2 and cfg2.snapshots_per_epoch == course.NOISE2_SNAPSHOTS_PER_EPOCH[profile]
        assert course.classifier_config(profile, 3, data).epochs == course.CLASSIFIER_EPOCHS[profile]
    # the 2-dim generator differs from the 100-dim one only in nz, snapshots, G's learning rate, which is the
    # paper's there (and D's everywhere), and the networks: the authors' first layer (no hidden projection: the
    # scale invariance of notebook 04 rests on it) and DCGAN's two convolutions in D
    a, b = course.dcgan_config("teach", 0, data), course.noise2_config("teach", 0, data)
    diff = {k for k, v in vars(a).items() if vars(b)[k] != v}
    assert diff == {"nz", "snapshots_per_epoch", "lr_g", "g_hidden", "d_convs"}
    assert b.lr_g == b.lr_d == a.lr_d == course.PAPER_LR < a.lr_g == course.DCGAN_LR_G
    assert (a.g_hidden, a.d_convs) == (course.DCGAN_G_HIDDEN, course.DCGAN_D_CONVS) and (b.g_hidden, b.d_convs) == (0, 2)
    with pytest.raises(ValueError, match="PROFILE='fast'.*'smoke', 'teach', 'paper'"):
        course.dcgan_config("fast", 0, data)


def test_code_gans_share_everything_but_the_losses_and_average_g_per_profile():
    data = tiny_data()
    for profile in ("smoke", "teach", "paper"):
        cfgs = {k: course.code_gan_config(k, profile, 3, data) for k in ("plain", "infogan", "acgan")}
        assert {k: c.kind for k, c in cfgs.items()} == {"plain": "plain", "infogan": "infogan", "acgan": "acgan"}
        others = [{f: v for f, v in vars(c).items() if f != "kind"} for c in cfgs.values()]
        assert others[0] == others[1] == others[2]
        # G is averaged over a window (1 / (1 - decay) steps) that grows with the profile's training
        assert cfgs["acgan"].ema_decay == course.CODE_GAN_EMA[profile]
        assert cfgs["acgan"].epochs == course.CODE_GAN_EPOCHS[profile]
    decays = [course.CODE_GAN_EMA[p] for p in ("smoke", "teach", "paper")]
    assert 0 < decays[0] < decays[1] < decays[2] < 1


def test_noise_label_artifact_shape_dtype_labels_and_reload(tmp_path):
    gan, clf = tiny_gan(), PaperCNN().eval()
    clf_cfg = ClassifierConfig(epochs=1)
    path = tmp_path / "nl.pt"
    nl = course.load_noise_labels(path, gan, clf, clf_cfg, m=300, seed=5, bn_mode="per-sample")
    assert nl.loaded_from is None and path.is_file() and len(nl) == 300
    assert nl.z.shape == (300, 2) and nl.z.dtype == torch.float32
    assert nl.labels.shape == (300,) and nl.labels.dtype == torch.int64
    assert int(nl.labels.min()) >= 0 and int(nl.labels.max()) <= 9
    assert nl.confidence.shape == (300,) and bool(((nl.confidence >= 0.1) & (nl.confidence <= 1)).all())
    # the labels are the classifier's labels of G(z) in that mode
    lab, _ = label_noise(course.generator_in_mode(gan.G, "per-sample"), clf, nl.z)
    assert torch.equal(lab, nl.labels)
    again = course.load_noise_labels(path, gan, clf, clf_cfg, m=300, seed=5, bn_mode="per-sample")
    assert again.loaded_from == str(path) and torch.equal(again.z, nl.z) and torch.equal(again.labels, nl.labels)
    # same seed, same noise; another seed, other noise
    z_b = course.map_noise(gan.G, clf, nz=2, m=300, seed=6, bn_mode="eval")[0]
    assert not torch.equal(z_b, nl.z)


def test_noise_label_artifact_is_rebuilt_when_stale(tmp_path):
    gan, clf = tiny_gan(), PaperCNN().eval()
    path = tmp_path / "nl.pt"
    course.load_noise_labels(path, gan, clf, ClassifierConfig(epochs=1), m=50, seed=0, bn_mode="eval")
    with pytest.warns(CheckpointWarning, match="snapshot: -1 -> 1"):
        nl = course.load_noise_labels(path, gan, clf, ClassifierConfig(epochs=1), m=50, seed=0,
                                      bn_mode="eval", snapshot=1)
    assert nl.loaded_from is None and nl.config["snapshot"] == 1
    labels_snap1 = label_noise(gan.snapshot_generator(1), clf, nl.z)[0]
    assert torch.equal(nl.labels, labels_snap1)
    with pytest.warns(CheckpointWarning, match="classifier"):
        course.load_noise_labels(path, gan, clf, ClassifierConfig(epochs=2), m=50, seed=0,
                                 bn_mode="eval", snapshot=1)
    with pytest.raises(ValueError, match="bn_mode='train'.*'per-sample', 'eval'"):
        course.load_noise_labels(path, gan, clf, ClassifierConfig(epochs=1), m=50, seed=0, bn_mode="train")


def test_per_sample_mode_is_exactly_scale_invariant_and_eval_mode_is_not():
    gan = tiny_gan()
    z = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
    Gps = course.generator_in_mode(gan.G, "per-sample")
    assert torch.allclose(generate(Gps, z), generate(Gps, 3.0 * z), atol=1e-5)
    # with non-trivial running statistics, eval mode depends on the scale
    G = gan.G
    for mod in G.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.fill_(0.05)
    Gev = course.generator_in_mode(G, "eval")
    assert (generate(Gev, z) - generate(Gev, 3.0 * z)).abs().max() > 1e-3


def test_score_snapshots_shapes_and_input_check():
    gan, clf = tiny_gan(n_snapshots=3), PaperCNN().eval()
    sc = course.score_snapshots(gan, clf, m=200, seed=0)
    assert sc["epoch"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    for mode in course.BN_MODES:
        assert sc[f"purity_{mode}"].shape == (3,) and sc[f"coverage_{mode}"].shape == (3,)
        assert sc[f"shares_{mode}"].shape == (3, 10)
        assert torch.allclose(sc[f"shares_{mode}"].sum(1), torch.ones(3))
        assert bool(((sc[f"purity_{mode}"] > 0) & (sc[f"purity_{mode}"] <= 1)).all())
        assert bool(((sc[f"coverage_{mode}"] >= 1) & (sc[f"coverage_{mode}"] <= 10)).all())
    with pytest.raises(ValueError, match="nz=16"):
        course.score_snapshots(tiny_gan(nz=16), clf, m=10, seed=0)


def scores(epochs, coverage, purity, mode="per-sample"):
    return {"epoch": torch.tensor(epochs, dtype=torch.float32),
            f"coverage_{mode}": torch.tensor(coverage), f"purity_{mode}": torch.tensor(purity)}


def test_select_snapshot_prefers_coverage_then_purity_in_the_second_half():
    sc = scores([1, 2, 3, 4, 5, 6], [10, 8, 7, 9, 9, 8], [0.99, 0.9, 0.9, 0.91, 0.95, 0.97])
    # snapshot 0 has 10 digits but lies in the first half: not a candidate
    assert course.select_snapshot(sc) == 4
    assert course.select_snapshot(sc, after=0.0) == 0
    # ties in coverage and purity: the later snapshot
    assert course.select_snapshot(scores([1, 2, 3, 4], [9, 9, 9, 9], [0.9, 0.9, 0.9, 0.9])) == 3
    assert course.select_snapshot(scores([1, 2], [3, 4], [1.0, 0.5], "eval"), bn_mode="eval") == 1
    with pytest.raises(ValueError, match="no snapshots"):
        course.select_snapshot(scores([], [], []))


def test_snapshot_scores_artifact_reloads(tmp_path):
    gan, clf = tiny_gan(n_snapshots=2), PaperCNN().eval()
    path = tmp_path / "scores.pt"
    a = course.load_snapshot_scores(path, gan, clf, ClassifierConfig(epochs=1), m=100, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a matching artifact loads without a warning
        b = course.load_snapshot_scores(path, gan, clf, ClassifierConfig(epochs=1), m=100, seed=0)
    assert torch.equal(a["purity_eval"], b["purity_eval"]) and torch.equal(a["epoch"], b["epoch"])


def test_explore_noise_callback():
    gan, clf = tiny_gan(), PaperCNN().eval()
    img, label, conf = course.explore_noise(gan.G, clf, 30.0, 1.0, "per-sample")
    assert img.shape == (1, 28, 28) and float(img.min()) >= 0 and float(img.max()) <= 1
    assert isinstance(label, int) and 0 <= label <= 9 and 0.1 <= conf <= 1.0
    # only the direction matters per sample; the image is G at (cos 30, sin 30)
    img3, label3, _ = course.explore_noise(gan.G, clf, 30.0, 3.0, "per-sample")
    assert torch.allclose(img, img3, atol=1e-5) and label == label3
    z = torch.tensor([[torch.cos(torch.tensor(torch.pi / 6)), torch.sin(torch.tensor(torch.pi / 6))]])
    expected = (generate(course.generator_in_mode(gan.G, "per-sample"), z)[0] + 1) / 2
    assert torch.allclose(img, expected, atol=1e-5)
    # a different angle gives a different image
    other, _, _ = course.explore_noise(gan.G, clf, 150.0, 1.0, "per-sample")
    assert not torch.allclose(img, other, atol=1e-4)
    with pytest.raises(ValueError, match="radius"):
        course.explore_noise(gan.G, clf, 0.0, 0.0)
    with pytest.raises(ValueError, match="bn_mode"):
        course.explore_noise(gan.G, clf, 0.0, 1.0, "batch")


def test_load_noise2_map_builds_every_part_then_loads_it(tmp_path, monkeypatch):
    from helpers.run import start_run

    monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(tmp_path))
    run = start_run("test", profile="smoke", seed=0, dataset="mnist")
    data = tiny_data(320)                      # 10 iterations per epoch: room for 10 snapshots
    clf, clf_cfg = PaperCNN().eval(), ClassifierConfig(epochs=1)
    first = course.load_noise2_map(run, data, clf, clf_cfg, m=100, m_select=50, progress=False)
    assert first.gan.loaded_from is None and first.labels.loaded_from is None
    assert len(first.gan.snapshots) == course.GAN_EPOCHS["smoke"] * course.NOISE2_SNAPSHOTS_PER_EPOCH["smoke"]
    assert first.chosen == course.select_snapshot(first.scores)
    assert first.labels.config["snapshot"] == first.chosen and len(first.labels) == 100
    G = first.generator()
    for k, v in G.state_dict().items():
        assert torch.equal(v, first.gan.snapshots[first.chosen]["state"][k]), k
    again = course.load_noise2_map(run, data, clf, clf_cfg, m=100, m_select=50, progress=False)
    assert again.gan.loaded_from is not None and again.labels.loaded_from is not None
    assert again.chosen == first.chosen and torch.equal(again.labels.labels, first.labels.labels)
