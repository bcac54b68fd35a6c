"""`make ledger`: the reproduction ledger, one row per claim, generated from the notebooks' metrics.

Every claim of ``../shared/REPRODUCTION_NOTES.md`` that a notebook measures is a :class:`Claim`
below: its text and source (typed here), the figures that show it, the ``metrics.json`` keys it
reads, how the measured numbers are written, and a verdict *rule*, a small function of those
numbers. Nothing else is typed by hand: every number, profile, seed and data source in the table
comes from ``figures/<notebook>/metrics.json`` (the teach run committed with the notebooks) and,
where a GPU run was committed, from ``figures/paper/<notebook>/metrics.json`` as extra rows.
A notebook whose metrics.json is not committed yet gives "not measured" rows, never a number.

    python scripts/ledger.py            rewrite the README section and figures/ledger.json
    python scripts/ledger.py --check    exit 1 if either differs from what the metrics give
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"
README = ROOT / "README.md"
LEDGER_JSON = FIGURES / "ledger.json"
START, END = "<!-- ledger:start -->", "<!-- ledger:end -->"

HOLDS, CAVEAT, FAILS, UNMEASURED = "holds", "holds with a caveat", "does not hold", "not measured"
VERDICTS = (HOLDS, CAVEAT, FAILS, UNMEASURED)
INCONCLUSIVE, PENDING = "inconclusive", "pending"
#: verdicts over seeds (see :func:`over_seeds`)
SEED_VERDICTS = (HOLDS, CAVEAT, FAILS, INCONCLUSIVE, PENDING, UNMEASURED)
REPRODUCE = ROOT / "reproduce" / "teach"   # scripts/reproduce.py: seed-<N>/<notebook>/metrics.json
PLANNED_SEEDS = 5                          # seeds 0-4 (make reproduce)
#: of PLANNED_SEEDS seeds, a claim "holds" when its test passes plainly in >= PASS_K, "holds with a caveat"
#: when it passes (plainly or with its caveat) in >= PASS_K, "does not hold" when it passes in <= FAIL_K
PASS_K, FAIL_K = 4, 1
#: runs the ledger cites, and where their metrics live relative to figures/ (see helpers.run.NotebookRun):
#: the committed teach run on MNIST; a committed teach run on Fashion-MNIST (a second dataset, for the claims
#: whose notebooks were run there: rows appear only where its metrics.json is committed); a GPU paper run
PROFILE_DIRS = {"teach": "", "teach-fashion-mnist": "teach-fashion-mnist", "paper": "paper"}

Verdict = tuple[str, str]  # (one of VERDICTS, a short reason)

NB01, NB02, NB03 = "01_vanilla_gan_and_pca", "02_dcgan", "03_noise_to_label"
NB04, NB05, NB06, NB07 = "04_sectors_and_tsne", "05_guided_generation", "06_infogan_acgan", "07_gradcam_discriminator"


class LedgerError(KeyError):
    """A metrics.json lacks a key a claim reads, or a rule reads a key its claim does not declare."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


class Metrics:
    """The declared metrics of one claim: ``m["key"]``, ``m["a.b"]`` (nested) or ``m["02_dcgan/key"]``
    (another notebook's metrics.json, same profile). Reading an undeclared key is an error, so the
    ledger's list of keys is exactly what its verdict rests on."""

    def __init__(self, values: dict[str, Any], claim_id: str) -> None:
        self.values, self.claim_id = values, claim_id

    def __getitem__(self, key: str) -> Any:
        if key not in self.values:
            raise LedgerError(f"claim {self.claim_id}: the rule reads {key!r}, which the claim does not declare")
        return self.values[key]


@dataclass(frozen=True)
class Claim:
    """One ledger row: a claim, where it is shown and measured, and how its verdict is decided."""

    id: str
    source: str
    text: str
    notebook: str
    figures: tuple[str, ...]              # file names in figures/<notebook>/ (or "<notebook>/<file>")
    keys: tuple[str, ...]                 # metrics.json keys read (see Metrics)
    measured: Callable[[Metrics], str]    # the numbers, as the table writes them
    rule: Callable[[Metrics], Verdict]
    data_from: str | None = None          # notebook whose metrics.json records the training data
                                          # when this one's does not (it uses that notebook's models)
    stat: Stat | None = None              # the number whose spread over seeds the ledger shows


@dataclass(frozen=True)
class Stat:
    """One number of a claim, read from its metrics, whose median and range over seeds the ledger prints."""

    label: str
    value: Callable[[Metrics], float]
    fmt: str = ".3f"


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


# ---- the rules: each a function of the claim's metrics, returning (verdict, reason) ----

def rule_one_element(m: Metrics) -> Verdict:
    """Figs. 1-2, over many base vectors: one element changed (zeroed, halved) moves the image less than half
    as far as an unrelated vector and at most twice as far as the control, a random change of the same
    length; the label is kept in >= 80% of the cases (else a caveat)."""
    rms = {k: m[f"fig2_many_{k}_rms"] for k in ("zeroed", "halved", "random_zeroed", "random_halved", "unrelated")}
    ratio = max(rms["zeroed"] / rms["random_zeroed"], rms["halved"] / rms["random_halved"])
    kept = min(m["fig2_many_zeroed_same_label"], m["fig2_many_halved_same_label"])
    if max(rms["zeroed"], rms["halved"]) >= 0.5 * rms["unrelated"]:
        return FAILS, "one changed element moves the image as much as an unrelated noise vector"
    if ratio > 2:
        return FAILS, f"one element moves the image {ratio:.1f}x as far as a random change of the same length"
    if kept < 0.8:
        return CAVEAT, (f"the image changes little ({ratio:.1f}x a random change of the same length), but the label "
                        f"changes in up to {pct(1 - kept, 0)} of the cases")
    return HOLDS, (f"small image change over {m['fig2_n_bases']} base vectors ({ratio:.1f}x a random change of the same "
                   "length), label kept")


NOISE_DIMS = (2, 16, 100)


def rule_pipeline(m: Metrics) -> Verdict:
    """Fig. 3: the noise -> G -> classifier -> label pipeline gives all ten digits for every noise size, as
    the evaluator labels the same images (>= 2% each), at the 2-dim generator's last snapshot too (the selected
    one was chosen by the map's classifier), and the paper's CNN agrees with it on >= 80% of them."""
    ev = {nz: m[f"nz{nz}_eval_classes_over_2pct"] for nz in NOISE_DIMS}
    worst = min(ev, key=ev.get)
    own = f"the map's classifier: {m[f'nz{worst}_classes_over_2pct']}"
    if ev[worst] < 8:
        return FAILS, f"the evaluator finds only {ev[worst]} digits in the {worst}-dim map's images ({own})"
    last = m["nz2_last_eval_classes_over_2pct"]
    if ev[worst] < 10:
        return CAVEAT, (f"the evaluator finds {ev[worst]} digits in the {worst}-dim map's images ({own}); the 2-dim "
                        f"generator's last snapshot: {last}")
    if last < 10:
        return CAVEAT, (f"all ten digits by the evaluator at the selected snapshot, {last} at the 2-dim generator's "
                        "last one (the selection read the map's classifier)")
    agree = min(m[f"nz{nz}_label_agreement"] for nz in NOISE_DIMS)
    if agree < 0.8:
        return CAVEAT, (f"all ten digits by the evaluator, but it labels up to {pct(1 - agree, 0)} of a map's images "
                        "otherwise than the paper's CNN")
    return HOLDS, ("all ten digits by the evaluator for every noise size, with inputs in [0, 1] (the authors' [-3, 1] "
                   f"inputs lose {m['range_missing_classes_wrong']} digits)")


def rule_classifier(m: Metrics) -> Verdict:
    """Fig. 5: the classifier's test accuracy is above 98.5%."""
    if m["classifier_test_acc"] <= 0.985:
        return FAILS, "below the paper's 98.5%"
    if m["n_test"] < 10000:
        return CAVEAT, f"above 98.5%, but on {m['n_test']:,} held-out digits, not the MNIST test set"
    return HOLDS, "above the paper's 98.5% on the 10,000 MNIST test digits"


def _carries(m: Metrics, generator: str, part: str, mode: str = "eval") -> float:
    return m[f"direction_carries.{mode}.{generator}.{part}"]


