"""Every notebook executed by papermill in the smoke profile, with its recorded metrics asserted.

The assertions compare a trained model against references measured in the same run
(the untrained generator, uniform noise, real images), so a GAN that learned nothing fails.
"""
from __future__ import annotations

import json
import math
import re
import os
from pathlib import Path

import nbformat
import papermill as pm
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TIMEOUT = 600


def execute(nb: Path, out_dir: Path, **params) -> dict:
    """Run ``nb`` in the smoke profile; return its metrics.json."""
    params = {"PROFILE": "smoke", "SHOW_PROGRESS": False, **params}
    pm.execute_notebook(str(nb), str(out_dir / nb.name), parameters=params, kernel_name="python3",
                        cwd=str(nb.parent), execution_timeout=TIMEOUT, progress_bar=False)
    dataset = params.get("DATASET", "mnist")
    variant = "smoke" if dataset == "mnist" else f"smoke-{dataset}"
    metrics = Path(os.environ["GAN_COURSE_FIGURES"]) / variant / nb.stem / "metrics.json"
    return json.loads(metrics.read_text())


def sure_share_means_something(report: dict) -> bool:
    """A set's sure share says something only if its labels spread over more than one class: the
    Fashion-MNIST evaluator is sure that an untrained generator's grey blobs are bags (sure share
    0.84 on smoke seed 0), so there a single confident class is no sign of learning."""
    return report["classes_covered"] > 1


def check_evaluator_learned(ev: dict, name: str) -> None:
    """The independent evaluator's numbers (``metrics["evaluator"]``) say the generator ``name`` learned:
    closer to the real test images than the untrained generator (FD at least 10% lower; the smoke
    budgets reach about 0.75-0.85 of it on seeds 0 and 1, teach far less) and than uniform noise,
    more sure samples and more of the real images covered than before training, and the floor (real
    training images) far better still. Precision is not asserted: noise, whose evaluator features are
    all zero, scores about 1. Nor is the sure share where the untrained generator's images all fall
    in one class (:func:`sure_share_means_something`)."""
    fl, g, un, noise = ev["floor"], ev[name], ev["untrained"], ev["noise"] if "noise" in ev else ev["untrained"]
    assert g["fd"] < 0.9 * un["fd"] and g["fd"] < noise["fd"], (name, ev)
    assert fl["fd"] < 0.5 * g["fd"], (name, ev)
    assert g["coverage"] > un["coverage"], (name, ev)
    if sure_share_means_something(un):
        assert g["sure_share"] > un["sure_share"], (name, ev)
    assert g["classes_covered"] > un["classes_covered"] and un["classes_covered"] <= 2, (name, ev)
    # the floor is what real images get: every class, mostly sure
    assert fl["classes_covered"] == fl["n_classes"] and fl["sure_share"] > 0.7, ev["floor"]


def check_01(m: dict) -> None:
    assert m["losses_finite"] is True
    ev = m["evaluator"]
    check_evaluator_learned(ev, "mlp_gan")
    assert ev["mlp_gan"]["classes_covered"] >= 4, ev["mlp_gan"]
    # uniform noise is no digit for the evaluator
    assert ev["noise"]["sure_share"] < 0.05 and ev["noise"]["classes_covered"] <= 2, ev["noise"]
    assert set(m["gan_beats_pca_uniform"]) == {"fd", "sure_share"}
    # the classifier-free references are ordered as they must be: real < models < noise
    assert m["fd_real"] < min(m["fd_gan"], m["fd_pca_uniform"]), m
    assert m["nn_real"] < m["nn_pca_uniform"] < m["nn_noise"], m
    assert m["fd_pca_uniform"] < m["fd_noise"], m
    # D is neither fooled completely nor perfect
    assert 0.05 < m["final_d_fake"] < m["final_d_real"] < 0.999, m
    assert 0.5 < m["explained_variance_100"] < 1.0


