"""The reproduction ledger (scripts/ledger.py): README and figures/ledger.json match the committed
metrics, every rule decides both ways, missing keys fail loudly, and every cited figure exists."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
ledger = load_script("ledger")

CLAIMS = {c.id: c for c in ledger.CLAIMS}


def test_readme_section_matches_committed_metrics():
    """A metric changed without `make ledger` fails here."""
    readme = (REPO / "README.md").read_text()
    section = readme.split(ledger.START)[1].split(ledger.END)[0].strip("\n")
    assert section == ledger.render(ledger.build_rows()), "README ledger is stale: run `make ledger`"


def test_ledger_json_matches_committed_metrics():
    assert (REPO / "figures" / "ledger.json").read_text() == ledger.ledger_json(ledger.build_rows())


def test_check_detects_a_changed_metric(tmp_path, monkeypatch):
    """--check fails once a metric moves (here: the classifier's accuracy in a copy of figures/)."""
    figs = tmp_path / "figures"
    for path in (REPO / "figures").glob("*/metrics.json"):
        (figs / path.parent.name).mkdir(parents=True)
        (figs / path.parent.name / "metrics.json").write_text(path.read_text())
    readme = tmp_path / "README.md"
    readme.write_text(ledger.replace_section(f"x\n{ledger.START}\n{ledger.END}\n", ledger.render(ledger.build_rows(figs))))
    monkeypatch.setattr(ledger, "FIGURES", figs)
    monkeypatch.setattr(ledger, "README", readme)
    monkeypatch.setattr(ledger, "LEDGER_JSON", figs / "ledger.json")
    monkeypatch.setattr(ledger, "SEEDS_FIGURE", figs / "ledger_seeds.png")
    (figs / "ledger.json").write_text(ledger.ledger_json(ledger.build_rows(figs)))
    assert ledger.main(["--check"]) == 0
    m03 = figs / "03_noise_to_label" / "metrics.json"
    m = json.loads(m03.read_text())
    m["classifier_test_acc"] = 0.97
    m03.write_text(json.dumps(m))
    assert ledger.main(["--check"]) == 1
    assert ledger.main([]) == 0 and ledger.main(["--check"]) == 0
    row = next(r for r in json.loads((figs / "ledger.json").read_text())["rows"] if r["id"] == "P3")
    assert row["verdict"] == ledger.FAILS and "97.00%" in row["measured"]


def test_every_cited_figure_exists():
    rows = [r for r in ledger.build_rows() if r["verdict"] != ledger.UNMEASURED]
    assert rows
    missing = [f for r in rows for f in r["figures"] if not (REPO / "figures" / f).is_file()]
    assert not missing, missing


def test_rows_carry_provenance_from_metrics():
    for r in ledger.build_rows():
        if r["verdict"] == ledger.UNMEASURED:
            assert r["run"] is None and r["measured"] == "not yet measured"
            continue
        own = json.loads(ledger.metrics_path(r["notebook"], r["profile"]).read_text())
        assert (r["run"]["profile"], r["run"]["seed"], r["run"]["dataset"]) == (own["profile"], own["seed"], own["dataset"])
        recorder = json.loads(ledger.metrics_path(r["run"]["data_recorded_by"], r["profile"]).read_text())
        assert r["run"]["data_source"] == recorder["data_source"]


def _ok(claim_id: str, values: dict[str, Any]) -> str:
    return CLAIMS[claim_id].rule(ledger.Metrics(values, claim_id))[0]


def _case(claim_id: str, **overrides: Any) -> dict[str, Any]:
    """The committed teach values of a measured claim, with ``overrides``."""
    c = CLAIMS[claim_id]
    m = ledger.declared(c, "teach", lambda nb, p: ledger.load_metrics(nb, p))
    return {**m.values, **overrides}


SCALE_OK = {f"scale_{mode}_a{a}_{k}": (1.0 if k == "label_agreement" else 1e-4)
            for mode in ("per_sample", "eval") for a in ledger.SCALES for k in ("label_agreement", "pixel_diff")}
NB01 = "01_vanilla_gan_and_pca"
P1_OK = {"fig2_n_bases": 50, **{f"fig2_many_{k}_rms": v for k, v in
                                 [("zeroed", 0.08), ("halved", 0.04), ("random_zeroed", 0.07), ("random_halved", 0.04),
                                  ("unrelated", 0.35)]},
         **{f"fig2_many_{k}_same_label": v for k, v in
            [("zeroed", 0.9), ("halved", 0.95), ("random_zeroed", 0.9), ("random_halved", 0.95), ("unrelated", 0.1)]}}
P4_OK = {"evaluator_purity_selected": 0.95, "evaluator_coverage_selected": 10, "evaluator_coverage_last": 10,
         "coverage_final": 10, "coverage_last_snapshot": 10, "selected_epoch": 20.0,
         "direction_carries.eval.selected.angle": 0.8, "direction_carries.eval.last.angle": 0.8,
         "direction_carries.eval.untrained.angle": 0.0, "direction_carries.eval.shuffled.angle": 0.3,
         "direction_carries.eval.selected.radius": 0.1}
P7_OK = {f"knn_nz{nz}_{k}": v for nz in (16, 100) for k, v in
         [("tsne", 0.5), ("chance", 0.1), ("raw", 0.5), ("probe", 0.6), ("probe_shuffled", 0.2)]}
A1_OK = dict(range_acc_right=0.98, range_acc_wrong=0.45, range_missing_classes_wrong=3, range_nz2_lost=[1, 7, 8],
             range_nz2_lost_of_authors=3)


def EV(model: str, fd: float, coverage: float, sure: float, notebook: str = "", n: int = 5000) -> dict[str, Any]:
    """Synthetic evaluator numbers of one image set, under the keys the ledger reads (precision, which
    never decides, at 1: what uniform noise gets)."""
    pre = f"{notebook}/evaluator.{model}." if notebook else f"evaluator.{model}."
    return {pre + "fd": fd, pre + "coverage": coverage, pre + "sure_share": sure, pre + "precision": 1.0,
            pre + "n_fake": n}


FLOOR = EV("floor", 1.0, 0.75, 0.99)
S2_OK = {**EV("conv", 10.0, 0.6, 0.8), **FLOOR, **EV("mlp_gan", 30.0, 0.4, 0.6, NB01),
         "seed": 0, "n_eval": 10000, f"{NB01}/seed": 0, f"{NB01}/n_eval": 10000}
NB06 = {"infogan_hungarian": 0.93, "infogan_identity": 0.2, "plain_hungarian": 0.5, "untrained_hungarian": 0.2,
        "targets_met.infogan_hungarian": True, "acgan_identity": 0.97, "acgan_hungarian": 0.97,
        "targets_met.acgan_identity": True, "plain_max_abs_rho": 0.2,
        "continuous_controls.c2": {"measure": "slant", "rho": -0.8},
        "continuous_controls.c3": {"measure": "width", "rho": 0.7}}

# (claim, metrics that must hold, overrides that make it fail)
RULE_CASES = [
    ("P1", P1_OK, dict(fig2_many_zeroed_rms=0.3)),                 # as far as half an unrelated vector
    ("P1", P1_OK, dict(fig2_many_halved_rms=0.1)),                 # 2.5x the equal-length random change
    ("P1", P1_OK, dict(fig2_many_zeroed_same_label=0.2, fig2_many_zeroed_rms=0.2)),
    ("P2", {**{f"nz{nz}_{k}": v for nz in (2, 16, 100) for k, v in
               [("classes_over_2pct", 10), ("eval_classes_over_2pct", 10), ("label_agreement", 0.9)]},
            "range_missing_classes_wrong": 5, "nz2_last_eval_classes_over_2pct": 10}, dict(nz2_eval_classes_over_2pct=5)),
    ("P3", dict(classifier_test_acc=0.99, n_test=10000, classifier_epochs=2), dict(classifier_test_acc=0.98)),
    ("P4", P4_OK, {"direction_carries.eval.selected.angle": 0.4}),        # the direction predicts little
    ("P4", P4_OK, {"direction_carries.eval.untrained.angle": 0.7}),       # no more than an untrained G
    ("P4", P4_OK, {"direction_carries.eval.selected.radius": 0.7}),       # the length predicts as much
    ("P4", P4_OK, dict(evaluator_purity_selected=1.0, evaluator_coverage_selected=1)),   # one label everywhere
    ("P5", {**SCALE_OK, "direction_carries.per-sample.untrained.scale_diff": 1e-4},
     {"scale_per_sample_a2.0_pixel_diff": 0.1}),
    ("P6", {"circle_distinct_labels": 10, "circle_label_changes": 10, "circle_radius_agreement_per_sample": 1.0,
            "direction_carries.per-sample.untrained.coverage": 1},
     dict(circle_distinct_labels=7)),
    ("P7", P7_OK, dict(knn_nz16_tsne=0.11)),
    ("P7", P7_OK, dict(knn_nz100_tsne=0.12, knn_nz100_probe=0.9)),   # the labels are there, t-SNE does not show them
    ("P8", dict(msn_precision_eval_mean=0.99, msn_classes_precise=10, msn_classes=10, msn_precise_map=10,
                msn_precision_map_mean=1.0, msn_diversity_eval_mean=0.1),
     dict(msn_classes_precise=4, msn_precision_eval_mean=0.6)),
    ("P9", dict(labeled_precision_eval_mean=0.96, msn_precision_eval_mean=0.99, labeled_more_diverse=10,
                compared_classes=10, labeled_classes=10, labeled_diversity_eval_mean=0.6, msn_diversity_eval_mean=0.1,
                targets_met={"labeled-noise precision >= 0.95 (the evaluator) over all ten digits": True}),
     dict(labeled_more_diverse=3)),
    ("P9", dict(labeled_precision_eval_mean=0.96, msn_precision_eval_mean=0.99, labeled_more_diverse=10,
                compared_classes=10, labeled_classes=10, labeled_diversity_eval_mean=0.6, msn_diversity_eval_mean=0.1,
                targets_met={"labeled-noise precision >= 0.95 (the evaluator) over all ten digits": True}),
     dict(labeled_precision_eval_mean=0.08, msn_precision_eval_mean=0.1)),   # both at chance: not "slightly less"
    ("P10a", dict(criterion_paper_first_half=0.8, criterion_paper_second_half=0.5,
                  criterion_paper_epoch_correlation=-0.8), dict(criterion_paper_second_half=0.9)),
    ("A1", A1_OK, dict(range_nz2_lost=[], range_nz2_lost_of_authors=0)),
    ("A1", A1_OK, dict(range_nz2_lost=[7], range_nz2_lost_of_authors=1)),   # one digit lost is no vanishing
    ("S1", {**EV("mlp_gan", 20.0, 0.5, 0.7), **EV("pca_uniform", 80.0, 0.1, 0.2), **FLOOR},
     EV("mlp_gan", 75.0, 0.5, 0.22)),
    ("S2", S2_OK, EV("conv", 28.0, 0.6, 0.8)),              # within 10% of the MLP GAN's FD
    ("O1", dict(interp_step_rms=0.1, interp_ends_rms=0.7, interp_max_step_share=0.2, midpoint_norm_lerp=7.0,
                midpoint_norm_slerp=10.0),
     dict(interp_max_step_share=1.0)),   # one jump: the mean step (0.1 of 0.7) would not show it
    ("B1", {**EV("conv", 30.0, 0.5, 0.7), **EV("fc", 20.0, 0.5, 0.7), "dataset": "fashion-mnist"},
     EV("fc", 28.0, 0.5, 0.7)),
    ("B2", {"looks_at.conv": "background", "looks_at.fc": "background", "shares.conv.fake.fake.gradcam": 0.05,
            "shares.fc.fake.fake.gradcam": 0.05, "stroke_area.conv": 0.13, "stroke_area.fc": 0.13,
            "looks_at_gradcam.conv": "strokes", "looks_at_gradcam.fc": "strokes", "exact_shares.conv.fake": 0.05,
            "exact_shares.fc.fake": 0.05},
     {"looks_at.conv": "strokes", "looks_at.fc": "neither",   # Grad-CAM's reading never decides:
      "looks_at_gradcam.conv": "background", "looks_at_gradcam.fc": "background"}),
    ("B3", {**{f"sanity_rank_corr.{k}": 0.1 for k in ledger.GRADCAM_MAPS},
            **{f"cross_image_rank_corr.{k}": 0.2 for k in ledger.GRADCAM_MAPS}},
     {"sanity_rank_corr.fc_gradcam": 0.9}),
    ("B3", {**{f"sanity_rank_corr.{k}": 0.1 for k in ledger.GRADCAM_MAPS},
            **{f"cross_image_rank_corr.{k}": 0.2 for k in ledger.GRADCAM_MAPS}},
     {"cross_image_rank_corr.fc_gradcam": 1.0}),      # one map for every image: the random-D check alone passes it
    ("B3", {**{f"sanity_rank_corr.{k}": 0.1 for k in ledger.GRADCAM_MAPS},
            **{f"cross_image_rank_corr.{k}": 0.2 for k in ledger.GRADCAM_MAPS}},
     {"cross_image_rank_corr.conv_gradcam": "nan"}),  # (nearly) every map empty: metrics.json writes NaN as "nan"
    ("I1", NB06, {"targets_met.infogan_hungarian": False, "infogan_hungarian": 0.5}),
    ("I2", NB06, {"targets_met.acgan_identity": False, "acgan_identity": 0.3}),
    ("I3", NB06, {"continuous_controls.c2": {"measure": "thickness", "rho": 0.9},
                  "continuous_controls.c3": {"measure": "width", "rho": 0.1}}),
]


@pytest.mark.parametrize("claim_id,passing,failing", RULE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RULE_CASES)])
def test_rule_decides_both_ways(claim_id, passing, failing):
    values = {k: v for k, v in passing.items() if k in CLAIMS[claim_id].keys}
    assert set(values) == set(CLAIMS[claim_id].keys), "the case must give every declared key"
    assert _ok(claim_id, values) == ledger.HOLDS
    assert _ok(claim_id, {**values, **failing}) == ledger.FAILS