def rule_sectors(m: Metrics) -> Verdict:
    """Fig. 6. With per-sample BatchNorm the sectors follow from the architecture for any weights, so the test
    is eval mode, against baselines that lack them: the direction of z carries the evaluator's label (Theil's
    uncertainty coefficient U >= 0.5), by >= 0.2 more than for an untrained G and than the length of z does.
    Fewer than five digits at the selected snapshot is no fan of sectors. A plain "holds" needs all ten digits
    at the selected and the last snapshot, and the first layer's learned weights to matter (the selected G
    with that layer shuffled, still a bias-free linear map of z, carrying >= 0.2 less)."""
    sel, rad = _carries(m, "selected", "angle"), _carries(m, "selected", "radius")
    untrained, shuffled = _carries(m, "untrained", "angle"), _carries(m, "shuffled", "angle")
    cov_sel, cov_last = m["evaluator_coverage_selected"], m["evaluator_coverage_last"]
    if cov_sel < 5:
        return FAILS, f"the evaluator finds only {cov_sel} digits at the selected snapshot: no fan of sectors"
    if sel < 0.5 or sel - untrained < 0.2 or sel - rad < 0.2:
        return FAILS, (f"in eval mode the direction carries U = {sel:.2f} of the label, against {untrained:.2f} for an "
                       f"untrained G and {rad:.2f} for the length")
    caveats = []
    if cov_sel < 10 or cov_last < 10:
        caveats.append(f"the evaluator finds {cov_sel} digits at the selected snapshot (epoch {m['selected_epoch']:.1f}; "
                       f"the map's classifier {m['coverage_final']}) and {cov_last} at the last one")
    if sel - shuffled < 0.2:
        caveats.append(f"a shuffled first layer keeps U = {shuffled:.2f}: the sectors come from the bias-free linear "
                       "first layer and the later layers, hardly from the first layer's learned weights")
    lead = f"in eval mode the direction carries U = {sel:.2f} of the label (untrained {untrained:.2f}, length {rad:.2f})"
    if not caveats:
        return HOLDS, lead + "; all ten digits"
    return CAVEAT, lead + ", but " + "; ".join(caveats)


SCALES = ("0.25", "0.5", "2.0", "4.0")


def rule_scale(m: Metrics) -> Verdict:
    """Fig. 7: G(a p) = G(p): labels kept (>= 95%) and pixels unchanged (< 0.01) for every a."""
    exact = all(m[f"scale_per_sample_a{a}_label_agreement"] >= 0.95 and m[f"scale_per_sample_a{a}_pixel_diff"] < 0.01
                for a in SCALES)
    if not exact:
        return FAILS, "G(a p) differs from G(p) even with per-sample BatchNorm"
    if all(m[f"scale_eval_a{a}_label_agreement"] >= 0.95 for a in SCALES):
        return HOLDS, "the same image for every a, in both BatchNorm modes"
    untrained = m["direction_carries.per-sample.untrained.scale_diff"]
    why = (f"by construction (an untrained G: pixel diff {untrained:.1e})" if untrained < 0.01
           else "though not for an untrained G")
    return CAVEAT, (f"exact only with per-sample BatchNorm (how the authors ran G), {why}; in eval mode a = 2 keeps "
                    f"{pct(m['scale_eval_a2.0_label_agreement'], 0)} of the labels")


def rule_circle(m: Metrics) -> Verdict:
    """Fig. 8: round a circle all ten digits appear, once each (10 label changes)."""
    if m["circle_distinct_labels"] < 10:
        return FAILS, f"only {m['circle_distinct_labels']} digits round the circle"
    if m["circle_label_changes"] > 10:
        return CAVEAT, (f"all ten digits, but {m['circle_label_changes']} label changes: some digits own several "
                        "arcs (the authors' points were at radius 1, not 2)")
    return HOLDS, "each digit once round the circle"


def rule_tsne(m: Metrics) -> Verdict:
    """Claim 7: for 16- and 100-dim noise the t-SNE map's k-NN label agreement is >= 2x chance and keeps >= 0.9
    of the raw noise's (t-SNE shows what is there); <= 1.2x chance for either size: it shows nothing. The
    cross-validated linear probe (against the same probe on shuffled labels) says whether labels are there."""
    ratio = {nz: m[f"knn_nz{nz}_tsne"] / m[f"knn_nz{nz}_chance"] for nz in (16, 100)}
    kept = {nz: m[f"knn_nz{nz}_tsne"] / m[f"knn_nz{nz}_raw"] for nz in (16, 100)}
    probe = "; linear probe " + ", ".join(f"{m[f'knn_nz{nz}_probe']:.2f} vs {m[f'knn_nz{nz}_probe_shuffled']:.2f} "
                                          f"shuffled ({nz}-dim)" for nz in (16, 100))
    weakest = min(ratio, key=ratio.get)
    if ratio[weakest] <= 1.2:
        return FAILS, f"t-SNE shows no more label structure than chance for {weakest}-dim noise" + probe
    if min(ratio.values()) >= 2 and min(kept.values()) >= 0.9:
        return HOLDS, "clusters well above chance in 16 and 100 dimensions, as strong as in the raw noise" + probe
    return CAVEAT, (f"clusters above chance ({ratio[16]:.1f}x and {ratio[100]:.1f}x), t-SNE keeping {kept[16]:.0%} / "
                    f"{kept[100]:.0%} of the raw noise's k-NN agreement" + probe)


def rule_msn(m: Metrics) -> Verdict:
    """Fig. 9: MSN is precise by the evaluator (>= 0.95; a digit it cannot make counts as a failure) for all
    ten digits, with little variety (< 0.5 of real, in the evaluator's features); precise for >= 5: a caveat."""
    div, precise, own = m["msn_diversity_eval_mean"], m["msn_classes_precise"], m["msn_precise_map"]
    if div is None or div >= 0.5:
        return FAILS, "MSN makes no digit, or its images are not low in variety"
    if precise == 10:
        return HOLDS, (f"precise for all ten digits by the evaluator; variety {div:.2f} of real handwriting "
                       "(with per-sample BatchNorm close to none)")
    reason = (f"precise by the evaluator for {precise} of ten digits (MSN makes {m['msn_classes']}; the map's own "
              f"classifier calls {own} precise)")
    return (CAVEAT if precise >= 5 else FAILS), reason


def rule_labeled(m: Metrics) -> Verdict:
    """Figs. 10-11: labeled noise more varied than MSN (the evaluator's features) for most digits both make,
    precision by the evaluator over all ten digits (0 where a method cannot make one) within 0.15 of MSN's
    and at least 0.5 (most images show the requested digit), and the notebook's targets (precision >= 0.95,
    more varied for >= 8 digits) met."""
    gap = m["msn_precision_eval_mean"] - m["labeled_precision_eval_mean"]
    unmet = [k for k, ok in m["targets_met"].items() if not ok and not k.startswith("MSN")]
    also = f"; target not met: {'; '.join(unmet)}" if unmet else ""
    if m["labeled_precision_eval_mean"] < 0.5:
        return FAILS, (f"labeled noise draws the requested digit for {pct(m['labeled_precision_eval_mean'], 0)} of the "
                       f"images (the evaluator, all ten digits; it makes {m['labeled_classes']}){also}")
    if m["compared_classes"] == 0 or m["labeled_more_diverse"] * 2 <= m["compared_classes"] or gap > 0.15:
        return FAILS, (f"not more varied than MSN, or far less precise (the evaluator, all ten digits: "
                       f"{m['labeled_precision_eval_mean']:.2f} vs {m['msn_precision_eval_mean']:.2f}; labeled noise "
                       f"makes {m['labeled_classes']} digits){also}")
    if unmet or m["labeled_classes"] < 10:
        return CAVEAT, (f"more varied and slightly less precise, but labeled noise makes {m['labeled_classes']} digits; "
                        f"target not met: {'; '.join(unmet) or 'none'}")
    return HOLDS, "more varied, slightly less precise, for all ten digits"


def rule_criterion_trend(m: Metrics) -> Verdict:
    """Fig. 12: the criterion is lower in the second half of training; clearly so if |r(epoch)| >= 0.5."""
    if m["criterion_paper_second_half"] >= m["criterion_paper_first_half"]:
        return FAILS, "the criterion does not decrease"
    if abs(m["criterion_paper_epoch_correlation"]) < 0.5:
        return CAVEAT, (f"it decreases, but noisily (correlation with epoch "
                        f"{m['criterion_paper_epoch_correlation']:+.2f}); it jumps between neighbouring snapshots")
    return HOLDS, "it decreases steadily over training"