def check_02(m: dict) -> None:
    assert m["losses_finite"] is True
    ev = m["evaluator"]
    # the course's DCGAN (conv head, the one notebooks 03-07 load) learned, by the evaluator
    check_evaluator_learned(ev, "conv")
    # the fc head: measured beside it (in smoke on seed 1 it learns nothing: D wins, D(G(z)) 0.02)
    assert ev["fc"]["fd"] < ev["noise"]["fd"] and ev["floor"]["fd"] < ev["fc"]["fd"], ev
    assert ev["conv"]["n_fake"] == ev["fc"]["n_fake"] == ev["floor"]["n_fake"], ev
    assert isinstance(m["conv_vs_fc_verdict"], str) and "head" in m["conv_vs_fc_verdict"]
    for head in ("conv", "fc"):
        assert 0.0 < m[f"{head}_d_fake"] < m[f"{head}_d_real"] < 1.0, (head, m)
    # the classifier-free distances (the lesson): the references are ordered
    assert m["conv_pca_frechet"] < 0.5 * m["untrained_pca_frechet"], m
    assert m["real_pca_frechet"] < m["conv_pca_frechet"] < m["noise_pca_frechet"], m
    # slerp keeps the norm near sqrt(100); lerp's midpoint falls inside the sphere
    assert m["midpoint_norm_lerp"] < 0.85 * m["midpoint_norm_slerp"], m
    assert 8.0 < m["midpoint_norm_slerp"] < 12.0, m
    # the walk is gradual: no single step of the ten carries half of a walk's change (a jump would)
    assert 0 < m["interp_step_rms"] < 0.5 * m["interp_ends_rms"], m
    assert 0 < m["interp_max_step_share"] < 0.5, m


#: notebooks 03-05: a trained generator's FD in the evaluator's features is below this share of the untrained one's
#: (smoke, seeds 0 and 1: 0.76-0.84 for the 100-dim DCGAN, the 2-dim one and the criterion-trained one)
FD_SHARE = 0.9
def check_03(m: dict) -> None:
    # the classifier learned (chance is 10%), and the wrong input range hurts it
    assert m["classifier_test_acc"] > 0.7, m
    assert m["range_acc_wrong"] < m["range_acc_right"] - 0.1, m
    # classifier-based score (the paper's CNN, a lesson): a trained DCGAN's images spread over more classes than
    # an untrained generator's (whose near-identical blobs get one label, sometimes confidently), and real
    # images are classified more confidently than generated ones
    assert m["score_untrained_classes_over_2pct"] <= 2, m
    assert m["score_dcgan_classes_over_2pct"] > m["score_untrained_classes_over_2pct"], m
    assert m["score_dcgan_mean_confidence"] < m["score_real_mean_confidence"], m
    # the evaluator judges: the 100-dim DCGAN and the 2-dim generator at the snapshot the maps are made from are
    # far closer to real images than the untrained generator, and cover more classes; the floor is closer still
    ev = m["evaluator"]
    for name in ("dcgan", "nz2"):
        assert ev["floor"]["fd"] < ev[name]["fd"] < FD_SHARE * ev["untrained"]["fd"], (name, ev)
        assert ev[name]["classes_covered"] > ev["untrained"]["classes_covered"], (name, ev)
    # every noise map's images hold more than one class by the evaluator's labels too (the untrained generator's
    # hold one), and the two classifiers give the same label more often than chance (two labellers that ignore
    # the image, each with its own label shares) by more than three standard errors of the agreement
    # (MNIST smoke: 31-74% agreement, the 2-dim map lowest, 0.314 on seed 4; Fashion-MNIST's classes are closer
    # and its smoke classifier weaker, 75-77%: on seed 3 the 2-dim map agreed on 14% against 6% by chance, the
    # paper's CNN calling coats what the evaluator calls shirts); on MNIST, also on at least 30% (thin on seed 4)
    for nz in (2, 16, 100):
        assert m[f"nz{nz}_classes_over_2pct"] >= 3, (nz, m)
        assert m[f"nz{nz}_eval_classes_over_2pct"] >= 2, (nz, m)
        chance, n = m[f"nz{nz}_chance_agreement"], m[f"nz{nz}_map_points"]
        assert m[f"nz{nz}_label_agreement"] > chance + 3 * math.sqrt(chance * (1 - chance) / n), (nz, m)
        if m["dataset"] == "mnist":
            assert m[f"nz{nz}_label_agreement"] > 0.3, (nz, m)
    # Fig. 2: one changed element moves the image much less than a new noise vector does
    assert m["fig2_unrelated_rms"] > 0.1, m
    assert m["fig2_zeroed_rms"] < 0.5 * m["fig2_unrelated_rms"], m
    assert m["fig2_halved_rms"] < 0.5 * m["fig2_unrelated_rms"], m
    assert m["fig2_zeroed_same_label"] > m["fig2_unrelated_same_label"], m
    # ... over many base vectors, beside a random change of the same length (the control) and an unrelated vector
    assert m["fig2_n_bases"] >= 10, m
    for kind in ("zeroed", "halved", "random_zeroed", "random_halved"):
        assert m[f"fig2_many_{kind}_rms"] < 0.5 * m["fig2_many_unrelated_rms"], (kind, m)
        assert m[f"fig2_many_{kind}_same_label"] > m["fig2_many_unrelated_same_label"], (kind, m)
    assert m["fig2_many_halved_rms"] < m["fig2_many_zeroed_rms"], m           # half the change, a smaller move
    # the authors' range bug on the 2-dim map: the lost digits are ones the right range shows
    assert set(m["range_nz2_lost"]) <= set(range(10)) and m["range_nz2_lost_of_authors"] <= len(m["range_nz2_lost"]), m
    assert 1 <= m["nz2_last_eval_classes_over_2pct"] <= 10, m


