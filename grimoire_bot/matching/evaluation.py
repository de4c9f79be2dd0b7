"""Scoring a matcher against cases with known answers (recall@k, MRR, false positives).

Pure: the caller loads the cases and runs the matcher (in-process or over HTTP) and hands
over, per case, the acceptable spell keys (best first; empty when nothing should match)
and the keys the matcher returned, best first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: str
    expected: tuple[str, ...]
    returned: tuple[str, ...]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first acceptable spell returned, None if none was."""
        for position, key in enumerate(self.returned, start=1):
            if key in self.expected:
                return position
        return None


@dataclass(frozen=True, slots=True)
class Metrics:
    recall_at_1: float
    recall_at_3: float
    mrr: float
    false_positive_rate: float
    positives: int
    negatives: int

    def as_json(self) -> dict[str, float | int]:
        return {
            "recall@1": self.recall_at_1,
            "recall@3": self.recall_at_3,
            "mrr": self.mrr,
            "fp_rate": self.false_positive_rate,
            "positives": self.positives,
            "negatives": self.negatives,
        }


def score_outcomes(outcomes: Sequence[Outcome]) -> Metrics:
    positives = [o for o in outcomes if o.expected]
    negatives = [o for o in outcomes if not o.expected]
    ranks = [o.rank for o in positives]
    count = max(len(positives), 1)
    return Metrics(
        recall_at_1=sum(1 for r in ranks if r == 1) / count,
        recall_at_3=sum(1 for r in ranks if r is not None and r <= 3) / count,
        mrr=sum(1.0 / r for r in ranks if r is not None) / count,
        false_positive_rate=sum(1 for o in negatives if o.returned) / max(len(negatives), 1),
        positives=len(positives),
        negatives=len(negatives),
    )
