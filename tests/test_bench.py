"""scripts/bench.py pieces that need no timing: the authors' DCGAN as the notes describe it, the
time-to-sector-figure arithmetic, and keeping earlier notebook timings on --skip-notebooks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
bench = load_script("bench")


def test_authors_dcgan_matches_the_notes():
    G, D = bench.authors_dcgan(nz=2)
    x = G(torch.randn(3, 2, 1, 1))
    assert x.shape == (3, 1, 64, 64) and x.abs().max() <= 1
    assert D(x).shape == (3,) and ((D(x) > 0) & (D(x) < 1)).all()
    g_convs = [m for m in G if isinstance(m, nn.ConvTranspose2d)]
    d_convs = [m for m in D if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in g_convs] == [512, 256, 128, 64, 1]
    assert [m.out_channels for m in d_convs] == [64, 128, 256, 512, 1]
    assert all(m.bias is None for m in g_convs + d_convs)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D) == 3  # not after D's first conv


def test_sector_times_follow_the_throughput():
    rows = bench.sector_times(ips_ours=1000.0, ips_authors=100.0)
    assert rows[0]["seconds"] == pytest.approx(2 * 49984 / 1000, abs=0.05)      # train_gan drops the last incomplete batch
    assert rows[1]["seconds"] == pytest.approx(12 * 60000 / 100, abs=0.05)
    assert rows[2]["times_ours"] == pytest.approx(2 * 50000 / 100 / rows[0]["seconds"], abs=0.05)


def test_skip_notebooks_keeps_earlier_timings(tmp_path):
    assert bench.previous_notebooks(tmp_path / "none.json") == {}
    (tmp_path / "bench.json").write_text(json.dumps({"notebooks": {"01_x": {"smoke": 1.0}}}))
    assert bench.previous_notebooks(tmp_path / "bench.json") == {"01_x": {"smoke": 1.0}}
