"""Container health checks (deploy/docker/Dockerfile, compose.yaml): exit 0 healthy, 1 not.

    healthcheck.py URL                 the URL answers 2xx within 4 s (the Rasa and action servers)
    healthcheck.py --fresh PATH SECS   PATH was modified less than SECS ago (the retention loop's
                                       mark, touched after each successful run)

Standard library only: the slim images have no curl.
"""
from __future__ import annotations

import os
import sys
import time
import urllib.request


def url_answers(url: str, timeout: float = 4.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed local URL)
            return 200 <= response.status < 300
    except OSError:
        return False


def fresh(path: str, max_age_s: float) -> bool:
    try:
        return time.time() - os.stat(path).st_mtime < max_age_s
    except OSError:
        return False


def main(argv: list) -> int:
    if len(argv) == 3 and argv[0] == "--fresh":
        return 0 if fresh(argv[1], float(argv[2])) else 1
    if len(argv) == 1:
        return 0 if url_answers(argv[0]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
