"""The README's course map (scripts/course_map.py) matches the notebooks, the exercises and the
committed bench times, and goes stale when any of them changes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts_loader import load_script

REPO = Path(__file__).resolve().parent.parent
course_map = load_script("course_map")


def committed_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme.split(course_map.START)[1].split(course_map.END)[0].strip("\n")


def test_readme_course_map_matches_bench_and_exercises():
    expected = course_map.render(course_map.load_bench(), course_map.notebook_stems())
    assert committed_section() == expected, "README course map is stale: run `make course-map`"


def test_every_notebook_is_described_and_measured():
    stems = course_map.notebook_stems()
    assert len(stems) == 8 and set(stems) == set(course_map.NOTEBOOKS)
    times = course_map.load_bench()["notebooks"]
    for stem in stems:
        for profile in ("smoke", "teach"):
            assert times[stem][profile] > 0, (stem, profile)
    assert "not measured" not in committed_section()


def test_a_changed_time_or_a_new_notebook_changes_the_map():
    bench = course_map.load_bench()
    stems = course_map.notebook_stems()
    before = course_map.render(bench, stems)
    changed = json.loads(json.dumps(bench))
    changed["notebooks"][stems[0]]["teach"] += 120.0
    assert course_map.render(changed, stems) != before
    without = json.loads(json.dumps(bench))
    del without["notebooks"][stems[1]]
    row = [line for line in course_map.render(without, stems).splitlines() if stems[1] in line][0]
    assert row.endswith("| not measured | not measured |")
    with pytest.raises(KeyError, match="99_new"):
        course_map.render(bench, stems + ["99_new"])


def test_times_are_written_for_people():
    assert course_map.fmt(None) == "not measured"
    assert course_map.fmt(12.4) == "12 s"
    assert course_map.fmt(300.0) == "5.0 min"


def test_exercises_column_lists_each_exercise_and_its_function():
    from helpers.exercises import nb01
    assert course_map.exercises("01_vanilla_gan_and_pca") == [
        "1.1 `pca_generate`", "1.2 `discriminator_loss`", "1.3 `generator_loss`",
        f"1.4 predict: {nb01.PREDICTIONS['1.4']}"]
    assert course_map.exercises("99_none") == []


def test_each_notebook_header_says_what_it_needs_and_its_measured_times():
    """The first cell of every committed notebook carries the generated line: its needs and bench times."""
    bench, stems = course_map.load_bench(), course_map.notebook_stems()
    assert course_map.stale_headers(bench, stems, write=False) == [], "run `make course-map`"
    for stem in stems:
        first = "".join(json.loads((REPO / "notebooks" / f"{stem}.ipynb").read_text())["cells"][0]["source"])
        line = course_map.header_line(bench, stem)
        assert line in first and "`smoke` " in line and "not measured" not in line, stem


def test_a_header_line_is_added_once_then_replaced():
    nb = {"cells": [{"cell_type": "markdown", "source": ["# 09 · title\n", "\n", "prose"]}]}
    once = course_map.with_header(nb, "first line")
    text = "".join(once["cells"][0]["source"])
    assert text.startswith("# 09 · title\n\nprose\n\n") and text.count("first line") == 1
    twice = "".join(course_map.with_header(once, "second line")["cells"][0]["source"])
    assert "first line" not in twice and twice.count("second line") == 1
    assert twice.count(course_map.HEAD_START) == 1
    with pytest.raises(ValueError, match="markdown header"):
        course_map.with_header({"cells": [{"cell_type": "code", "source": []}]}, "x")