def rule_criterion_loss(m: Metrics) -> Verdict:
    """Fig. 12 / code: trained as a loss, the criterion gives, by the evaluator, more digits or a clearly (> 10%)
    lower FD, losing neither, and both generators beat an untrained one's FD.

    Never plain "holds": the authors' form had no gradient, only a rewrite can train."""
    p_fd, c_fd, u_fd = m["evaluator.plain.fd"], m["evaluator.criterion.fd"], m["evaluator.untrained.fd"]
    p_cov, c_cov = m["evaluator.plain.classes_covered"], m["evaluator.criterion.classes_covered"]
    if max(p_fd, c_fd) >= u_fd:
        return FAILS, "by the evaluator's FD a generator is no better than an untrained one"
    if c_cov < p_cov or c_fd > 1.1 * p_fd:
        return FAILS, "as a loss it cost digits or sample quality (the evaluator)"
    if c_cov == p_cov and c_fd >= 0.9 * p_fd:
        return FAILS, "as a loss it changed neither the digits covered nor the FD clearly (the evaluator)"
    return CAVEAT, ("only in our differentiable form (the authors' score never reached the generator's "
                    "gradient), and on one seed")


#: the evaluator's margins for "better": FD at least 10% lower (relative), the sure share at least 0.05
#: higher (or, as supporting numbers, sure share and coverage not more than 0.05 lower): a hair decides
#: nothing. Precision is shown, never decisive: uniform noise, whose evaluator features are all zero,
#: scores a precision near 1 (it lands in the wide k-NN ball of some odd real image).
FD_MARGIN, SHARE_MARGIN = 0.10, 0.05


def _ev(model: str, key: str, notebook: str = "") -> str:
    """The metrics key of the evaluator's ``key`` for the image set ``model`` (in ``notebook``'s file)."""
    return f"{notebook + '/' if notebook else ''}evaluator.{model}.{key}"


def _ev_keys(model: str, notebook: str = "",
             keys: tuple[str, ...] = ("fd", "precision", "coverage", "sure_share")) -> tuple[str, ...]:
    return tuple(_ev(model, k, notebook) for k in keys)


def _ev_row(m: Metrics, model: str, notebook: str = "") -> str:
    return (f"{m[_ev(model, 'fd', notebook)]:.3g} / {m[_ev(model, 'sure_share', notebook)]:.3f} / "
            f"{m[_ev(model, 'coverage', notebook)]:.3f} / {m[_ev(model, 'precision', notebook)]:.3f}")


def _clearly_better(m: Metrics, a: tuple[str, str], b: tuple[str, str], names: tuple[str, str]) -> Verdict:
    """``a`` = (set, notebook) better than ``b`` by the evaluator: FD at least :data:`FD_MARGIN` lower decides;
    sure share and coverage, the supporting numbers, must not be more than :data:`SHARE_MARGIN` lower."""
    fd_a, fd_b = m[_ev(a[0], "fd", a[1])], m[_ev(b[0], "fd", b[1])]
    if not fd_a < (1 - FD_MARGIN) * fd_b:
        gain = 1 - fd_a / fd_b
        return FAILS, (f"the evaluator's FD is not clearly lower for the {names[0]} ({pct(abs(gain), 0)} "
                       f"{'lower' if gain > 0 else 'higher'}, threshold {pct(FD_MARGIN, 0)})")
    worse = [label for key, label in (("sure_share", "sure share"), ("coverage", "coverage"))
             if m[_ev(a[0], key, a[1])] < m[_ev(b[0], key, b[1])] - SHARE_MARGIN]
    if worse:
        return CAVEAT, (f"the evaluator's FD is {pct(1 - fd_a / fd_b, 0)} lower for the {names[0]}, but its "
                        f"{' and '.join(worse)} {'is' if len(worse) == 1 else 'are'} lower than the {names[1]}'s")
    return HOLDS, (f"the evaluator's FD is {pct(1 - fd_a / fd_b, 0)} lower for the {names[0]} (threshold "
                   f"{pct(FD_MARGIN, 0)}), sure share and coverage no lower")


def rule_gan_vs_pca(m: Metrics) -> Verdict:
    """004: the GAN beats PCA with a uniform latent by the evaluator: FD at least 10% lower and sure share
    at least 0.05 higher."""
    fd = m[_ev("mlp_gan", "fd")] < (1 - FD_MARGIN) * m[_ev("pca_uniform", "fd")]
    sure = m[_ev("mlp_gan", "sure_share")] > m[_ev("pca_uniform", "sure_share")] + SHARE_MARGIN
    if fd and sure:
        return HOLDS, (f"the evaluator's FD at least {pct(FD_MARGIN, 0)} lower and sure share at least "
                       f"{SHARE_MARGIN} higher than PCA's")
    if fd or sure:
        return CAVEAT, (f"better on the evaluator's {'FD' if fd else 'sure share'} only, not on its "
                        f"{'sure share' if fd else 'FD'} (margins {pct(FD_MARGIN, 0)} / {SHARE_MARGIN})")
    return FAILS, "not clearly better than PCA on the evaluator's FD or sure share"


def rule_dcgan_vs_mlp(m: Metrics) -> Verdict:
    """004: DCGAN (02, conv head) beats the MLP GAN (01) by the evaluator, both runs with the same seed,
    samples and test images: FD at least 10% lower, sure share and coverage no lower (0.05)."""
    same = (m["seed"] == m[f"{NB01}/seed"] and m["n_eval"] == m[f"{NB01}/n_eval"]
            and m[_ev("conv", "n_fake")] == m[_ev("mlp_gan", "n_fake", NB01)])
    if not same:
        return FAILS, "not comparable: notebooks 01 and 02 ran with other seeds, samples or test images"
    return _clearly_better(m, ("conv", ""), ("mlp_gan", NB01), ("DCGAN", "MLP GAN"))


def rule_fc_head(m: Metrics) -> Verdict:
    """001: the fc head gives a clearly better generator than DCGAN's conv head by the evaluator: FD at
    least 10% lower, sure share and coverage no lower (0.05)."""
    verdict, reason = _clearly_better(m, ("fc", ""), ("conv", ""), ("fc head", "conv head"))
    if verdict == FAILS:
        return FAILS, f"{reason} on {m['dataset']}; the blog's premise was a weak D, on birds"
    return verdict, reason


def rule_interpolation(m: Metrics) -> Verdict:
    """003: a walk between two codes changes the image gradually: in every walk, no single step carries half
    of the walk's end-to-end change (an even walk of 10 images: 11% per step; one jump: about 100%). The mean
    step, the rule before, passes a walk with a single jump: it averages the jump over all steps."""
    if m["interp_max_step_share"] >= 0.5:
        return FAILS, (f"a walk jumps: one step carries {pct(m['interp_max_step_share'], 0)} of its end-to-end "
                       "change")
    return HOLDS, (f"the image changes gradually (no step above {pct(m['interp_max_step_share'], 0)} of its walk's "
                   "change); slerp keeps the norm lerp loses")


AUTHORS_MISSING = (1, 7, 8)   # digits (almost) absent from the authors' shipped label map (notes)


def rule_range_bug(m: Metrics) -> Verdict:
    """Authors' code: the [-3, 1] inputs make >= 2 digits vanish (< 2% of the labels, present with [0, 1]) from
    the 2-dim map, the authors' kind of map. A plain "holds" when at least two of them are the authors' missing
    1, 7, 8 and the wrong range also costs > 20 points of accuracy on real digits."""
    lost = m["range_nz2_lost"]
    names = ", ".join(str(c) for c in lost) or "none"
    drop = m["range_acc_right"] - m["range_acc_wrong"]
    if len(lost) < 2:
        return FAILS, f"the wrong range makes {len(lost)} digit(s) vanish from the 2-dim map ({names})"
    caveats = []
    if m["range_nz2_lost_of_authors"] < 2:
        caveats.append(f"not the authors' 1, 7, 8 ({m['range_nz2_lost_of_authors']} of them): which ones go depends on "
                       "the classifier")
    if drop <= 0.2:
        caveats.append(f"real-digit accuracy drops by only {100 * drop:.0f} points")
    if not caveats:
        return HOLDS, f"the wrong range, not the generator, makes digits vanish ({names}), as in the authors' map"
    return CAVEAT, f"the wrong range makes digits vanish ({names}), but " + "; ".join(caveats)


