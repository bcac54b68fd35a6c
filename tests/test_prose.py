"""No prose that the outputs can contradict.

A sentence in a notebook's markdown that depends on a run (a measured number, which digit a map
lacks, a walk that "went backwards", "four broken ones") goes stale the day a run changes. Such a
sentence must be printed by a code cell from the metrics, or phrased so that no run can make it
false. This test reads every notebook's markdown (code, math, HTML tags, link targets and the
collapsed exercise solutions left out) and flags numbers that look measured and phrases that state
a run's outcome. A flagged string passes only if it is in ``CONSTANTS`` (with the reason it cannot
change) or, until its notebook is mended, in ``KNOWN_DRIFT_TO_FIX``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("0*.ipynb"))

# --- what the prose may say: constants, one reason each -------------------------------------------
CONSTANTS: dict[str, set[str]] = {
    "01_vanilla_gan_and_pca": {
        "90%",  # the evaluator's "sure" confidence, a setting of helpers.evaluator
        "2%",   # a class is covered with at least 2% of the labels: THRESHOLDS["min_share"]
    },
    "02_dcgan": {
        "0.2",  # LeakyReLU(0.2), DCGAN's slope, a setting of the architecture table
        "90%",  # the evaluator's "sure" confidence and issue 14's sure-share target (scripts/targets.py)
        "0.02",  # issue 14's KL target, a constant of scripts/targets.py
    },
    "03_noise_to_label": {
        "0 of 6,000",  # the authors' shipped label map, a committed file, not a run of ours
        "digits 1, 7 and 8 are almost absent",  # the same shipped file
        "10%",         # MNIST has 10% of each class, a fact of the data
        "2%",          # the coverage threshold, THRESHOLDS["min_share"]
        "0.5",         # *Try:* scale the noise by 0.5, a suggested setting
        "one of 16",   # one element of a 16-dim noise vector, a setting
    },
    "04_sectors_and_tsne": {
        "1.0",  # angular purity's maximum, by definition
        "2%",   # the coverage threshold
    },
    "05_guided_generation": {
        "10%",  # MSN's angle may move 10% of the half-width, a setting (msn_spread=0.1)
        "0.6",  # the authors' code's fixed Pearson threshold, a fact of their code
        "80%",  # the 20th-percentile rule restated (quantile=0.2)
        "95%",  # the calibration target, calibrate_thresholds(target=0.95)
        "1.0",  # a diversity ratio of 1.0 is real handwriting's, by definition
    },
    "06_infogan_acgan": {
        "5.1",  # Chen et al., Lemma 5.1: a reference, not a number
        "0.8",  # nn.BatchNorm2d(c, 0.8): the eps of the GAN zoos' bug
        "90%",  # the evaluator's "sure" confidence
        "2%",   # the coverage threshold
        "95%",  # the InfoGAN paper's reported accuracy
        "0.2",  # *Try:* lambda_cat = 0.2, a suggested setting
    },
    "07_gradcam_discriminator": {
        "0.5",  # AUC 0.5 is chance; the stroke mask's threshold 0.5 (stroke_share)
        "0/0",  # 0/0 gives NaN, arithmetic
    },
    "08_failure_modes": {
        "three broken ones",       # the notebook trains three failure configs, a count of its code
        "2%", "0.55", "0.1", "0.9", "1%",  # diagnose's THRESHOLDS, quoted from helpers/diagnostics.py
        "about 1",                 # the diversity ratio of the data itself, by definition
    },
}

# Run-dependent statements in today's markdown: each must be printed from the metrics or rephrased,
# and then deleted here (the staleness test below says when).
KNOWN_DRIFT_TO_FIX: dict[str, set[str]] = {}

# --- what the scanner looks for --------------------------------------------------------------------
NUM = r"\d[\d,]*(?:\.\d+)?"
COUNT = rf"(?:{NUM}|one|two|three|four|five|six|seven|eight|nine|ten)"
MEASURED = re.compile(
    rf"\b(?:about|around|roughly|approximately|nearly)\s+{NUM}"  # about 0.3: an approximate measurement
    rf"|{NUM}\s?%"                                               # 77%, 98.5 %
    rf"|\b{COUNT}\s+(?:out\s+)?of\s+(?:the\s+)?{COUNT}\b"        # 3 of 10, nine of the ten
    r"|\b\d+\s?/\s?\d+\b"                                        # 9/10
    r"|\b\d+(?:\.\d+)?[eE][-+]?\d+\b"                            # 1.5e-3
    r"|\b\d+\.\d+\b",                                            # 0.94
    re.I)
DIGIT = r"(?:the\s+|a\s+|any\s+|its\s+)?(?:digit\s+)?\d\b(?!\.\d)"
DRIFT_WORDS = [re.compile(p, re.I) for p in (
    # an outcome stated as a fact ("the walk went backwards", "ranks them the wrong way round");
    # only finite verbs: "can even rank them backwards" is hedged, "0 = exactly backwards" a definition
    r"\b(?:is|are|was|were|went|goes|walks|walked|runs|ran|ranks|ranked|turns|turned)\b"
    r"(?:\s+\S+){0,4}?\s+(?:backwards?|the\s+wrong\s+way\s+round|in\s+reverse)\b",
    rf"\b{COUNT}\s+(?:broken|failed|collapsed|healthy)\s+(?:ones|GANs|runs|models|generators)\b",
    r"\bthe\s+winner\s+is\b|\b(?:always|never)\s+(?:wins?|learns?|collapses?|converges?)\b",
    # which digit a run's map lacks
    rf"\b(?:lacks?|lacked|lacking|misses|missed|loses|lost|without)\s+{DIGIT}",
    rf"\bno\s+(?:sector|arc|code|row)\s+for\s+{DIGIT}",
    r"\bdigits?\s+\d(?:(?:,\s*|\s+and\s+|\s+or\s+)\d)*\s+(?:is|are|was|were)\s+(?:\S+\s+){0,4}?"
    r"(?:missing|absent|lost)\b",
)]

LEFT_OUT = [  # (pattern, replacement), in this order: code may hold $, math may hold tags
    (re.compile(r"<details>\s*<summary>\s*Solution.*?</details>", re.S | re.I), " [solution] "),
    (re.compile(r"```.*?```", re.S), " [code] "),
    (re.compile(r"`[^`\n]*`"), " [code] "),
    (re.compile(r"\$\$.*?\$\$", re.S), " [math] "),
    (re.compile(r"(?<!\\)\$[^$]+?(?<!\\)\$", re.S), " [math] "),
    (re.compile(r"</?[A-Za-z][^>\n]*>"), " "),              # <details>, <summary>, <br>
    (re.compile(r"\]\([^)\s]*\)"), "]"),                     # [text](target): the target
    (re.compile(r"\bexercises?\s+\d+\.\d+", re.I), "exercise"),  # "Exercise 4.2" is a name
]


def prose(markdown: str) -> list[str]:
    """The sentences of a markdown cell that a reader takes as prose, whitespace collapsed."""
    for pattern, replacement in LEFT_OUT:
        markdown = pattern.sub(replacement, markdown)
    return [" ".join(s.split()) for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", markdown) if s.strip()]


def findings(markdown: str, allowed: set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(kind, flagged string, sentence) for every run-dependent-looking string not in ``allowed``."""
    found = []
    for sentence in prose(markdown):
        for kind, pattern in [("measured number", MEASURED)] + [("outcome phrase", p) for p in DRIFT_WORDS]:
            found += [(kind, m.group(), sentence) for m in pattern.finditer(sentence) if m.group() not in allowed]
    return found


