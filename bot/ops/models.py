"""``python -m bot.ops.models FILE`` prints the id of a trained Rasa model archive (its
``metadata.json``): what a replica's readiness route reports as ``model_id`` once it has loaded
that model (scripts/deploy_model.sh compares the two)."""
from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

METADATA = "metadata.json"


def model_id(archive: Path) -> str:
    with tarfile.open(archive, mode="r:gz") as tar:
        member = tar.extractfile(METADATA)
        if member is None:
            raise ValueError(f"{archive} has no {METADATA}")
        return str(json.load(member)["model_id"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bot.ops.models MODEL_FILE")
    try:
        print(model_id(Path(sys.argv[1])))
    except (OSError, KeyError, ValueError, tarfile.TarError) as error:
        sys.exit(f"not a Rasa model archive: {error}")