def check_04(m: dict) -> None:
    # sectors: the direction decides the label, and more than a couple of classes are present
    assert m["purity_final"] >= 0.85 and m["coverage_final"] >= 3, m
    # ... and by the evaluator's labels of the same images: an untrained generator gives (nearly) one class
    # everywhere, the last snapshot more; the snapshot the map's classifier selected is not worse than untrained
    # (smoke, seed 1: the map's classifier sees 6 classes there, the evaluator 2; at the last snapshot it sees 7)
    assert m["evaluator_purity_selected"] >= 0.8, m
    assert m["evaluator_coverage_untrained"] <= 2, m
    # (Fashion-MNIST, smoke seed 0: 2 classes at the last snapshot against the untrained 1 on the CPU of
    # 2026-12-03 afternoon, 3 or more on earlier ones; the selected snapshot covered 3 there)
    more = 1 if m["dataset"] == "fashion-mnist" else 2
    assert m["evaluator_coverage_last"] >= m["evaluator_coverage_untrained"] + more, m
    assert m["evaluator_coverage_selected"] >= m["evaluator_coverage_untrained"], m
    assert m["knn_nz2_tsne"] > m["knn_nz2_chance"] + 0.2, m
    assert m["knn_nz2_raw"] > m["knn_nz2_chance"] + 0.2, m
    # scale invariance: exact per sample, not in eval mode
    assert m["scale_per_sample_a2.0_label_agreement"] > 0.99, m
    assert m["scale_per_sample_a2.0_pixel_diff"] < 0.01, m
    assert m["scale_eval_a2.0_pixel_diff"] > 5 * m["scale_per_sample_a2.0_pixel_diff"], m
    assert m["circle_radius_agreement_per_sample"] == 1.0, m
    # per-sample BatchNorm narrows the spread of ink per image (why thin digits go missing)
    assert m["ink_std_per_sample"] < m["ink_std_eval"], m
    assert len(m["purity_per_snapshot"]["per-sample"]) == len(m["snapshot_epochs"]) > 1
    # the corollary: per sample, G(2z) = G(z) for every generator, trained, untrained or with a shuffled first
    # layer, and the length of z carries nothing. The direction then carries whatever labels G draws, trained or
    # not: the untrained generator of seed 1 draws two classes (U = 0.86 in smoke and teach), seed 0's one (U = 0).
    # What the architecture does not give, training does: more classes than the untrained generator draws
    dc = m["direction_carries"]
    for name, c in dc["per-sample"].items():
        assert c["scale_diff"] < 0.01 and c["radius"] < 0.1, (name, dc)
    assert dc["per-sample"]["last"]["coverage"] > dc["per-sample"]["untrained"]["coverage"], dc
    assert dc["per-sample"]["last"]["angle"] > 0.5, dc
    assert dc["eval"]["last"]["angle"] > dc["eval"]["untrained"]["angle"] + 0.1, dc
    assert dc["eval"]["selected"]["scale_diff"] > 5 * dc["per-sample"]["selected"]["scale_diff"], dc
    # the linear probe finds the 16-dim map's labels, the same probe on shuffled labels does not
    assert m["knn_nz16_probe"] > m["knn_nz16_probe_shuffled"] + 0.1, m