def rule_background(m: Metrics) -> Verdict:
    """001: D's 'fake' evidence lies on the background (< 0.8 of a blind map's stroke share) for both heads, by
    the exact attribution of the linear head (weight x activation, which sums to the logit). Grad-CAM, the
    blog's method, is reported beside it, never decisive: on a linear head its channel weights are one fixed
    mix for every image."""
    seen = [m["looks_at.conv"], m["looks_at.fc"]]
    blog = f"Grad-CAM reads {m['looks_at_gradcam.conv']} / {m['looks_at_gradcam.fc']}"
    if seen == ["background", "background"]:
        return HOLDS, f"both heads' 'fake' evidence avoids the strokes, by the exact attribution ({blog})"
    if "background" in seen:
        return CAVEAT, f"one head's 'fake' evidence lies on the background, by the exact attribution ({blog})"
    return FAILS, (f"on MNIST no head's 'fake' evidence lies on the background, by the exact attribution (conv: "
                   f"{seen[0]}, fc: {seen[1]}; {blog})")


GRADCAM_MAPS = ("conv_gradcam", "conv_gradcam++", "fc_gradcam", "fc_gradcam++")


def rule_sanity(m: Metrics) -> Verdict:
    """Adebayo sanity check, both halves: the maps of a re-initialised D differ (median rank correlation < 0.5),
    and the trained D's maps differ from image to image (median rank correlation between two images' maps
    < 0.8): one map drawn on every image also differs from a random D's, and shows nothing of the image.
    Maps empty for nearly every image give no cross-image number (NaN): that fails too."""
    worst = max(m[f"sanity_rank_corr.{k}"] for k in GRADCAM_MAPS)
    cross = {k: m[f"cross_image_rank_corr.{k}"] for k in GRADCAM_MAPS}
    same = [k for k, v in cross.items() if not isinstance(v, (int, float)) or v != v or v >= 0.8]
    if worst >= 0.5:
        return FAILS, "a random D draws similar maps: they show the image, not D"
    if same:
        return FAILS, (f"the maps differ from a random D's, but {', '.join(same)} draws (nearly) the same map on every "
                       "image, or none at all")
    return HOLDS, ("the maps depend on what D learned and on the image (largest cross-image correlation "
                   f"{max(cross.values()):+.2f})")


def rule_infogan(m: Metrics) -> Verdict:
    """002: InfoGAN's categorical code groups digits (notebook target met) in a permuted order (labels:
    the independent evaluator's)."""
    if not m["targets_met.infogan_hungarian"]:
        if m["infogan_hungarian"] > m["plain_hungarian"] + 0.1:
            return CAVEAT, "the code groups digits better than a plain GAN's, but below the notebook's target"
        return FAILS, "the code does not group digits better than a plain GAN's"
    if m["infogan_identity"] >= m["infogan_hungarian"] - 0.05:
        return CAVEAT, "groups learned, but in (nearly) digit order, not permuted"
    return HOLDS, "digit groups without labels, in a permuted order"


def rule_acgan(m: Metrics) -> Verdict:
    """002: with labels ACGAN draws the requested digit (notebook target: identity accuracy >= 0.95, by the
    independent evaluator's labels)."""
    if m["targets_met.acgan_identity"]:
        return HOLDS, "the requested digit, in order"
    if m["acgan_identity"] >= 0.8:
        return CAVEAT, "mostly the requested digit, below the notebook's target"
    return FAILS, "the labels do not fix the order"


def rule_continuous(m: Metrics) -> Verdict:
    """InfoGAN paper: one continuous code tracks slant (rotation), another width, |rho| >= 0.5 and above
    the plain GAN's best |rho|."""
    found = {c["measure"] for c in (m["continuous_controls.c2"], m["continuous_controls.c3"])
             if abs(c["rho"]) >= 0.5 and abs(c["rho"]) > m["plain_max_abs_rho"]}
    if {"slant", "width"} <= found:
        return HOLDS, "one code for slant, one for width"
    if found & {"slant", "width"}:
        return CAVEAT, f"only {', '.join(sorted(found))} is captured clearly (|rho| >= 0.5 and above the plain GAN's)"
    best = max((m["continuous_controls.c2"], m["continuous_controls.c3"]), key=lambda c: abs(c["rho"]))
    if abs(best["rho"]) > m["plain_max_abs_rho"]:
        return FAILS, (f"the codes move the images more than a plain GAN's noise (best: {best['measure']}, rho "
                       f"{best['rho']:+.2f} vs {m['plain_max_abs_rho']:.2f}), but no code tracks slant or width with "
                       "|rho| >= 0.5")
    return FAILS, (f"no code tracks slant or width beyond a plain GAN's noise (best |rho| {abs(best['rho']):.2f} vs "
                   f"{m['plain_max_abs_rho']:.2f})")


def _controls(m: Metrics) -> str:
    return ", ".join(f"{c} -> {m[f'continuous_controls.{c}']['measure']} (rho {m[f'continuous_controls.{c}']['rho']:+.2f})"
                     for c in ("c2", "c3")) + f"; plain GAN's best |rho| {m['plain_max_abs_rho']:.2f}"


