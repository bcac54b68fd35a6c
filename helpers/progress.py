"""Progress bars that read well both live and in a committed notebook.

In JupyterLab a bar is tqdm's widget, updated live. A notebook executed headless (``make run``,
``make reproduce``, the tests: they set ``GAN_COURSE_PROGRESS=text``) has no frontend to draw that
widget, and the notebook would keep its first frame, "0%", as its text: GitHub shows a frozen bar.
There the bar draws nothing while it runs and prints one line when it closes, its final state
("dcgan nz=100: 100%|██████████| 3124/3124 [05:40<00:00, 9.17it/s, ...]").

``GAN_COURSE_PROGRESS``: ``auto`` (default: tqdm.auto picks the widget or the terminal bar) or ``text``.
"""
from __future__ import annotations

import io
import os
from typing import Any, Iterable

from tqdm.auto import tqdm as _live
from tqdm.std import tqdm as _std

from .params import check_choice

PROGRESS_MODES = ("auto", "text")


class FinalLine(_std):
    """A tqdm bar that writes nowhere while it runs and prints its final state once, on close."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["file"] = io.StringIO()
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        if self.disable:
            return
        final = self.format_meter(**self.format_dict)  # read before closing: close() disables the bar
        super().close()
        print(final, flush=True)


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
             unit: str = "it", disable: bool = False) -> Any:
    """A progress bar over ``iterable`` (or one updated by hand up to ``total``); see the module doc."""
    mode = os.environ.get("GAN_COURSE_PROGRESS", "auto")
    check_choice("GAN_COURSE_PROGRESS", mode, PROGRESS_MODES)
    bar = FinalLine if mode == "text" else _live
    return bar(iterable, total=total, desc=desc, unit=unit, disable=disable)