#: the header line scripts/course_map.py writes from the bench (tests/test_course_map.py checks it)
GENERATED = re.compile(r"<!-- header:start -->.*?<!-- header:end -->", re.S)


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, GENERATED.sub("", "".join(c["source"]))) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]


def scan_notebook(path: Path, allowed: set[str]) -> list[str]:
    return [f"{path.name}, cell {i}: {kind} {hit!r} in: {sentence}"
            for i, text in markdown_cells(path) for kind, hit, sentence in findings(text, allowed)]


def allowed_for(stem: str) -> set[str]:
    return CONSTANTS.get(stem, set()) | KNOWN_DRIFT_TO_FIX.get(stem, set())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_states_nothing_a_run_decides(path):
    bad = scan_notebook(path, allowed_for(path.stem))
    assert not bad, ("markdown that a run can contradict:\n  " + "\n  ".join(bad) + "\nPrint it from the "
                     "metrics in a code cell, rephrase it so no run can make it false, or add it to "
                     "CONSTANTS in tests/test_prose.py with the reason it cannot change.")


def test_allow_lists_are_not_stale():
    """Every allowed string still occurs: a stale entry would let a future measurement through."""
    stale = []
    for stem in sorted(set(CONSTANTS) | set(KNOWN_DRIFT_TO_FIX)):
        (path,) = (REPO / "notebooks").glob(f"{stem}.ipynb")
        hits = {hit for _, text in markdown_cells(path) for _, hit, _ in findings(text)}
        stale += [f"{stem}: {s!r}" for s in sorted(allowed_for(stem) - hits)]
    assert not stale, "no longer in the markdown, delete from tests/test_prose.py: " + ", ".join(stale)


def test_the_scanner_catches_a_measurement_and_an_outcome():
    found = {hit for _, hit, _ in findings("After 20 epochs the accuracy reached 97.3%. The walk went "
                                          "backwards, nine of the ten digits appear, and the map lacks the 7.")}
    assert found == {"97.3%", "went backwards", "nine of the ten", "lacks the 7"}, found


def test_the_scanner_passes_constants_math_and_code():
    text = ("Coverage counts the classes with at least 2% of the labels; $p = 0.94$, $$L = 0.5\\,x$$.\n"
            "Set `lr=2e-4` or see [the ledger](../README.md#row-1.5).\n\n"
            "<details><summary>Solution</summary>\n\n```python\nacc = 0.973  # 97%\n```\n</details>\n"
            "Exercise 4.2 asks for it; the blog can even rank them backwards; 0 = exactly backwards.")
    assert findings(text, {"2%"}) == []


def test_an_injected_measurement_fails_its_notebook(tmp_path):
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "".join(cell["source"]) + "\n\nwe measured 91.2% on the test set.\n"
    copy = tmp_path / NOTEBOOKS[0].name
    copy.write_text(json.dumps(nb), encoding="utf-8")
    assert any("'91.2%'" in line for line in scan_notebook(copy, allowed_for(NOTEBOOKS[0].stem)))
    with pytest.raises(AssertionError, match="91.2%"):
        test_markdown_states_nothing_a_run_decides(copy)