CAVEAT_CASES = [
    ("P1", dict(fig2_many_zeroed_same_label=0.7)),
    ("P2", dict(nz16_eval_classes_over_2pct=9)),
    ("P2", dict(nz100_label_agreement=0.6)),
    ("P2", dict(nz2_last_eval_classes_over_2pct=7)),            # the unselected snapshot lacks digits
    ("P4", {"direction_carries.eval.shuffled.angle": 0.7}),         # the first layer's weights add little
    ("P4", dict(evaluator_coverage_last=5)),
    ("P4", dict(evaluator_coverage_selected=9)),
    ("P8", dict(msn_classes_precise=7)),
    ("P5", {"scale_eval_a2.0_label_agreement": 0.8}),
    ("P6", dict(circle_label_changes=14)),
    ("P7", dict(knn_nz100_tsne=0.15)),                           # above chance, weakly
    ("P7", dict(knn_nz16_raw=0.8)),                              # t-SNE shows less than the raw noise has
    ("A1", dict(range_nz2_lost=[0, 4, 6], range_nz2_lost_of_authors=0)),   # other digits than the authors'
    ("A1", dict(range_acc_wrong=0.9)),                           # digits vanish, real accuracy hardly drops
    ("P9", dict(labeled_classes=9)),
    ("P9", {"targets_met": {"labeled-noise precision >= 0.95 (the evaluator) over all ten digits": False}}),
    ("P10a", dict(criterion_paper_epoch_correlation=-0.3)),
    ("S1", EV("mlp_gan", 20.0, 0.5, 0.22)),                 # FD clearly lower, sure share not clearly higher
    ("S1", EV("mlp_gan", 75.0, 0.5, 0.7)),                  # sure share clearly higher, FD not clearly lower
    ("S2", EV("conv", 10.0, 0.3, 0.8)),                     # FD clearly lower, coverage lower
    ("B1", EV("fc", 20.0, 0.5, 0.6)),                       # FD clearly lower, sure share lower
    ("I1", {"infogan_identity": 0.92}),
    ("I3", {"continuous_controls.c3": {"measure": "width", "rho": 0.1}}),
]