def check_05(m: dict) -> None:
    # the map has several sectors (an untrained generator gives one class everywhere)
    assert m["classes_with_sector"] >= 3, m
    assert len(m["thresholds_real"]) == 10 and all(-1 <= t <= 1 for t in m["thresholds_real"]), m
    calibrated = [t for t in m["thresholds_calibrated"] if t is not None]  # None: class never 95% precise
    assert all(-1 <= t <= 1 for t in calibrated), m
    # precision by the evaluator, over all ten digits (0 where a method cannot make one)
    for method in ("msn", "labeled"):
        assert len(m[f"{method}_precision_eval"]) == len(m[f"{method}_precision_map"]) == 10, m
        assert m[f"{method}_precision_eval_mean"] == pytest.approx(sum(m[f"{method}_precision_eval"]) / 10), m
    # MSN makes several digits. Whether it makes the requested one more often than chance (10%) is not decided
    # here: by the evaluator, over the digits it makes, smoke runs score 0.17 / 0.14 (seeds 0 / 1, two threads)
    # and 0.095 (seed 0, one thread) -- a hair either side of chance; the ledger's P8 judges it on teach runs
    assert m["msn_classes"] >= 3, m
    # the circularity shows: the map's classifier grades its own sectors and thresholds at least as kindly
    for method in ("msn", "labeled"):
        assert m[f"{method}_precision_map_mean"] >= m[f"{method}_precision_eval_mean"] - 0.02, (method, m)
    # in the evaluator's features labeled noise is the more varied of the two
    if m["compared_classes"] > 0:
        assert m["labeled_more_diverse"] >= 0.6 * m["compared_classes"], m
        assert m["labeled_diversity_eval_mean"] > m["msn_diversity_eval_mean"], m
    # the criterion falls as the generator learns, in both forms
    assert m["criterion_paper_second_half"] < m["criterion_paper_first_half"], m
    assert m["criterion_authors_second_half"] < m["criterion_authors_first_half"], m
    # the loss experiment, judged by the evaluator: both generators closer to real images than an untrained one;
    # (smoke, seed 1: the plain one covers as few classes as the untrained one)
    ev = m["evaluator"]
    for name in ("plain", "criterion"):
        assert ev["floor"]["fd"] < ev[name]["fd"] < FD_SHARE * ev["untrained"]["fd"], (name, ev)
        assert ev[name]["classes_covered"] >= ev["untrained"]["classes_covered"], (name, ev)
    # and the criterion-trained one covers more classes than the untrained one. Whether it covers more than the plain
    # one is the teach run's claim (the ledger), not smoke's: in smoke, seed 0, it covered 2 classes on a 2026-12-03
    # machine (plain 6) and more elsewhere: the same code on another CPU trains other GANs.
    assert ev["criterion"]["classes_covered"] > ev["untrained"]["classes_covered"], ev
    assert isinstance(m["criterion_loss_verdict"], str) and m["criterion_loss_verdict"]


def check_06(m: dict) -> None:
    # the mechanics, which a smoke budget reaches: Q reads InfoGAN's code back from the images
    # (the information term works through G), the plain GAN's untrained Q reads nothing, and
    # ACGAN's class head learned the real labels
    assert m["infogan_q_cat_accuracy"] > 0.9 and m["acgan_q_cat_accuracy"] > 0.9, m
    assert m["plain_q_cat_accuracy"] < 0.3, m
    assert m["infogan_q_cont_correlation"] > m["plain_q_cont_correlation"] + 0.2, m
    assert m["acgan_head_real_accuracy"] > 0.6, m
    # Q reading its own code back is no proof of digits (texture can carry a code): the independent
    # evaluator judges. Sample quality (smoke, MNIST seeds 0 and 1, Fashion-MNIST seed 0): each of the
    # three is far closer to the real test images than the same generator untrained (FD at most 0.48 of
    # its FD) and reaches more of them (coverage), and the floor (real vs real) is far better still.
    # Precision is not asserted: the untrained generator's clump of images scored 1.000 on seed 0.
    ev = m["evaluator"]
    un, fl = ev["untrained"], ev["floor"]
    for k in ("plain", "infogan", "acgan"):
        g = ev[k]
        assert g["fd"] < 0.7 * un["fd"] and fl["fd"] < 0.2 * g["fd"], (k, ev)
        assert g["coverage"] > un["coverage"] + 0.03 and g["classes_covered"] > un["classes_covered"], (k, ev)
        assert g["n_fake"] == un["n_fake"] == fl["n_fake"], (k, ev)
    assert ev["plain"]["classes_covered"] >= 3 and un["classes_covered"] <= 2, ev
    assert fl["classes_covered"] == fl["n_classes"], fl
    # the codes by the evaluator's labels (MNIST seeds 0 and 1: ACGAN's requested digit 0.77 / 0.93,
    # InfoGAN's Hungarian 0.58 / 0.54, the plain GAN's 0.16 / 0.16; chance and the untrained generator 0.1)
    assert m["labels_by"] == "evaluator"
    assert m["acgan_identity"] > 0.1 + 0.3 and m["acgan_identity"] > m["untrained_identity"] + 0.3, m
    assert m["infogan_hungarian"] > m["plain_hungarian"] + 0.15, m
    # the same generator trained plainly makes several classes; untrained it makes one
    assert m["plain_classes_over_2pct"] >= 3 > m["untrained_classes_over_2pct"], m
    # the numbers are accuracies (the teach targets are claims of the committed run, recorded with
    # their verdict, not asserted here: smoke is too short for them)
    for k in ("infogan", "acgan", "plain", "untrained"):
        assert 0.1 <= m[f"{k}_hungarian"] <= 1.0 and 0.0 <= m[f"{k}_identity"] <= m[f"{k}_hungarian"] + 1e-9, (k, m)
    assert set(m["targets_met"]) == {"infogan_hungarian", "acgan_identity"}
    assert {c["measure"] for c in m["continuous_controls"].values()} <= {"slant", "width", "thickness"}


