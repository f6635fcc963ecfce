"""bot/rasa_patches/classifier_quirks.py: the Rasa server keeps logging at INFO after the classifier loads, and
only the one false lookup-table warning is silenced."""
from __future__ import annotations

import subprocess
import sys
import warnings

from bot.rasa_patches import classifier_quirks
from tests.support.servers import QUIET_ENV, ROOT

LEVEL_AFTER_LOAD = """
import logging
logging.basicConfig(level=logging.INFO)
{prelude}
import skops.io  # what LogisticRegressionClassifier.load does
print(logging.getLogger().getEffectiveLevel())
"""


def root_level_after_classifier_import(prelude: str) -> int:
    import os

    done = subprocess.run([sys.executable, "-c", LEVEL_AFTER_LOAD.format(prelude=prelude)],
                          cwd=ROOT, env=dict(os.environ, **QUIET_ENV), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


def test_the_quirk_is_real_without_our_components():
    # If a library upgrade fixes it, this fails: then classifier_quirks.preload_skops can go.
    assert root_level_after_classifier_import("") == 30  # WARNING: INFO lines vanish


def test_with_our_components_loaded_the_log_stays_at_info():
    assert root_level_after_classifier_import("import bot.nlu.symptom_extractor") == 20


def test_only_the_lookup_false_positive_is_silenced():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier_quirks.silence_lookup_false_positive()
        warnings.warn(UserWarning(
            "You have defined training data consisting of lookup tables, but your NLU "
            "configuration does not include any components that uses the features created from "
            "the lookup table. To make use of the features..."))
        warnings.warn(UserWarning("You have defined training data consisting of lookup tables, but "
                                  "your NLU configuration does not include a featurizer"))
    assert [str(w.message) for w in caught] == [
        "You have defined training data consisting of lookup tables, but your NLU configuration "
        "does not include a featurizer"]


def test_the_false_positive_stays_silenced_after_rasa_sets_its_warning_filters():
    # Every rasa command configures its warnings (rasa.utils.common._filter_warnings) after
    # bot/rasa_cli.py installed the patches; the silencing must survive that.
    import logging

    import rasa.utils.common

    from bot import rasa_patches

    rasa_patches.install()
    rasa.utils.common._filter_warnings(logging.INFO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn(UserWarning(
            "You have defined training data consisting of lookup tables, but your NLU "
            "configuration does not include any components that uses the features created from "
            "the lookup table."))
        warnings.warn(UserWarning("another warning"))
    assert [str(w.message) for w in caught] == ["another warning"]