@pytest.mark.parametrize("claim_id,overrides", CAVEAT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CAVEAT_CASES)])
def test_rule_gives_a_caveat(claim_id, overrides):
    passing = next(p for c, p, _ in RULE_CASES if c == claim_id)
    values = {k: v for k, v in {**passing, **overrides}.items() if k in CLAIMS[claim_id].keys}
    assert _ok(claim_id, values) == ledger.CAVEAT


def test_dcgan_vs_mlp_needs_comparable_runs():
    """S2 compares two notebooks' evaluator numbers: only with the same seed, samples and test images."""
    values = {k: v for k, v in S2_OK.items() if k in CLAIMS["S2"].keys}
    assert _ok("S2", values) == ledger.HOLDS
    for key, other in ((f"{NB01}/seed", 1), (f"{NB01}/n_eval", 1000), (f"{NB01}/evaluator.mlp_gan.n_fake", 500)):
        verdict, reason = CLAIMS["S2"].rule(ledger.Metrics({**values, key: other}, "S2"))
        assert verdict == ledger.FAILS and "not comparable" in reason, key


def test_criterion_as_loss_is_at_best_a_caveat():
    """P10b reads the evaluator: more digits (or a clearly lower FD) without losing either, beside an untrained G."""
    ok = {"evaluator.plain.fd": 40.0, "evaluator.criterion.fd": 38.0, "evaluator.untrained.fd": 900.0,
          "evaluator.floor.fd": 1.0, "evaluator.plain.classes_covered": 8, "evaluator.criterion.classes_covered": 9}
    assert set(ok) == set(CLAIMS["P10b"].keys)
    assert _ok("P10b", ok) == ledger.CAVEAT
    assert _ok("P10b", {**ok, "evaluator.criterion.classes_covered": 8, "evaluator.criterion.fd": 30.0}) == ledger.CAVEAT
    assert _ok("P10b", {**ok, "evaluator.criterion.fd": 50.0}) == ledger.FAILS          # costs quality
    assert _ok("P10b", {**ok, "evaluator.criterion.classes_covered": 7}) == ledger.FAILS  # loses a digit
    assert _ok("P10b", {**ok, "evaluator.criterion.classes_covered": 8}) == ledger.FAILS  # changes nothing clearly
    assert _ok("P10b", {**ok, "evaluator.untrained.fd": 39.0}) == ledger.FAILS          # no better than untrained


