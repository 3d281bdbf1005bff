"""The four-outcome table, per voice, noise and intent group."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from citizen_center.catalogue import Catalogue
from citizen_center.config import IvrSettings
from ivr.intent.actions import MenuContext
from ivr.speech.evaluation.dataset import Group
from ivr.speech.evaluation.scoring import Outcome, Turn, outcome_of


@dataclass(frozen=True)
class Row:
    name: str
    turns: int
    shares: dict[Outcome, float]
    p50: float
    p95: float

    @property
    def right_total(self) -> float:
        return self.shares[Outcome.RIGHT] + self.shares[Outcome.CONFIRMED]

    @property
    def asked_again(self) -> float:
        """Rejected, or a wrong proposal turned down: either way the caller is asked again."""
        return self.shares[Outcome.RETRY] + self.shares[Outcome.DECLINED]


def summarise(name: str, turns: Sequence[Turn]) -> Row:
    count = len(turns)
    shares = {o: (sum(t.outcome is o for t in turns) / count if count else 0.0) for o in Outcome}
    seconds = np.array([t.seconds for t in turns]) if turns else np.zeros(1)
    return Row(
        name, count, shares, float(np.percentile(seconds, 50)), float(np.percentile(seconds, 95))
    )


SLICES: tuple[tuple[str, Callable[[Turn], bool]], ...] = (
    ("all turns", lambda t: True),
    ("natural voices", lambda t: t.clip.natural),
    ("natural voices, clean", lambda t: t.clip.natural and t.clip.snr_db is None),
    ("robotic voices (espeak-ng)", lambda t: not t.clip.natural),
    ("noisy 5-15 dB", lambda t: t.clip.snr_db is not None),
    ("clean", lambda t: t.clip.snr_db is None),
    *((f"group: {g.value}", (lambda g: lambda t: t.clip.item.group is g)(g)) for g in Group),
    (
        "  off_menu, to the yes/no question",
        lambda t: t.clip.item.group is Group.OFF_MENU
        and t.clip.item.context is MenuContext.CONFIRM,
    ),
)


def rows(turns: Sequence[Turn]) -> list[Row]:
    return [summarise(name, [t for t in turns if keep(t)]) for name, keep in SLICES]


def by_voice(turns: Sequence[Turn]) -> list[Row]:
    voices = sorted({t.clip.voice for t in turns})
    return [summarise(f"voice: {v}", [t for t in turns if t.clip.voice == v]) for v in voices]


def render(title: str, table: Sequence[Row]) -> str:
    header = (
        f"{'':30} {'turns':>5} {'right':>7} {'confirm':>8} {'=right':>7} {'retry':>7} "
        f"{'(declined)':>10} {'misroute':>8} {'p50 s':>6} {'p95 s':>6}"
    )
    lines = [title, header, "-" * len(header)]
    for row in table:
        s = row.shares
        lines.append(
            f"{row.name:30} {row.turns:>5} {s[Outcome.RIGHT]:>7.1%} {s[Outcome.CONFIRMED]:>8.1%} "
            f"{row.right_total:>7.1%} {row.asked_again:>7.1%} {s[Outcome.DECLINED]:>10.1%} "
            f"{s[Outcome.MISROUTE]:>8.1%} {row.p50:>6.2f} {row.p95:>6.2f}"
        )
    lines.append(
        "(off_menu row: 'right' = rejected, as it should be; '=right' = right at once "
        "or after one confirmation; 'retry' = asked again, of which '(declined)' = a "
        "wrong target proposed in 'Você disse ...?' and turned down)"
    )
    return "\n".join(lines)


def sweep(
    turns: Sequence[Turn],
    settings: IvrSettings,
    catalogue: Catalogue,
    accepts: Sequence[float] = (0.9, 0.95),
    confirms: Sequence[float] = (0.4, 0.5, 0.6, 0.65, 0.7, 0.8),
) -> str:
    """Right (at once or confirmed) and misroute shares for other thresholds: how the catalogue
    owner picks ``intent_accept_confidence`` and ``intent_confirm_confidence``."""
    lines = ["thresholds (accept / confirm):  =right  declined  misroute  off-menu rejected"]
    for accept in accepts:
        for confirm in confirms:
            if confirm >= accept:
                continue
            trial = settings.replace(
                intent_accept_confidence=accept, intent_confirm_confidence=confirm
            )
            decided = [_decided_again(t, trial, catalogue) for t in turns]
            row = summarise("", decided)
            off = summarise("", [t for t in decided if t.clip.item.group is Group.OFF_MENU])
            lines.append(
                f"  {accept:.2f} / {confirm:.2f}: {row.right_total:>7.1%} "
                f"{row.shares[Outcome.DECLINED]:>9.1%} "
                f"{row.shares[Outcome.MISROUTE]:>9.1%} {off.shares[Outcome.RIGHT]:>9.1%}"
            )
    return "\n".join(lines)


def _decided_again(turn: Turn, settings: IvrSettings, catalogue: Catalogue) -> Turn:
    """``turn`` as it would end with other thresholds (same recognition, same confidence)."""
    decision = turn.intent.decision(settings)
    return replace(
        turn,
        decision=decision,
        outcome=outcome_of(turn.clip.item, turn.intent, decision, catalogue),
    )
