"""Two Rasa 3.6 quirks that the intent classifier we use (LogisticRegressionClassifier) trips,
handled by ``bot.rasa_patches.install()`` in every process that trains or serves our model.

1. **Loading the classifier mutes the server's log.** The classifier imports ``skops.io`` when it
   saves or loads its model. That import chain (skops -> sklearn.utils._testing ->
   numpy.distutils) ends in ``numpy.distutils.log.set_verbosity(0, force=True)``, and with the
   setuptools installed here distutils' log *is the root logger*: the root level silently becomes
   WARNING, and the Rasa server stops logging at INFO ("Rasa server is up and running" never
   appears) with nothing to say why. ``preload_skops`` does that import first and puts the root
   level back.
2. **A false warning at training time.** With lookup tables in the training data, Rasa's recipe
   validator warns that no component uses their features unless the pipeline has DIET or CRF.
   The LogisticRegressionClassifier does use them: it reads every featurizer's sparse sentence
   features, RegexFeaturizer's included (``LogisticRegressionClassifier._create_X``). The
   warning is silenced by its exact text, so every other warning still shows (and
   ``scripts/test.sh validate`` still fails on it).
"""
from __future__ import annotations

import logging
import warnings

LOOKUP_FALSE_POSITIVE = (
    r"You have defined training data consisting of lookup tables, but your NLU configuration "
    r"does not include any components that uses the features created from the lookup table"
)


def preload_skops() -> None:
    root = logging.getLogger()
    level = root.level
    try:
        import skops.io  # noqa: F401
    finally:
        root.setLevel(level)


def silence_lookup_false_positive() -> None:
    warnings.filterwarnings("ignore", message=LOOKUP_FALSE_POSITIVE)


def install() -> None:
    preload_skops()
    silence_lookup_false_positive()