def test_committed_rules_match_the_notebooks_own_targets():
    """The ledger says what notebook 05 says: every target it marks unmet is named in P9's verdict,
    and P9 holds only if all of them are met (checked on the committed values and on a flip)."""
    case = _case("P9")
    for flip in (None, *case["targets_met"]):
        targets = dict(case["targets_met"])
        if flip is not None:
            targets[flip] = not targets[flip]
        verdict, reason = CLAIMS["P9"].rule(ledger.Metrics({**case, "targets_met": targets}, "P9"))
        unmet = [k for k, ok in targets.items() if not ok and not k.startswith("MSN")]
        for k in unmet:
            assert k in reason, (k, reason)
        if unmet:
            assert verdict != ledger.HOLDS, (targets, verdict)


def test_missing_key_names_notebook_and_key(tmp_path):
    (tmp_path / "03_noise_to_label").mkdir()
    m = json.loads((REPO / "figures" / "03_noise_to_label" / "metrics.json").read_text())
    del m["classifier_test_acc"]
    (tmp_path / "03_noise_to_label" / "metrics.json").write_text(json.dumps(m))
    with pytest.raises(ledger.LedgerError, match=r"03_noise_to_label/metrics.json .*'classifier_test_acc'"):
        ledger.build_rows(tmp_path, (CLAIMS["P3"],))


