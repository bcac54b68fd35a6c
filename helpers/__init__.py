"""Helpers of the course *What a GAN's input noise means*.

Thin, typed code that more than one notebook needs: parameters and runs (:mod:`.params`,
:mod:`.run`), data (:mod:`.data`), models (:mod:`.models`), the one GAN training loop
(:mod:`.train`), checkpoints (:mod:`.checkpoints`), sample-quality numbers without a
classifier (:mod:`.quality`) and in an evaluator's features (:mod:`.metrics`), and plots
(:mod:`.plots`).
"""
__version__ = "0.1.0"