def check_07(m: dict) -> None:
    # a D that learned nothing separates at chance (a re-initialised one: AUC 0.41-0.53); smoke's trained D
    # reached 0.94 on MNIST and, with the conv head on Fashion-MNIST, 0.80 on seed 0 and 0.68 on seed 1 (issue
    # 14's DCGAN, the machines of 2026-12-06; the fc head 0.72 against its re-initialised D's 0.54 there): each
    # floor sits above chance and below what smoke reaches, and the margin over the re-initialised D on the same
    # images (the baseline) is several times the AUC's sampling spread (~0.01-0.02 on these sets)
    fashion = m["dataset"] == "fashion-mnist"
    auc_min, margin = (0.6, 0.1) if fashion else (0.8, 0.2)
    for head in ("conv", "fc"):
        v = m["verdicts"][head]
        # the trained D (batch statistics, as in training) tells real from generated images,
        # far better than a re-initialised D on the same images
        assert v["d_fake"] < v["d_real"], (head, v)
        assert v["auc"] > auc_min and v["auc"] > v["auc_random_d"] + margin, (head, v)
        # sanity check: the maps depend on the weights (a copy of the image would correlate ~1), and a
        # cross-image correlation is a correlation (or "nan" when nearly all maps are empty)
        for method in ("gradcam", "gradcam++"):
            assert m["sanity_rank_corr"][f"{head}_{method}"] < 0.8, (head, method, m["sanity_rank_corr"])
            cross = m["cross_image_rank_corr"][f"{head}_{method}"]
            assert cross == "nan" or -1.0 <= cross <= 1.0, (head, method, cross)
        for kind in ("real", "fake"):
            for target in ("real", "fake"):
                for method in ("gradcam", "gradcam++"):
                    for table in ("shares", "shares_near"):
                        share = m[table][head][kind][target][method]
                        assert share == "nan" or 0.0 <= share <= 1.0, (table, head, kind, target, method, share)
    for kind in ("real", "conv", "fc"):
        assert 0.0 < m["stroke_area"][kind] <= m["stroke_area_near"][kind] <= 1.0, m["stroke_area"]
    # the targets: Grad-CAM's "real" and "fake" maps never overlap, 1 - D(x) gives Grad-CAM's
    # "fake" map (not Grad-CAM++'s); an implementation that ignored the target would fail all three
    assert m["gradcam_real_fake_overlap"] < 1e-6, m["gradcam_real_fake_overlap"]
    assert m["fake_prob_vs_minus_logit_max_diff"]["gradcam"] < 1e-4, m["fake_prob_vs_minus_logit_max_diff"]
    assert m["fake_prob_vs_minus_logit_max_diff"]["gradcam++"] > 1e-3, m["fake_prob_vs_minus_logit_max_diff"]
    # ("nan" when nearly every "real" Grad-CAM map is empty: then they cannot resemble the "fake" ones)
    corr = m["real_vs_fake_target_rank_corr"]["gradcam"]
    assert corr == "nan" or corr < 0.5, m["real_vs_fake_target_rank_corr"]
    assert set(m["looks_at"].values()) <= {"strokes", "background", "neither"}, m["looks_at"]
    assert set(m["looks_at_gradcam"].values()) <= {"strokes", "background", "neither"}, m["looks_at_gradcam"]
    # the exact attribution of the linear heads: its cells sum to the logit; its shares are shares
    assert m["exact_sum_error"] < 1e-3, m["exact_sum_error"]
    for head in ("conv", "fc"):
        for kind in ("real", "fake"):
            share = m["exact_shares"][head][kind]
            assert share == "nan" or 0.0 <= share <= 1.0, (head, kind, share)
    assert m["dataset"] in m["conclusion"]