PAPER = "guided-GAN paper (000)"
CLAIMS: tuple[Claim, ...] = (
    Claim("P1", f"{PAPER}, claim 1 (Figs. 1-2)",
          "With 16-dim noise, changing one element (set to 0, or halved) changes the image smoothly",
          NB03, ("fig2_one_element_zeroed.png", "fig2_one_element_halved.png", "fig2_many_bases.png"),
          ("fig2_n_bases",) + tuple(f"fig2_many_{k}_{s}" for k in ("zeroed", "halved", "random_zeroed", "random_halved",
                                                                  "unrelated") for s in ("rms", "same_label")),
          lambda m: (f"over {m['fig2_n_bases']} base vectors: RMS change {m['fig2_many_zeroed_rms']:.3f} (zeroed) / "
                     f"{m['fig2_many_halved_rms']:.3f} (halved) vs {m['fig2_many_random_zeroed_rms']:.3f} / "
                     f"{m['fig2_many_random_halved_rms']:.3f} for a random change of the same length and "
                     f"{m['fig2_many_unrelated_rms']:.3f} for an unrelated vector; label kept "
                     f"{pct(m['fig2_many_zeroed_same_label'], 0)} / {pct(m['fig2_many_halved_same_label'], 0)} (random: "
                     f"{pct(m['fig2_many_random_zeroed_same_label'], 0)} / {pct(m['fig2_many_random_halved_same_label'], 0)}; "
                     f"unrelated {pct(m['fig2_many_unrelated_same_label'], 0)})"),
          rule_one_element,
          stat=Stat("label kept, worse of zeroed / halved",
                    lambda m: min(m["fig2_many_zeroed_same_label"], m["fig2_many_halved_same_label"]), ".2f")),
    Claim("P2", f"{PAPER}, claim 2 (Fig. 3)",
          "noise -> generator -> classifier -> label gives m = 6000 (noise, label) pairs",
          NB03, ("fig3_label_shares.png", "noise_label_pairs_nz2.png"),
          tuple(f"nz{nz}_{k}" for nz in NOISE_DIMS for k in ("classes_over_2pct", "eval_classes_over_2pct",
                                                             "label_agreement")) +
          ("range_missing_classes_wrong", "nz2_last_eval_classes_over_2pct"),
          lambda m: ("digits with >= 2% of the labels, the evaluator's (the map's classifier's): " + ", ".join(
              f"{m[f'nz{nz}_eval_classes_over_2pct']} ({m[f'nz{nz}_classes_over_2pct']}) {nz}-dim" for nz in NOISE_DIMS)
              + f"; 2-dim, last snapshot: {m['nz2_last_eval_classes_over_2pct']}"
              + "; same label " + " / ".join(pct(m[f"nz{nz}_label_agreement"], 0) for nz in NOISE_DIMS)),
          rule_pipeline,
          stat=Stat("digits by the evaluator, fewest over 2/16/100-dim", lambda m: min(m[f"nz{nz}_eval_classes_over_2pct"] for nz in NOISE_DIMS), ".0f")),
    Claim("P3", f"{PAPER}, claim 3 (Figs. 4-5)",
          "the CNN classifier (2 conv + 1 FC layer) reaches > 98.5% test accuracy",
          NB03, ("fig5_classifier_training.png",),
          ("classifier_test_acc", "n_test", "classifier_epochs"),
          lambda m: f"{pct(m['classifier_test_acc'], 2)} on {m['n_test']:,} test digits ({m['classifier_epochs']} epochs)",
          rule_classifier,
          stat=Stat("test accuracy", lambda m: m["classifier_test_acc"], ".4f")),
    Claim("P4", f"{PAPER}, claim 4 (Fig. 6)",
          "with 2-dim noise, the points of one label gather in a sector",
          NB04, ("fig6_noise_scatter_epochs.png", "sector_purity_over_training.png", "sectors_judged_by_evaluator.png",
                 "direction_vs_length.png"),
          ("evaluator_purity_selected", "evaluator_coverage_selected", "evaluator_coverage_last", "coverage_final",
           "coverage_last_snapshot", "selected_epoch")
          + tuple(f"direction_carries.eval.{g}.angle" for g in ("selected", "last", "untrained", "shuffled"))
          + ("direction_carries.eval.selected.radius",),
          lambda m: (f"eval mode, the evaluator's labels: the direction carries U = {_carries(m, 'selected', 'angle'):.2f} "
                     f"(last snapshot {_carries(m, 'last', 'angle'):.2f}; untrained {_carries(m, 'untrained', 'angle'):.2f}, "
                     f"first layer shuffled {_carries(m, 'shuffled', 'angle'):.2f}), the length "
                     f"{_carries(m, 'selected', 'radius'):.2f}; per sample, purity {m['evaluator_purity_selected']:.3f} "
                     f"by construction; the evaluator finds {m['evaluator_coverage_selected']}/10 digits at the selected "
                     f"snapshot (epoch {m['selected_epoch']:.1f}), {m['evaluator_coverage_last']}/10 at the last (the map's "
                     f"classifier: {m['coverage_final']}, {m['coverage_last_snapshot']})"),
          rule_sectors, data_from=NB03,
          stat=Stat("eval mode: U of the direction", lambda m: _carries(m, "selected", "angle"), ".2f")),
    Claim("P5", f"{PAPER}, claim 5 (Fig. 7)",
          "G(a p) and G(p), a > 0, are the same image: only the angle matters",
          NB04, ("fig7_scale_invariance.png",),
          tuple(f"scale_{mode}_a{a}_{k}" for mode in ("per_sample", "eval") for a in SCALES
                for k in ("label_agreement", "pixel_diff")) + ("direction_carries.per-sample.untrained.scale_diff",),
          lambda m: (f"a = 2: labels kept {pct(m['scale_per_sample_a2.0_label_agreement'])}, pixel diff "
                     f"{m['scale_per_sample_a2.0_pixel_diff']:.1e} (per-sample BatchNorm); "
                     f"{pct(m['scale_eval_a2.0_label_agreement'])}, {m['scale_eval_a2.0_pixel_diff']:.3f} (eval mode); "
                     f"an untrained G, per sample: pixel diff {m['direction_carries.per-sample.untrained.scale_diff']:.1e}"),
          rule_scale, data_from=NB03,
          stat=Stat("labels kept at a = 2, eval mode", lambda m: m["scale_eval_a2.0_label_agreement"], ".2f")),
    Claim("P6", f"{PAPER}, claim 6 (Fig. 8)",
          "40 points round a circle give 40 representative images going round the digits",
          NB04, ("fig8_circle_of_40.png",),
          ("circle_distinct_labels", "circle_label_changes", "circle_radius_agreement_per_sample",
           "direction_carries.per-sample.untrained.coverage"),
          lambda m: (f"{m['circle_distinct_labels']} distinct digits, {m['circle_label_changes']} label changes; radius 1 vs 2 "
                     f"agree on {pct(m['circle_radius_agreement_per_sample'], 0)} (per sample, by construction); an untrained "
                     f"G shows {m['direction_carries.per-sample.untrained.coverage']} digit(s) on the whole plane"),
          rule_circle, data_from=NB03,
          stat=Stat("label changes round the circle", lambda m: m["circle_label_changes"], ".0f")),
    Claim("P7", f"{PAPER}, claim 7",
          "t-SNE of higher-dim noise coloured by label shows the same clustering",
          NB04, ("tsne_noise_by_label.png",),
          tuple(f"knn_nz{nz}_{k}" for nz in (16, 100) for k in ("tsne", "chance", "raw", "probe", "probe_shuffled")),
          lambda m: (f"k-NN label agreement in t-SNE {m['knn_nz16_tsne']:.2f} (16-dim) / {m['knn_nz100_tsne']:.2f} "
                     f"(100-dim) vs chance {m['knn_nz16_chance']:.2f} / {m['knn_nz100_chance']:.2f} and raw noise "
                     f"{m['knn_nz16_raw']:.2f} / {m['knn_nz100_raw']:.2f}; linear probe (5-fold) {m['knn_nz16_probe']:.2f} / "
                     f"{m['knn_nz100_probe']:.2f} vs shuffled labels {m['knn_nz16_probe_shuffled']:.2f} / "
                     f"{m['knn_nz100_probe_shuffled']:.2f}"),
          rule_tsne, data_from=NB03,
          stat=Stat("16-dim t-SNE k-NN agreement / chance", lambda m: m["knn_nz16_tsne"] / m["knn_nz16_chance"], ".2f")),
    Claim("P8", f"{PAPER}, claim 8 (Fig. 9)",
          "MSN (noise on a sector's middle line) gives precise images with little variety",
          NB05, ("fig9_sector_middle_lines.png", "fig9_msn_samples.png", "msn_vs_labeled_precision_diversity.png"),
          ("msn_precision_eval_mean", "msn_classes_precise", "msn_classes", "msn_precise_map", "msn_precision_map_mean",
           "msn_diversity_eval_mean"),
          lambda m: (f"precision by the evaluator {m['msn_precision_eval_mean']:.3f} over ten digits, "
                     f"{m['msn_classes_precise']}/10 >= 0.95 (the map's classifier: {m['msn_precision_map_mean']:.3f}, "
                     f"{m['msn_precise_map']}/10); variety "
                     + ("n/a" if m["msn_diversity_eval_mean"] is None else f"{m['msn_diversity_eval_mean']:.2f}")
                     + " of real"),
          rule_msn, data_from=NB03,
          stat=Stat("digits MSN draws precisely (evaluator)", lambda m: m["msn_classes_precise"], ".0f")),
    Claim("P9", f"{PAPER}, claim 9 (Figs. 10-11)",
          "labeled noise filtered by Pearson score: more variety, slightly less precise than MSN",
          NB05, ("fig10_pearson_thresholds.png", "fig11_labeled_noise_filter.png", "msn_vs_labeled_precision_diversity.png"),
          ("labeled_precision_eval_mean", "msn_precision_eval_mean", "labeled_more_diverse", "compared_classes",
           "labeled_classes", "labeled_diversity_eval_mean", "msn_diversity_eval_mean", "targets_met"),
          lambda m: (f"precision by the evaluator {m['labeled_precision_eval_mean']:.3f} vs MSN "
                     f"{m['msn_precision_eval_mean']:.3f} over ten digits (labeled noise makes {m['labeled_classes']}); "
                     f"more varied for {m['labeled_more_diverse']}/{m['compared_classes']} digits both make"),
          rule_labeled, data_from=NB03,
          stat=Stat("labeled-noise precision (evaluator)", lambda m: m["labeled_precision_eval_mean"], ".2f")),
    Claim("P10a", f"{PAPER}, claim 10 (Fig. 12)",
          "the generator criterion decreases during training",
          NB05, ("fig12_criterion_over_training.png",),
          ("criterion_paper_first_half", "criterion_paper_second_half", "criterion_paper_epoch_correlation"),
          lambda m: (f"{m['criterion_paper_first_half']:.3f} (first half) -> {m['criterion_paper_second_half']:.3f} "
                     f"(second half); correlation with epoch {m['criterion_paper_epoch_correlation']:+.2f}"),
          rule_criterion_trend, data_from=NB03,
          stat=Stat("correlation with epoch", lambda m: m["criterion_paper_epoch_correlation"], "+.2f")),
    Claim("P10b", f"{PAPER}, claim 10 (Fig. 12)",
          "the criterion \"can be used as a loss function\"",
          NB05, ("criterion_loss_experiment.png",),
          ("evaluator.plain.fd", "evaluator.criterion.fd", "evaluator.untrained.fd", "evaluator.floor.fd",
           "evaluator.plain.classes_covered", "evaluator.criterion.classes_covered"),
          lambda m: (f"by the evaluator: classes covered {m['evaluator.plain.classes_covered']} -> "
                     f"{m['evaluator.criterion.classes_covered']}, FD {m['evaluator.plain.fd']:.3g} -> "
                     f"{m['evaluator.criterion.fd']:.3g} (plain -> with criterion; untrained {m['evaluator.untrained.fd']:.3g}, "
                     f"floor {m['evaluator.floor.fd']:.3g})"),
          rule_criterion_loss, data_from=NB03,
          stat=Stat("FD with criterion / plain", lambda m: m["evaluator.criterion.fd"] / m["evaluator.plain.fd"], ".2f")),
    Claim("A1", "authors' code (notes)",
          "the classifier fed [-3, 1] instead of [0, 1] makes digits vanish from the label map",
          NB03, ("range_mismatch.png", "range_mismatch_nz2.png"),
          ("range_acc_right", "range_acc_wrong", "range_missing_classes_wrong", "range_nz2_lost", "range_nz2_lost_of_authors"),
          lambda m: (f"real-digit accuracy {pct(m['range_acc_right'])} -> {pct(m['range_acc_wrong'])}; digits lost from the "
                     f"2-dim map: {', '.join(str(c) for c in m['range_nz2_lost']) or 'none'} ({m['range_nz2_lost_of_authors']} "
                     f"of the authors' 1, 7, 8); the 100-dim DCGAN's labels: {m['range_missing_classes_wrong']} digits "
                     "under 2%"),
          rule_range_bug,
          stat=Stat("digits lost from the 2-dim map with [-3, 1] inputs", lambda m: len(m["range_nz2_lost"]), ".0f")),
    Claim("S1", "student paper (004)",
          "a GAN generates better digits than PCA with a uniform latent (100 components)",
          NB01, ("evaluator_quality.png", "pca_samples.png", "mlp_gan_samples.png"),
          _ev_keys("mlp_gan") + _ev_keys("pca_uniform") + _ev_keys("floor"),
          lambda m: (f"evaluator FD / sure share / coverage / precision: {_ev_row(m, 'mlp_gan')} (GAN) vs "
                     f"{_ev_row(m, 'pca_uniform')} (PCA); floor {_ev_row(m, 'floor')}"),
          rule_gan_vs_pca,
          stat=Stat("FD, GAN / PCA", lambda m: m[_ev("mlp_gan", "fd")] / m[_ev("pca_uniform", "fd")], ".2f")),
    Claim("S2", "student paper (004)",
          "DCGAN generates better digits than the MLP GAN",
          NB02, ("evaluator_quality.png", "dcgan_samples_across_epochs.png", f"{NB01}/mlp_gan_samples.png"),
          _ev_keys("conv", keys=("fd", "precision", "coverage", "sure_share", "n_fake")) + _ev_keys("floor")
          + _ev_keys("mlp_gan", NB01, keys=("fd", "precision", "coverage", "sure_share", "n_fake"))
          + ("seed", "n_eval", f"{NB01}/seed", f"{NB01}/n_eval"),
          lambda m: (f"evaluator FD / sure share / coverage / precision: {_ev_row(m, 'conv')} (DCGAN) vs "
                     f"{_ev_row(m, 'mlp_gan', NB01)} (MLP GAN, notebook 01); floor {_ev_row(m, 'floor')}"),
          rule_dcgan_vs_mlp,
          stat=Stat("FD, DCGAN / MLP GAN", lambda m: m[_ev("conv", "fd")] / m[_ev("mlp_gan", "fd", NB01)], ".2f")),
    Claim("O1", "GAN overview (003)",
          "walking the latent space between two codes morphs one digit into another gradually",
          NB02, ("latent_interpolation.png",),
          ("interp_step_rms", "interp_ends_rms", "interp_max_step_share", "midpoint_norm_lerp", "midpoint_norm_slerp"),
          lambda m: (f"{m['interp_step_rms']:.3f} RMS per step vs {m['interp_ends_rms']:.3f} end to end; largest step "
                     f"{pct(m['interp_max_step_share'], 0)} of its walk's change; midpoint norm "
                     f"{m['midpoint_norm_lerp']:.2f} (lerp) / {m['midpoint_norm_slerp']:.2f} (slerp), sqrt(100) = 10"),
          rule_interpolation,
          stat=Stat("largest step / its walk's change", lambda m: m["interp_max_step_share"], ".2f")),
    Claim("B1", "Grad-CAM blog (001)",
          "a fully connected last layer in D gives a better GAN than DCGAN's conv head",
          NB02, ("conv_vs_fc_samples.png", "evaluator_quality.png", "fc_head_losses.png"),
          _ev_keys("fc") + _ev_keys("conv") + ("dataset",),
          lambda m: (f"evaluator FD / sure share / coverage / precision: {_ev_row(m, 'fc')} (fc head) vs "
                     f"{_ev_row(m, 'conv')} (conv head)"),
          rule_fc_head,
          stat=Stat("FD, fc head / conv head", lambda m: m[_ev("fc", "fd")] / m[_ev("conv", "fd")], ".2f")),
    Claim("B2", "Grad-CAM blog (001)",
          "the attention that makes D say \"fake\" lies on the background",
          NB07, ("gradcam_conv_head_fake.png", "gradcam_fc_head_fake.png", "stroke_shares.png"),
          ("looks_at.conv", "looks_at.fc", "looks_at_gradcam.conv", "looks_at_gradcam.fc", "exact_shares.conv.fake",
           "exact_shares.fc.fake", "shares.conv.fake.fake.gradcam", "shares.fc.fake.fake.gradcam",
           "stroke_area.conv", "stroke_area.fc"),
          lambda m: (f"'fake' evidence on the strokes of generated digits, exact attribution "
                     f"{pct(m['exact_shares.conv.fake'], 0)} (conv) / {pct(m['exact_shares.fc.fake'], 0)} (fc), "
                     f"Grad-CAM {pct(m['shares.conv.fake.fake.gradcam'], 0)} / {pct(m['shares.fc.fake.fake.gradcam'], 0)}; "
                     f"strokes cover {pct(m['stroke_area.conv'], 0)} / {pct(m['stroke_area.fc'], 0)}"),
          rule_background, data_from=NB02,
          stat=Stat("exact 'fake' evidence on strokes / their area, conv head",
                    lambda m: m["exact_shares.conv.fake"] / m["stroke_area.conv"], ".2f")),
    Claim("B3", "Grad-CAM blog (001), sanity check",
          "the Grad-CAM maps show what D learned (a re-initialised D draws other maps)",
          NB07, ("sanity_check_random_d.png",),
          tuple(f"sanity_rank_corr.{k}" for k in GRADCAM_MAPS) + tuple(f"cross_image_rank_corr.{k}" for k in GRADCAM_MAPS),
          lambda m: ("median rank correlation with a re-initialised D: " + ", ".join(
              f"{k} {m['sanity_rank_corr.' + k]:+.2f}" for k in GRADCAM_MAPS) + "; between two images' maps: " + ", ".join(
              f"{k} {m['cross_image_rank_corr.' + k]:+.2f}" for k in GRADCAM_MAPS)),
          rule_sanity, data_from=NB02,
          stat=Stat("largest median rank correlation with a random D", lambda m: max(m[f"sanity_rank_corr.{k}"] for k in GRADCAM_MAPS), "+.2f")),
    Claim("I1", "InfoGAN/ACGAN report (002)",
          "InfoGAN learns digit groups without labels, in a permuted order",
          NB06, ("fig2_code_grids.png", "code_vs_class_tables.png"),
          ("infogan_hungarian", "infogan_identity", "plain_hungarian", "untrained_hungarian",
           "targets_met.infogan_hungarian"),
          lambda m: (f"code as clusterer {pct(m['infogan_hungarian'])} (best mapping) vs {pct(m['infogan_identity'])} "
                     f"(code k = digit k), by the evaluator; plain GAN {pct(m['plain_hungarian'])}, untrained "
                     f"{pct(m['untrained_hungarian'])}"),
          rule_infogan,
          stat=Stat("code as clusterer (Hungarian)", lambda m: m["infogan_hungarian"], ".3f")),
    Claim("I2", "InfoGAN/ACGAN report (002)",
          "with labels (ACGAN) the order is right",
          NB06, ("fig2_code_grids.png", "code_vs_class_tables.png"),
          ("acgan_identity", "acgan_hungarian", "targets_met.acgan_identity"),
          lambda m: (f"requested digit drawn {pct(m['acgan_identity'])} by the evaluator (best mapping "
                     f"{pct(m['acgan_hungarian'])})"),
          rule_acgan,
          stat=Stat("requested digit drawn", lambda m: m["acgan_identity"], ".3f")),
    Claim("I3", "InfoGAN/ACGAN report (002), InfoGAN paper",
          "the continuous codes capture rotation (slant) and width",
          NB06, ("continuous_codes_measured.png",),
          ("continuous_controls.c2", "continuous_controls.c3", "plain_max_abs_rho"),
          _controls, rule_continuous,
          stat=Stat("largest |rho| of c2, c3", lambda m: max(abs(m[f"continuous_controls.{c}"]["rho"]) for c in ("c2", "c3")), ".2f")),
)


