"""Speech benchmark: the four-outcome table of the IVR's speech path on the evaluation set.

    .venv/bin/python -m bench.speech                 # test part, recognised afresh (timed here)
    .venv/bin/python -m bench.speech --cached        # from the recognition cache (seconds)
    .venv/bin/python -m bench.speech --split dev --voices

The same as ``central156 speech eval --fresh`` with per-voice rows: every clip of the part is
rendered (cached), recognised by Whisper as the IVR does it, understood by the shipped intent
model and calibration, and decided with the configured thresholds. "p95 s" is the time from the
end of the caller's recording to the decision on this machine. Method and figures:
bench/README.md.
"""

from __future__ import annotations

import argparse

from citizen_center.config import load_settings
from ivr.speech.eval_cli import progress_bar
from ivr.speech.evaluation.dataset import Split
from ivr.speech.evaluation.session import EvalSession
from ivr.speech.evaluation.table import by_voice, render, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--cached", action="store_true", help="reuse cached recognitions")
    parser.add_argument("--voices", action="store_true", help="one row per voice as well")
    args = parser.parse_args()
    session = EvalSession.create(load_settings().ivr, progress=progress_bar)
    turns = session.run(Split(args.split), session.understanding(), fresh=not args.cached)
    table = rows(turns) + (by_voice(turns) if args.voices else [])
    print(render(f"speech path, {session.title(args.split)}", table))


if __name__ == "__main__":
    main()