def check_08(m: dict) -> None:
    ev = m["evaluator"]
    # the healthy GAN learned (by the evaluator, against the untrained generator), no failure flagged
    assert m["flags"]["healthy"] == [], m
    check_evaluator_learned(ev, "healthy")
    assert m["healthy_coverage"] >= 4 and m["healthy_diversity"] > 0.6, m
    # mode collapse, by the evaluator's labels and features: fewer classes, further from uniform, less
    # of the real images covered; balanced learning rates remove it
    assert "collapse" in m["flags"]["mode collapse"], m
    assert ev["collapse"]["classes_covered"] < ev["healthy"]["classes_covered"], ev
    assert ev["collapse"]["kl_uniform"] > ev["healthy"]["kl_uniform"], ev
    assert ev["collapse"]["coverage"] < 0.75 * ev["healthy"]["coverage"], ev
    assert ev["collapse"]["recall"] <= ev["healthy"]["recall"], ev
    assert m["collapse_coverage"] <= 4 and m["collapse_coverage"] < m["healthy_coverage"], m
    assert m["collapse_diversity"] < 0.75 * m["healthy_diversity"], m
    assert m["collapse_d_fake"] > m["collapse_d_real"], m            # G "wins" against a slow D
    # the discriminator wins: certain on both sides, G's loss climbs, and G stays where it started
    # (the evaluator's FD that of the untrained generator, well above the healthy one's)
    assert "d_wins" in m["flags"]["D wins"], m
    assert m["dwins_d_real"] > 0.95 and m["dwins_d_fake"] < 0.05, m
    assert m["dwins_d_fake"] < 0.2 * m["healthy_d_fake"], m
    assert m["dwins_loss_g"] > 2 * m["healthy_loss_g"], m
    # (on Fashion-MNIST G drifts further from its start: FD 0.83 of the untrained generator's on smoke seed 0)
    near_start = 0.75 if m["dataset"] == "fashion-mnist" else 0.95
    assert ev["dwins"]["fd"] > 1.1 * ev["healthy"]["fd"] and ev["dwins"]["fd"] > near_start * ev["untrained"]["fd"], ev
    if sure_share_means_something(ev["dwins"]):
        assert ev["dwins"]["sure_share"] <= ev["healthy"]["sure_share"], ev
    # range mismatch: visible in the data before training, in the pixel histograms and the FD after it
    assert "range_mismatch" in m["flags"]["range mismatch"], m
    assert m["range_out_of_range_raw"] > 0.05 and m["range_out_of_range_right"] == 0.0, m
    assert m["range_pixel_hist"] > 2 * m["healthy_pixel_hist"], m
    assert ev["range"]["fd"] > ev["healthy"]["fd"], ev
    assert all("range_mismatch" not in f for k, f in m["flags"].items() if k != "range mismatch"), m
    assert m["losses_finite"] is True


CHECKS = {"01_vanilla_gan_and_pca": check_01, "02_dcgan": check_02, "03_noise_to_label": check_03,
          "04_sectors_and_tsne": check_04, "05_guided_generation": check_05,
          "06_infogan_acgan": check_06, "07_gradcam_discriminator": check_07, "08_failure_modes": check_08}