# ---- reading metrics and building rows ----

def metrics_path(notebook: str, profile: str, figures: Path = FIGURES) -> Path:
    """Where ``notebook``'s metrics.json of ``profile`` is committed (see helpers.run.NotebookRun)."""
    sub = PROFILE_DIRS[profile]
    return (figures / sub / notebook if sub else figures / notebook) / "metrics.json"


def lookup(metrics: dict[str, Any], key: str, where: str) -> Any:
    """``metrics[key]``, following dots into nested dicts; a clear error naming the file and key if absent."""
    if key in metrics:  # keys may contain dots themselves ("scale_eval_a2.0_pixel_diff")
        return metrics[key]
    value: Any = metrics
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise LedgerError(f"{where} has no key {key!r}")
        value = value[part]
    return value


def load_metrics(notebook: str, profile: str, figures: Path = FIGURES) -> dict[str, Any] | None:
    """A notebook's metrics.json as a dict, or None if it is not committed."""
    path = metrics_path(notebook, profile, figures)
    return json.loads(path.read_text()) if path.is_file() else None


def declared(claim: Claim, profile: str, loader: Callable[[str, str], dict[str, Any] | None]) -> Metrics | None:
    """The claim's declared keys read from the metrics files; None if one of its files is missing."""
    values: dict[str, Any] = {}
    for key in claim.keys:
        notebook, _, name = key.rpartition("/") if "/" in key else (claim.notebook, "", key)
        found = loader(notebook, profile)
        if found is None:
            return None
        values[key] = lookup(found, name, f"{notebook}/metrics.json ({profile})")
    return Metrics(values, claim.id)