def test_rule_reading_an_undeclared_key_fails():
    with pytest.raises(ledger.LedgerError, match="does not declare"):
        ledger.Metrics({"a": 1}, "X")["b"]


def test_missing_metrics_file_is_not_measured_and_paper_rows_appear(tmp_path):
    rows = ledger.build_rows(tmp_path, (CLAIMS["P3"],))
    assert [(r["verdict"], r["measured"]) for r in rows] == [(ledger.UNMEASURED, "not yet measured")]
    src = (REPO / "figures" / "03_noise_to_label" / "metrics.json").read_text()
    for sub in ("03_noise_to_label", "paper/03_noise_to_label"):
        (tmp_path / sub).mkdir(parents=True)
        (tmp_path / sub / "metrics.json").write_text(src.replace('"profile": "teach"', '"profile": "paper"')
                                                     if sub.startswith("paper") else src)
    rows = ledger.build_rows(tmp_path, (CLAIMS["P3"],))
    assert [r["profile"] for r in rows] == ["teach", "paper"]
    assert rows[1]["figures"] == ["paper/03_noise_to_label/fig5_classifier_training.png"]
    assert rows[1]["run"]["profile"] == "paper" and rows[1]["verdict"] == ledger.HOLDS


def test_replace_section_needs_both_markers():
    with pytest.raises(ValueError, match="ledger:start"):
        ledger.replace_section("no markers", "x")
    assert ledger.replace_section(f"a{ledger.START}old{ledger.END}b", "new") == f"a{ledger.START}\nnew\n{ledger.END}b"