@pytest.mark.notebook
@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_smoke(nb: Path, dataset: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """MNIST runs the student version (nbgrader's, solutions removed: the lesson must not need them, and every
    check reports "not attempted yet"); Fashion-MNIST the committed instructor version. nbval re-executes the
    instructor version too, with its checks' "correct." compared."""
    assert nb.stem in CHECKS, f"{nb.name} has no metric checks in tests/test_notebooks.py"
    if dataset == "fashion-mnist":
        request.getfixturevalue("debian_fashion_dir")  # skips, or fails under CI, without the files
    else:
        nb = request.getfixturevalue("student_notebooks") / nb.name
    metrics = execute(nb, tmp_path, DATASET=dataset)
    assert metrics["profile"] == "smoke" and metrics["notebook"] == nb.stem
    assert metrics["dataset"] == dataset
    CHECKS[nb.stem](metrics)
    if dataset == "mnist":
        assert_checks_not_attempted(tmp_path / nb.name)


def assert_checks_not_attempted(executed: Path) -> None:
    """Every autograded check cell of an executed student notebook ran and said "not attempted yet"."""
    book = nbformat.read(executed, as_version=4)
    graded = [c for c in book.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, f"{executed.name}: no nbgrader test cells"
    for c in graded:
        text = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in c.outputs)
        assert "not attempted yet" in text, (executed.name, c.metadata["nbgrader"]["grade_id"], text[:300])


def _without_timing(m: dict) -> dict:
    return {k: v for k, v in m.items() if k != "timing"}


@pytest.mark.notebook
def test_same_seed_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs with the same seed, each training from scratch, record identical metrics."""
    nb = REPO / "notebooks" / "01_vanilla_gan_and_pca.ipynb"
    runs = []
    for i in range(2):
        monkeypatch.setenv("GAN_COURSE_ARTIFACTS", str(tmp_path / f"artifacts{i}"))
        monkeypatch.setenv("GAN_COURSE_FIGURES", str(tmp_path / f"figures{i}"))
        runs.append(_without_timing(execute(nb, tmp_path, SEED=3)))
    assert runs[0] == runs[1]
    assert runs[0]["seed"] == 3


@pytest.mark.notebook
def test_bad_parameter_fails_with_clear_message(tmp_path: Path) -> None:
    nb = REPO / "notebooks" / "01_vanilla_gan_and_pca.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as err:
        execute(nb, tmp_path, DATASET="cifar10")
    assert err.value.ename == "ValueError"
    assert "DATASET='cifar10'" in err.value.evalue and "fashion-mnist" in err.value.evalue
    with pytest.raises(pm.PapermillExecutionError) as err:
        execute(nb, tmp_path, PROFILE="fast")
    assert "PROFILE='fast'" in err.value.evalue and "teach" in err.value.evalue


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_clean(nb: Path) -> None:
    """Committed notebooks: one tagged parameters cell with PROFILE/SEED/DATASET, the python3
    kernelspec, %matplotlib inline first, executed in order without errors, and cells that
    nbval checks."""
    book = nbformat.read(nb, as_version=4)
    assert book.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in book.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("PROFILE", "SEED", "DATASET"):
        assert f"\n{name} = " in "\n" + tagged[0].source
    assert code[0].source.startswith("%matplotlib inline")
    counts = [c.execution_count for c in code]
    assert all(isinstance(n, int) for n in counts), "notebook has unexecuted cells: run `make run`"
    assert counts == sorted(counts)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    # outputs render cleanly on GitHub: no path of the machine that ran them, no bare Path reprs
    # (image data left out: base64 can spell "/tmp/" by chance, as one of 04's PNGs did)
    shown = json.dumps([{**o, "data": {k: v for k, v in o.get("data", {}).items() if not k.startswith("image/")}}
                        for c in code for o in c.outputs])
    for bad in ("PosixPath(", "WindowsPath(", str(REPO), "/home/", "/tmp/", "/work/", "/Users/"):
        assert bad not in shown, f"{nb.name}: an output shows {bad!r}"
    # a slider reads as a picture (helpers/sliders.py), a progress bar as finished, not a frozen "0%"
    assert "interactive(children=" not in shown, f"{nb.name}: a slider saved as its repr; re-run the notebook"
    texts = [o.get("data", {}).get("text/plain", "") for c in code for o in c.outputs]
    frozen = [t for t in map("".join, texts) if re.search(r"(?<![0-9])0%\|", t)]
    assert not frozen, f"{nb.name}: a progress bar saved at {frozen[0][:40]!r}; re-run the notebook"
    assert any("# NBVAL_CHECK_OUTPUT" in c.source for c in code)
    params = book.metadata.get("papermill", {}).get("parameters", {})
    assert params.get("PROFILE", "teach") == "teach", "committed outputs must come from a teach run"
