"""helpers.progress: headless runs get one final line per bar, not a frozen "0%" widget."""
from __future__ import annotations

import pytest
from tqdm.auto import tqdm as live

from helpers.progress import FinalLine, progress


def test_text_mode_prints_only_the_final_state(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_PROGRESS", "text")
    assert sum(progress(range(7), desc="classifier", unit="epoch")) == 21
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("classifier: 100%") and "7/7" in lines[0], out
    assert "\r" not in out.out and out.err == ""
    bar = progress(total=5, desc="dcgan nz=2")
    assert isinstance(bar, FinalLine)
    bar.update(3)
    bar.set_postfix(loss_d="0.5")
    bar.close()
    line = capsys.readouterr().out.strip()
    assert line.startswith("dcgan nz=2:  60%") and "3/5" in line and "loss_d=0.5" in line


def test_disabled_bar_prints_nothing(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_PROGRESS", "text")
    bar = progress(total=3, desc="x", disable=True)
    bar.update(3)
    bar.close()
    assert capsys.readouterr().out == ""


def test_auto_mode_is_tqdm_auto(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_PROGRESS", raising=False)
    bar = progress(total=1, desc="x", disable=True)
    assert isinstance(bar, live) and not isinstance(bar, FinalLine)


def test_bad_mode_names_the_setting(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROGRESS", "widget")
    with pytest.raises(ValueError, match="GAN_COURSE_PROGRESS='widget'.*auto.*text"):
        progress(range(2))
