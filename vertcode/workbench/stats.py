"""What the coders' decisions say about the suggestions.

Counted over the decided lines of every note's current version: per suggested code and per
flag (the flags that put a line under review), how many lines were accepted, edited or
rejected, and the reasons for rejecting; and per disposition, how many done notes coders
changed (edited, rejected or added a line). A changed `auto` note is a silent error vertcode
made in real work: the figure `vertcode eval` can only estimate on a corpus.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from vertcode.workbench.checks import REASONS
from vertcode.workbench.store import load_notes


@dataclass
class Tally:
    accepted: int = 0
    edited: int = 0
    rejected: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected

    def rate(self, status: str) -> float | None:
        return getattr(self, status) / self.decided if self.decided else None

    def to_dict(self) -> dict:
        return {
            "decided": self.decided,
            "accepted": self.accepted,
            "edited": self.edited,
            "rejected": self.rejected,
            "acceptance": _round(self.rate("accepted")),
        }


@dataclass
class Stats:
    notes: int = 0
    done: int = 0
    lines: Tally = field(default_factory=Tally)
    added: int = 0
    per_code: dict[str, Tally] = field(default_factory=dict)
    per_flag: dict[str, Tally] = field(default_factory=dict)
    reasons: Counter = field(default_factory=Counter)
    #: disposition -> [done notes, of them changed by a coder]
    dispositions: dict[str, list[int]] = field(default_factory=lambda: {"auto": [0, 0], "review": [0, 0]})

    def to_dict(self) -> dict:
        return {
            "notes": self.notes,
            "done": self.done,
            "lines": self.lines.to_dict() | {"added": self.added},
            "edited_share": _round(self.lines.rate("edited")),
            "rejected_share": _round(self.lines.rate("rejected")),
            "codes": {code: t.to_dict() for code, t in sorted(self.per_code.items())},
            "flags": {kind: t.to_dict() for kind, t in sorted(self.per_flag.items())},
            "reasons": {REASONS.get(r, r): n for r, n in self.reasons.most_common()},
            "dispositions": {
                d: {"done": n, "changed": c, "changed_share": _round(c / n if n else None)}
                for d, (n, c) in self.dispositions.items()
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def compute(engine: Engine) -> Stats:
    stats = Stats()
    for view in load_notes(engine):
        stats.notes += 1
        changed = False
        for line in view.lines:
            if line.suggestion is None:
                stats.added += 1
                changed = True
                continue
            if line.status == "todo":
                continue
            stats.lines.add(line.status)
            stats.per_code.setdefault(line.suggestion["code"], Tally()).add(line.status)
            for kind in line.suggestion.get("review_reasons", []):
                stats.per_flag.setdefault(kind, Tally()).add(line.status)
            if line.status == "rejected" and line.reason:
                stats.reasons[line.reason] += 1
            changed = changed or line.status != "accepted"
        if view.done:
            stats.done += 1
            counts = stats.dispositions.setdefault(view.disposition, [0, 0])
            counts[0] += 1
            counts[1] += changed
    return stats


def format_stats(stats: Stats) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    out = [
        f"notes {stats.notes}, done {stats.done}",
        f"lines decided {stats.lines.decided}: accepted {stats.lines.accepted}, edited {stats.lines.edited}"
        f" ({pct(stats.lines.rate('edited'))}), rejected {stats.lines.rejected} ({pct(stats.lines.rate('rejected'))});"
        f" added {stats.added}",
    ]
    for title, table in (("code", stats.per_code), ("flag", stats.per_flag)):
        if table:
            out.append(f"{title:<32} decided accepted edited rejected acceptance")
            for key, t in sorted(table.items()):
                counts = f"{t.decided:>7} {t.accepted:>8} {t.edited:>6} {t.rejected:>8}"
                out.append(f"{key:<32} {counts} {pct(t.rate('accepted')):>10}")
    if stats.reasons:
        out.append(
            "reasons for rejecting: " + ", ".join(f"{REASONS.get(r, r)} {n}" for r, n in stats.reasons.most_common())
        )
    for disposition, (done, changed) in stats.dispositions.items():
        share = pct(changed / done if done else None)
        out.append(f"{disposition} notes done {done}, changed by coders {changed} ({share})")
    return "\n".join(out)
