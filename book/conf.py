"""Sphinx configuration of the course's website (`make book`): the README as the front page (course map
and reproduction ledger) and the executed notebooks as pages, rendered by myst-nb from their committed
outputs (nothing is executed). Built from the repository root: ``sphinx-build -c book . build/book``."""
from __future__ import annotations

project = "What a GAN's input noise means"
author = "the course's authors"
extensions = ["myst_nb"]
root_doc = "README"
# only the front page and the numbered notebooks are pages; README's links to figures/ and scripts/
# become downloads (Sphinx copies the files they point at)
include_patterns = ["README.md", "notebooks/[0-9][0-9]_*.ipynb"]
exclude_patterns = ["build", ".venv", "runs", "data"]
nb_execution_mode = "off"                 # the committed teach run, as GitHub shows it
nb_output_stderr = "remove"               # warnings of the run, not lesson text
# a static site has no kernel behind its widgets: show a slider's saved picture (helpers/sliders.py)
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3                  # [..](../README.md#reproduction-ledger) resolves
html_theme = "alabaster"
html_title = project
html_theme_options = {"description": "a course and reproduction package in PyTorch notebooks",
                      "page_width": "1200px", "body_max_width": "none"}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
suppress_warnings = ["myst.header"]       # notebooks start at "# 01 · ..." after a title cell

# MathJax shipped with the site when scripts/book.py fetched it (offline pages typeset formulas too);
# else Sphinx's default, its CDN
import os as _os

if _os.environ.get("COURSE_BOOK_MATHJAX"):
    html_static_path = [_os.environ["COURSE_BOOK_MATHJAX"]]   # its es5/ lands in _static/es5/
    mathjax_path = "es5/tex-mml-chtml.js"

# pages the README and notebooks link to
include_patterns += ["figures/bench/bench.md", "probes/*/*RESULTS.md", "probes/*/BUDGET.md"]


#: pages outside the navigation, with the title their file lacks
ORPHAN_TITLES = {"figures/bench/bench": "# Bench: notebook times and training throughput\n\n"}


def _toctree(app, docname: str, source: list[str]) -> None:
    """The README (the front page on GitHub, where a toctree directive would show as text) gets the
    site's navigation here: the notebooks in order, hidden from its body. The bench table, which the
    README links to, becomes a page of its own with a title; so do the probes' records
    (probes/*/*RESULTS.md, probes/*/BUDGET.md), which the README and notebooks link to."""
    if docname in ORPHAN_TITLES or docname.startswith("probes/"):
        source[0] = "---\norphan: true\n---\n" + ORPHAN_TITLES.get(docname, "") + source[0]
    if docname == "README":
        from pathlib import Path

        src = Path(app.srcdir)
        pages = sorted(p.relative_to(src).with_suffix("").as_posix() for p in src.glob("notebooks/[0-9][0-9]_*.ipynb"))
        source[0] += ("\n\n```{toctree}\n:hidden:\n:maxdepth: 1\n\n" + "\n".join(pages)
                      + "\n```\n")


def setup(app) -> None:
    app.connect("source-read", _toctree)
