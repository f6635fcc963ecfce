"""`make eval`: every vignette through the REST channel of a running server; results/eval.{json,md}.

    python -m evaluation --url http://localhost:5005      # a server you started (`make run`)
    python -m evaluation                                  # starts its own (like the tests do)
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import List, Optional

from evaluation import report
from evaluation.patient import Conversation, Patient, RestClient, question_texts
from evaluation.vignettes import ROOT, load_vignettes


def run_all(base_url: str, only: Optional[str] = None, workers: int = 4) -> List[Conversation]:
    vignettes = [v for v in load_vignettes() if not only or only in v.id]
    questions = question_texts()

    def one(v):
        return Patient(v, questions).consult(RestClient(base_url))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, vignettes))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--out", default=str(ROOT / "results"), help="where eval.json and eval.md go")
    parser.add_argument("--only", help="only vignettes whose id contains this")
    args = parser.parse_args(argv)
    stack = None
    url = args.url
    if not url:
        import tempfile

        from tests.support.servers import Stack, latest_model

        stack = Stack(workdir=Path(tempfile.mkdtemp(prefix="eval-")), model=latest_model())
        stack.start()
        url = stack.url
    try:
        conversations = run_all(url, args.only)
    finally:
        if stack is not None:
            stack.stop()
    summary = report.write(conversations, Path(args.out))
    for key in ("vignettes", "concluded", "triage_exact", "triage_accepted", "under_triage", "over_triage",
                "emergency_sensitivity", "top1_cause", "top3_cause", "questions_mean"):
        print(f"{key:>22}: {summary[key]}")
    print(f"{'under-triaged serious':>22}: {summary['under_triaged_serious']}")
    print(f"{'not concluded':>22}: {summary['not_concluded']}")
    print(f"report: {Path(args.out) / 'eval.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
