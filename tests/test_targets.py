"""The generator targets over seeds (scripts/targets.py): the README section matches the committed seed
runs, each verdict decides all three ways, stale seeds are not counted, and the continuous-code target
needs two different codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
ledger = load_script("ledger")
targets = load_script("targets")

SURE_02 = targets.TARGETS[0]   # 02's conv-head DCGAN: sure share >= 0.90


def test_readme_section_matches_committed_seed_runs():
    """A seed run changed without `make ledger` fails here."""
    readme = (REPO / "README.md").read_text()
    section = readme.split(targets.START)[1].split(targets.END)[0].strip("\n")
    assert section == targets.render(ledger.seed_folders()), "README targets are stale: run `make ledger`"


def test_every_target_reads_the_committed_seed_0_run():
    """Every target's value exists in the committed seed-0 metrics (a renamed key fails here, not silently)."""
    folder = ledger.seed_folders()[0]
    for t in targets.TARGETS:
        v = targets.seed_values(t, {0: folder})[0]
        assert v.get("stale") or isinstance(v["value"], float), t.text


def _seed(folder: Path, notebook: str, metrics: dict) -> Path:
    (folder / notebook).mkdir(parents=True)
    (folder / notebook / "metrics.json").write_text(json.dumps(metrics))
    return folder


@pytest.mark.parametrize("shares, expected", [
    ([0.95, 0.91, 0.92, 0.90, 0.50], targets.MET),        # 4 of 5
    ([0.95, 0.91, 0.92, 0.50, 0.50], targets.MISSED),     # 3 of 5
    ([0.95, 0.91, 0.92], targets.PENDING),                # 3 of 3, two seeds still to run
    ([0.50, 0.50], targets.MISSED),                       # 0 of 2: three more cannot make 4
])
def test_verdict_over_seeds(tmp_path, shares, expected):
    folders = {s: _seed(tmp_path / f"seed-{s}", targets.NB02, {"evaluator": {"conv": {"sure_share": x}}})
               for s, x in enumerate(shares)}
    per_seed = targets.seed_values(SURE_02, folders)
    assert [v["met"] for v in per_seed.values()] == [x >= 0.90 for x in shares]
    assert targets.verdict(SURE_02, per_seed) == expected


def test_a_seed_run_by_older_code_is_not_counted(tmp_path):
    folders = {s: _seed(tmp_path / f"seed-{s}", targets.NB02, {"evaluator": {"conv": {"sure_share": 0.95}}})
               for s in range(5)}
    runs = {f"seed-{s}": {targets.NB02: {"code": ledger._code_hash(targets.NB02) if s else "older"}} for s in range(5)}
    (tmp_path / "summary.json").write_text(json.dumps({"runs": runs}))
    per_seed = targets.seed_values(SURE_02, folders)
    assert per_seed[0] == {"stale": True} and all(per_seed[s]["met"] for s in range(1, 5))
    assert targets.verdict(SURE_02, per_seed) == targets.MET   # 4 counted seeds, all met
    assert "older code" in targets.render(folders, (SURE_02,))


def test_report_only_rows_have_no_verdict(tmp_path):
    mlp = next(t for t in targets.TARGETS if t.met is None)
    folders = {0: _seed(tmp_path / "seed-0", mlp.notebook, {"evaluator": {"mlp_gan": {"fd": 800.0, "sure_share": 0.2}}})}
    assert targets.verdict(mlp, targets.seed_values(mlp, folders)) == targets.REPORTED


def _effects(**rho: float) -> dict:
    out = {f"infogan_{c}_{m}": 0.0 for c in ("c2", "c3") for m in ("slant", "width", "thickness")}
    out.update({f"infogan_{k}": v for k, v in rho.items()})
    return {"continuous_effects": out, "plain_max_abs_rho": 0.1}


@pytest.mark.parametrize("rho, value", [
    (dict(c2_slant=0.9, c3_slant=-0.8, c2_width=0.1, c3_width=0.2), 0.2),   # both codes slant: width is weak
    (dict(c2_slant=-0.7, c3_width=0.65), 0.65),
    (dict(c3_slant=0.8, c2_width=-0.9), 0.8),
])
def test_slant_and_width_needs_two_different_codes(rho, value):
    m = _effects(**rho)
    get = lambda nb, key: ledger.lookup(m, key, "test")   # noqa: E731
    assert targets.slant_and_width(get) == pytest.approx(value)


def test_check_detects_a_stale_section(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"x\n{targets.START}\nold\n{targets.END}\n")
    monkeypatch.setattr(ledger, "README", readme)
    assert targets.main(["--check"]) == 1
    assert targets.main([]) == 0 and targets.main(["--check"]) == 0
    assert "| 02 · DCGAN (conv head) |" in readme.read_text()