def provenance(claim: Claim, profile: str, loader: Callable[[str, str], dict[str, Any] | None]) -> dict[str, Any]:
    """Profile, seed and training data of the claim's run, as its metrics.json (or ``data_from``'s) records them."""
    own = loader(claim.notebook, profile) or {}
    by = claim.notebook if "data_source" in own or claim.data_from is None else claim.data_from
    data = own if by == claim.notebook else loader(by, profile) or {}
    out = {k: lookup(own, k, f"{claim.notebook}/metrics.json ({profile})") for k in ("profile", "seed", "dataset")}
    out.update({k: lookup(data, k, f"{by}/metrics.json ({profile})") for k in ("data_source", "n_train")})
    out["data_recorded_by"] = by
    out["torch"] = own.get("torch", "not recorded")  # the build: the same seed gives other numbers on another
    return out


def build_row(claim: Claim, profile: str, loader: Callable[[str, str], dict[str, Any] | None]) -> dict[str, Any] | None:
    """One ledger row for ``claim`` in ``profile``; None for a paper-profile row without its files."""
    m = declared(claim, profile, loader)
    row: dict[str, Any] = {"id": claim.id, "source": claim.source, "claim": claim.text, "notebook": claim.notebook,
                           "profile": profile, "keys": list(claim.keys)}
    if m is None:
        if profile != "teach":
            return None
        row.update(figures=[], measured="not yet measured", verdict=UNMEASURED,
                   reason=f"{claim.notebook}'s metrics.json is not committed yet", values={}, run=None)
        return row
    verdict, reason = claim.rule(m)
    if verdict not in VERDICTS[:3]:
        raise ValueError(f"claim {claim.id}: rule returned {verdict!r}, not one of {VERDICTS[:3]}")
    sub = PROFILE_DIRS[profile]
    figs = [f if "/" in f else f"{claim.notebook}/{f}" for f in claim.figures]
    row.update(figures=[f"{sub}/{f}" if sub else f for f in figs], measured=claim.measured(m), verdict=verdict,
               reason=reason, values=m.values, run=provenance(claim, profile, loader))
    return row


def _cached_loader(figures: Path) -> Callable[[str, str], dict[str, Any] | None]:
    cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    def loader(notebook: str, profile: str) -> dict[str, Any] | None:
        if (notebook, profile) not in cache:
            cache[notebook, profile] = load_metrics(notebook, profile, figures)
        return cache[notebook, profile]

    return loader


def seed_folders(reproduce: Path = REPRODUCE) -> dict[int, Path]:
    """``{seed: folder}`` of the committed runs of ``make reproduce`` (``seed-<N>/<notebook>/metrics.json``)."""
    found = {}
    for d in sorted(reproduce.glob("seed-*")) if reproduce.is_dir() else []:
        if d.is_dir() and d.name[5:].isdigit():
            found[int(d.name[5:])] = d
    return dict(sorted(found.items()))


def over_seeds(verdicts: list[str], planned: int = PLANNED_SEEDS) -> str:
    """The verdict over seeds from each seed's verdict (HOLDS, CAVEAT or FAILS), ``planned`` seeds in all.

    A test passes in a seed when its rule gives "holds" or "holds with a caveat". Of ``planned`` seeds:
    "holds" when it holds plainly in >= PASS_K, "holds with a caveat" when it passes in >= PASS_K,
    "does not hold" when it passes in <= FAIL_K, "inconclusive" otherwise. With seeds still missing,
    the verdict is given only if no outcome of the missing seeds could change it, else "pending";
    with none at all, "not measured"."""
    if len(verdicts) > planned:
        raise ValueError(f"{len(verdicts)} seed verdicts for {planned} planned seeds")
    if not verdicts:
        return UNMEASURED

    def decide(plain: int, passed: int) -> str:
        if plain >= PASS_K:
            return HOLDS
        if passed >= PASS_K:
            return CAVEAT
        return FAILS if passed <= FAIL_K else INCONCLUSIVE

    plain, passed = verdicts.count(HOLDS), verdicts.count(HOLDS) + verdicts.count(CAVEAT)
    missing = planned - len(verdicts)
    worst, best = decide(plain, passed), decide(plain + missing, passed + missing)
    return worst if worst == best else PENDING


def _reproduce_module() -> Any:
    """scripts/reproduce.py, whose code hash and summary format the ledger reads (one copy of each)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import reproduce

    return reproduce


def _code_hash(notebook: str) -> str | None:
    """The hash ``make reproduce`` records of a notebook's code, None if the notebook is absent."""
    path = ROOT / "notebooks" / f"{notebook}.ipynb"
    return _reproduce_module().code_hash(path) if path.is_file() else None


def stale_in(folder: Path, notebooks: tuple[str, ...] | set[str]) -> list[str]:
    """Those of ``notebooks`` whose run in this seed's ``folder`` used other notebook code than the
    committed one (by ``summary.json`` next to the seed folders; none if there is no summary)."""
    summary_path = folder.parent / "summary.json"
    if not summary_path.is_file():
        return []
    runs = _reproduce_module().load_summary(summary_path)["runs"].get(folder.name, {})
    return sorted(nb for nb in set(notebooks) if runs.get(nb, {}).get("code") != _code_hash(nb))


def stale_notebooks(claim: Claim, folder: Path) -> list[str]:
    """The notebooks the claim reads that :func:`stale_in` finds run by older code in ``folder``."""
    return stale_in(folder, {claim.notebook} | {k.split("/")[0] for k in claim.keys if "/" in k})