H, C, F = ledger.HOLDS, ledger.CAVEAT, ledger.FAILS


@pytest.mark.parametrize("verdicts,expected", [
    ([H] * 5, H),
    ([H, H, H, H, F], H),
    ([H, H, H, C, F], C),                      # passes in 4, plainly in 3
    ([C] * 5, C),
    ([H, H, F, F, F], ledger.INCONCLUSIVE),
    ([H, H, H, F, F], ledger.INCONCLUSIVE),
    ([C, F, F, F, F], F),
    ([F] * 5, F),
    ([H, H, H, H], H),                         # the fifth seed cannot change it
    ([F, F, F, F], F),
    ([H, H, H], ledger.PENDING),               # two missing seeds could make it inconclusive
    ([H, F], ledger.PENDING),
    ([], ledger.UNMEASURED),
])
def test_verdict_over_seeds_decides_every_way(verdicts, expected):
    assert ledger.over_seeds(verdicts) == expected


def test_verdict_over_seeds_rejects_extra_seeds():
    with pytest.raises(ValueError, match="6 seed verdicts for 5"):
        ledger.over_seeds([H] * 6)


def _seed_runs(tmp_path: Path, accuracies: dict[int, float], recorded_seed: dict[int, int] | None = None) -> Path:
    """A make-reproduce folder with notebook 03's metrics for each seed (P3's keys only)."""
    root = tmp_path / "reproduce"
    for seed, acc in accuracies.items():
        d = root / f"seed-{seed}" / "03_noise_to_label"
        d.mkdir(parents=True)
        d.joinpath("metrics.json").write_text(json.dumps({
            "seed": (recorded_seed or {}).get(seed, seed), "classifier_test_acc": acc, "n_test": 10000,
            "classifier_epochs": 3}))
    return root