def seed_summary(claim: Claim, folders: dict[int, Path]) -> dict[str, Any]:
    """The claim's rule in every seed's run, its :class:`Stat` over the seeds, and the verdict over seeds.
    A seed whose run of a notebook the claim reads used older notebook code is not counted (``stale``):
    the verdict over seeds never mixes versions of the test."""
    per_seed: dict[str, dict[str, Any]] = {}
    stale: list[str] = []
    for seed, folder in folders.items():
        if (folder / claim.notebook / "metrics.json").is_file() and stale_notebooks(claim, folder):
            stale.append(str(seed))
            continue
        loader = _cached_loader(folder)
        m = declared(claim, "teach", loader)
        if m is None:
            continue  # this seed's run has not reached the claim's notebook yet
        recorded = (loader(claim.notebook, "teach") or {}).get("seed")
        if recorded != seed:
            raise LedgerError(f"{folder / claim.notebook / 'metrics.json'} records seed {recorded}, not {seed}")
        verdict, _ = claim.rule(m)
        per_seed[str(seed)] = {"verdict": verdict, "value": None if claim.stat is None else float(claim.stat.value(m))}
    values = sorted(v["value"] for v in per_seed.values() if v["value"] is not None)
    verdicts = [v["verdict"] for v in per_seed.values()]
    out: dict[str, Any] = {"seeds": per_seed, "n": len(per_seed), "planned": PLANNED_SEEDS, "stale": stale,
                           "holds": verdicts.count(HOLDS), "passes": verdicts.count(HOLDS) + verdicts.count(CAVEAT),
                           "verdict": over_seeds(verdicts)}
    if values and claim.stat is not None:
        out.update(stat=claim.stat.label, median=statistics.median(values), min=values[0], max=values[-1],
                   fmt=claim.stat.fmt)
    return out


def build_rows(figures: Path = FIGURES, claims: tuple[Claim, ...] = CLAIMS,
               reproduce: Path | None = REPRODUCE) -> list[dict[str, Any]]:
    """Every claim's row, teach first, then the paper profile's where its metrics are committed. Teach rows
    carry ``seeds``: the claim over the seeds of ``make reproduce`` (none read if ``reproduce`` is None)."""
    loader = _cached_loader(figures)
    folders = seed_folders(reproduce) if reproduce is not None else {}
    rows = []
    for p in PROFILE_DIRS:
        for c in claims:
            row = build_row(c, p, loader)
            if row is None:
                continue
            if p == "teach":
                row["seeds"] = seed_summary(c, folders)
            rows.append(row)
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def seeds_cell(s: dict[str, Any] | None) -> str:
    """The spread over seeds: median [min, max] of the claim's statistic, and how often its test passed."""
    stale = (f"; not counted: seed{'s' if len(s['stale']) > 1 else ''} {', '.join(s['stale'])} (run by older "
             "notebook code)") if s and s.get("stale") else ""
    if s is None or s["n"] == 0:
        return stale[2:] or "—"
    f = s.get("fmt", ".3f")
    spread = f"{s['stat']}: {s['median']:{f}} [{s['min']:{f}}, {s['max']:{f}}]; " if "median" in s else ""
    caveats = s["passes"] - s["holds"]
    with_caveat = f" (+{caveats} with a caveat)" if caveats else ""
    return f"{spread}holds in {s['holds']}{with_caveat} of {s['n']} seeds ({', '.join(s['seeds'])}){stale}"


def render(rows: list[dict[str, Any]]) -> str:
    """The README section: a markdown table, and the verdict counts."""
    lines = ["| # | claim (source) | figure | measured (seed 0: the committed notebooks) | profile · seed · data "
             f"| verdict (seed 0) | over seeds 0-{PLANNED_SEEDS - 1}: median [range] | verdict over seeds |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        figs = ", ".join(f"[{Path(f).stem}](figures/{f})" for f in r["figures"]) or "—"
        run = r["run"]
        prov = "—" if run is None else (f"{run['profile']} · seed {run['seed']} · {run['dataset']}: {run['data_source']}, "
                                        f"{run['n_train']:,} training images"
                                        + ("" if run["data_recorded_by"] == r["notebook"] else
                                           f" (as recorded by {run['data_recorded_by'][:2]})")
                                        + f" · torch {run.get('torch', 'not recorded')}")
        lines.append(f"| {r['id']} | {_cell(r['claim'])} ({_cell(r['source'])}; notebook {r['notebook'][:2]}) | {figs} | "
                     f"{_cell(r['measured'])} | {_cell(prov)} | **{r['verdict']}**: {_cell(r['reason'])} | "
                     f"{_cell(seeds_cell(r.get('seeds')))} | "
                     + (f"**{r['seeds']['verdict']}**" if r.get("seeds") else "—") + " |")
    counts = Counter(r["verdict"] for r in rows)
    seeded = Counter(r["seeds"]["verdict"] for r in rows if r.get("seeds"))
    lines += ["", "Verdicts, seed 0: " + ", ".join(f"{counts[v]} {v}" for v in VERDICTS) + ".",
              f"Verdicts over seeds (rule: of {PLANNED_SEEDS} seeds, holds plainly in >= {PASS_K}: holds; passes, "
              f"with or without its caveat, in >= {PASS_K}: holds with a caveat; passes in <= {FAIL_K}: does not "
              "hold; else inconclusive; pending while missing seeds could still change it): "
              + ", ".join(f"{seeded[v]} {v}" for v in SEED_VERDICTS) + "."]
    if any(r.get("seeds") and "median" in r["seeds"] for r in rows):
        lines.append(f"Each claim's number seed by seed: [{SEEDS_FIGURE.name}](figures/{SEEDS_FIGURE.name}).")
    return "\n".join(lines)


SEEDS_FIGURE = FIGURES / "ledger_seeds.png"
VERDICT_COLOURS = {HOLDS: "#1b9e77", CAVEAT: "#e6ab02", FAILS: "#d95f02"}


def plot_seeds(rows: list[dict[str, Any]], path: Path) -> Path | None:
    """One small panel per claim: its statistic in every seed, coloured by that seed's verdict (seaborn's
    strip plot), titled with the verdict over seeds. None (and nothing written) without seed runs."""
    shown = [r for r in rows if r.get("seeds") and "median" in r["seeds"]]
    if not shown:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sys.path.insert(0, str(ROOT))
    from helpers.run import save_figure

    cols = 7
    nrows = -(-len(shown) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(2.3 * cols, 2.4 * nrows), squeeze=False)
    for ax, r in zip(axes.flat, shown):
        s = r["seeds"]
        seeds = list(s["seeds"])
        data = {"seed": seeds, "value": [s["seeds"][k]["value"] for k in seeds],
                "verdict": [s["seeds"][k]["verdict"] for k in seeds], "claim": [r["id"]] * len(seeds)}
        sns.stripplot(data=data, x="claim", y="value", hue="verdict", palette=VERDICT_COLOURS,
                      hue_order=[v for v in VERDICT_COLOURS if v in data["verdict"]], jitter=0.15, size=7,
                      ax=ax, legend=False)
        ax.axhline(s["median"], color="grey", lw=0.8, ls="--")
        ax.set_title(f"{r['id']}: {s['verdict']}\n({s['holds']} of {s['n']} hold)", fontsize=8)
        ax.set_xlabel("")
        ax.set_xticks([])
        ax.set_ylabel(s["stat"] if len(s["stat"]) < 40 else s["stat"][:38] + "…", fontsize=6)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=v) for v, c in VERDICT_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, title="the seed's verdict", frameon=False)
    fig.suptitle("Each claim's number in every seed of `make reproduce` (dashed: the median)", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    out = save_figure(fig, path, dpi=100)
    plt.close(fig)
    return out


def ledger_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps({"generated_by": "scripts/ledger.py", "rows": rows}, indent=2, sort_keys=True) + "\n"


def replace_section(readme: str, section: str, start: str = START, end: str = END) -> str:
    """``readme`` with the text between the markers (the ledger's by default) replaced by ``section``."""
    if readme.count(start) != 1 or readme.count(end) != 1 or readme.index(start) > readme.index(end):
        raise ValueError(f"README.md must contain {start} and then {end}, once each")
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{section}\n{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if README.md or figures/ledger.json is stale")
    args = ap.parse_args(argv)
    rows = build_rows(FIGURES)
    readme, table = README.read_text(), ledger_json(rows)
    new_readme = replace_section(readme, render(rows))
    if args.check:
        stale = [p.name for p, old, new in [(README, readme, new_readme), (LEDGER_JSON,
                 LEDGER_JSON.read_text() if LEDGER_JSON.is_file() else "", table)] if old != new]
        if stale:
            print(f"stale: {', '.join(stale)}; run `python scripts/ledger.py` (make ledger)", file=sys.stderr)
            return 1
        print("ledger up to date")
        return 0
    README.write_text(new_readme)
    LEDGER_JSON.write_text(table)
    plot_seeds(rows, SEEDS_FIGURE)
    print(render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