def test_seed_summary_reads_every_seed(tmp_path):
    root = _seed_runs(tmp_path, {0: 0.99, 1: 0.98, 2: 0.991, 3: 0.992, 4: 0.97})
    s = ledger.seed_summary(CLAIMS["P3"], ledger.seed_folders(root))
    assert (s["n"], s["holds"], s["passes"]) == (5, 3, 3)
    assert s["verdict"] == ledger.INCONCLUSIVE
    assert (s["min"], s["median"], s["max"]) == (0.97, 0.99, 0.992)
    assert ledger.seeds_cell(s).startswith("test accuracy: 0.9900 [0.9700, 0.9920]; holds in 3 of 5 seeds")
    s = ledger.seed_summary(CLAIMS["P3"], ledger.seed_folders(_seed_runs(tmp_path / "b", {0: 0.99, 1: 0.991})))
    assert s["verdict"] == ledger.PENDING and s["median"] == pytest.approx(0.9905)


def test_seed_summary_refuses_a_run_of_another_seed(tmp_path):
    root = _seed_runs(tmp_path, {0: 0.99, 1: 0.99}, recorded_seed={1: 0})
    with pytest.raises(ledger.LedgerError, match="records seed 0, not 1"):
        ledger.seed_summary(CLAIMS["P3"], ledger.seed_folders(root))


def test_committed_seed_runs_are_complete_and_in_the_ledger():
    """Every committed seed run names its seed, and the README's seed column reads exactly those seeds."""
    folders = ledger.seed_folders()
    for seed, folder in folders.items():
        for path in folder.glob("*/metrics.json"):
            assert json.loads(path.read_text())["seed"] == seed, path
    for r in ledger.build_rows():
        if r["profile"] == "teach" and r["verdict"] != ledger.UNMEASURED:
            assert set(r["seeds"]["seeds"]) <= {str(s) for s in folders}


def test_continuous_codes_reason_reads_its_numbers():
    """I3's reason for "does not hold" says what the numbers say: a code above the plain GAN but below
    |rho| 0.5 is not "no better than a plain GAN"."""
    weak = {**{k: v for k, v in NB06.items() if k in CLAIMS["I3"].keys},
            "continuous_controls.c2": {"measure": "slant", "rho": -0.49},
            "continuous_controls.c3": {"measure": "width", "rho": 0.2}, "plain_max_abs_rho": 0.12}
    verdict, reason = CLAIMS["I3"].rule(ledger.Metrics(weak, "I3"))
    assert verdict == ledger.FAILS and "more than a plain GAN's" in reason and "-0.49" in reason
    verdict, reason = CLAIMS["I3"].rule(ledger.Metrics({**weak, "plain_max_abs_rho": 0.6}, "I3"))
    assert verdict == ledger.FAILS and "beyond a plain GAN's noise" in reason


def test_seed_figure_draws_the_seed_runs(tmp_path):
    root = _seed_runs(tmp_path, {0: 0.99, 1: 0.98, 2: 0.991})
    rows = ledger.build_rows(REPO / "figures", (CLAIMS["P3"],), reproduce=root)
    path = ledger.plot_seeds(rows, tmp_path / "seeds.png")
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ledger_seeds.png" in ledger.render(rows)
    assert ledger.plot_seeds(ledger.build_rows(REPO / "figures", (CLAIMS["P3"],), reproduce=None), tmp_path / "x.png") is None
    assert not (tmp_path / "x.png").exists()


def test_seeds_run_by_older_notebook_code_are_not_counted(tmp_path):
    """summary.json records each run's notebook code: a seed run by other code than the committed one is
    listed as stale and left out of the verdict over seeds."""
    root = _seed_runs(tmp_path, {0: 0.99, 1: 0.99, 2: 0.99})
    current = ledger._code_hash("03_noise_to_label")
    runs = {f"seed-{s}": {"03_noise_to_label": {"code": current if s != 1 else "0ld"}} for s in (0, 1, 2)}
    (root / "summary.json").write_text(json.dumps({"runs": runs}))
    s = ledger.seed_summary(CLAIMS["P3"], ledger.seed_folders(root))
    assert s["stale"] == ["1"] and sorted(s["seeds"]) == ["0", "2"] and s["n"] == 2
    assert "not counted: seed 1 (run by older notebook code)" in ledger.seeds_cell(s)
