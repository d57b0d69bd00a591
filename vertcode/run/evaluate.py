"""Evaluation against an annotated corpus: CORPUS/gold.jsonl and the notes it names.

A gold line is `{"note": "seed-04.txt", "codes": {"22513": 1, "22515": 2}}`, the note's path
relative to CORPUS/notes/, optionally with `"flags": ["cross-region-primary"]` and with
`"cement": {"T7": "phrase"}`, the words that document the cement put into each treated level
(or "sacrum"): the report then says how many code lines cite a cement or injection span in the
sentence holding that phrase, so evidence is scored as well as codes. A note matches
exactly when its whole set of codes and units equals the gold. A code that should not be there
is worse than a missing one, so notes with false positives are listed first.

A line may also give `"diagnoses": ["M84.58XA", "C79.51"]` (the ICD-10-CM codes, in order),
`"diagnosis_queries": ["fracture-etiology"]` and `"checklist": ["pain-severity", ...]` (the
coverage elements the note documents): the report then scores diagnoses per note (exact: the same
codes and the same queries) and per code, and each checklist element's "found" against the gold.
A note whose diagnoses are wrong with no query raised is a *silent diagnosis error*.

A note vertcode marks "auto" (nothing unexplained) that is not exactly right is a *silent error*,
the worst kind: a coder trusts it. The report gives their count, the share of notes marked auto,
and the precision of auto notes (the share of them that are exactly right).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vertcode.model import NoteResult
from vertcode.read.text import NoteSource


class GoldError(ValueError):
    """gold.jsonl is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class Gold:
    note: str
    codes: dict[str, int]
    flags: frozenset[str] | None  # None: this line does not annotate flags
    cement: dict[str, str] = field(default_factory=dict)  # level -> phrase documenting its cement
    diagnoses: tuple[str, ...] | None = None  # None: this line does not annotate diagnoses
    queries: frozenset[str] = frozenset()
    checklist: frozenset[str] | None = None


def load_gold(corpus: Path) -> list[Gold]:
    path = corpus / "gold.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"{path}: cannot read ({exc.strerror or exc})") from None
    gold = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{where}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("note"), str):
            raise GoldError(f'{where}: expected an object with a "note" path')
        codes = row.get("codes")
        if not isinstance(codes, dict) or not all(
            isinstance(u, int) and not isinstance(u, bool) and u > 0 for u in codes.values()
        ):
            raise GoldError(f'{where}: "codes" must map each code to a positive whole number of units')
        flags = row.get("flags")
        if flags is not None and not (isinstance(flags, list) and all(isinstance(f, str) for f in flags)):
            raise GoldError(f'{where}: "flags" must be a list of flag kinds')
        cement = row.get("cement", {})
        if not (isinstance(cement, dict) and all(isinstance(p, str) and p for p in cement.values())):
            raise GoldError(f'{where}: "cement" must map each level to the phrase documenting its cement')
        for key in ("diagnoses", "diagnosis_queries", "checklist"):
            value = row.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise GoldError(f'{where}: "{key}" must be a list of strings')
        gold.append(
            Gold(
                row["note"],
                dict(codes),
                frozenset(flags) if flags is not None else None,
                dict(cement),
                tuple(row["diagnoses"]) if row.get("diagnoses") is not None else None,
                frozenset(row.get("diagnosis_queries") or ()),
                frozenset(row["checklist"]) if row.get("checklist") is not None else None,
            )
        )
    return gold


def sources(corpus: Path, gold: Iterable[Gold]) -> list[NoteSource]:
    return [NoteSource(g.note, corpus / "notes" / g.note) for g in gold]


@dataclass
class Difference:
    note: str
    expected: dict[str, int]
    got: dict[str, int]
    false_positives: list[str]
    errors: list[str]
    disposition: str


@dataclass
class Report:
    notes: int = 0
    exact: int = 0
    auto: int = 0  # notes marked "auto"
    auto_exact: int = 0  # of those, exactly right
    per_code: dict[str, dict[str, int]] = field(default_factory=dict)
    flag_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    cement_levels: int = 0  # coded levels with a gold cement phrase
    cement_cited: int = 0  # of those, whose code line cites it
    cement_missed: list[str] = field(default_factory=list)  # "note level"
    dx_notes: int = 0  # notes whose gold annotates diagnoses
    dx_exact: int = 0
    dx_silent: int = 0  # wrong, and no query raised
    dx_codes: dict[str, dict[str, int]] = field(default_factory=dict)  # ICD-10-CM codes and query kinds
    dx_differences: list[str] = field(default_factory=list)
    checklist: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def exact_match(self) -> float:
        return self.exact / self.notes if self.notes else 0.0

    @property
    def silent_errors(self) -> int:
        """Notes marked auto that are not exactly right."""
        return self.auto - self.auto_exact

    @property
    def auto_rate(self) -> float:
        return self.auto / self.notes if self.notes else 0.0

    @property
    def auto_precision(self) -> float | None:
        return self.auto_exact / self.auto if self.auto else None

    def to_dict(self) -> dict:
        return {
            "notes": self.notes,
            "exact": self.exact,
            "exact_match": round(self.exact_match, 4),
            "silent_errors": self.silent_errors,
            "auto": self.auto,
            "auto_rate": round(self.auto_rate, 4),
            "auto_precision": None if self.auto_precision is None else round(self.auto_precision, 4),
            "codes": {code: _scores(c) for code, c in sorted(self.per_code.items())},
            "flags": {kind: _scores(c) for kind, c in sorted(self.flag_counts.items())},
            "differences": [d.__dict__ for d in self.differences],
            "cement_evidence": {"levels": self.cement_levels, "cited": self.cement_cited, "missed": self.cement_missed},
            "diagnoses": {
                "notes": self.dx_notes,
                "exact": self.dx_exact,
                "silent_errors": self.dx_silent,
                "codes": {code: _scores(c) for code, c in sorted(self.dx_codes.items())},
                "differences": self.dx_differences,
            },
            "checklist": {element: _scores(c) for element, c in sorted(self.checklist.items())},
        }


def _scores(counts: dict[str, int]) -> dict:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }


def score(gold: list[Gold], results: Iterable[NoteResult], corpus: Path | None = None) -> Report:
    """Compare results (in the order of `gold`) with the gold answers; with the `corpus` folder,
    the gold cement phrases are looked up in the notes and their evidence scored too."""
    report = Report()
    for expected, result in zip(gold, results, strict=True):
        if corpus is not None and expected.cement:
            _score_cement(report, expected, result, (corpus / "notes" / expected.note).read_text(encoding="utf-8"))
        got = result.code_units()
        report.notes += 1
        for code in set(expected.codes) | set(got):
            counts = report.per_code.setdefault(code, {"tp": 0, "fp": 0, "fn": 0})
            want, have = expected.codes.get(code, 0), got.get(code, 0)
            counts["tp"] += min(want, have)
            counts["fp"] += max(0, have - want)
            counts["fn"] += max(0, want - have)
        if expected.flags is not None:
            raised = {f.kind for f in result.flags}
            for kind in expected.flags | raised:
                counts = report.flag_counts.setdefault(kind, {"tp": 0, "fp": 0, "fn": 0})
                counts["tp" if kind in expected.flags and kind in raised else "fp" if kind in raised else "fn"] += 1
        if expected.diagnoses is not None:
            _score_diagnoses(report, expected, result)
        right = got == expected.codes and not result.errors
        report.exact += right
        if result.disposition == "auto":
            report.auto += 1
            report.auto_exact += right
        if not right:
            extra = sorted(c for c in got if got[c] > expected.codes.get(c, 0))
            report.differences.append(
                Difference(expected.note, expected.codes, got, extra, result.errors, result.disposition)
            )
    # Silent errors first, then false positives: the worst mistakes lead the list.
    report.differences.sort(key=lambda d: (d.disposition != "auto", not d.false_positives, d.note))
    return report


#: Where a sentence ends, for finding the one that holds a gold cement phrase ("1.5 cc" is not an end).
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|\n")
_SACROPLASTY = ("0200T", "0201T")


def _score_cement(report: Report, expected: Gold, result: NoteResult, text: str) -> None:
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    for level, phrase in expected.cement.items():
        at = text.find(phrase)
        lines = [c for c in result.codes if level in c.levels or (level == "sacrum" and c.code in _SACROPLASTY)]
        if at < 0 or not lines:
            continue  # a phrase not in the note is the gold's slip; a level not coded, a coding miss
        start = max((e for e in ends if e <= at), default=0)
        end = min((e for e in ends if e >= at + len(phrase)), default=len(text))
        report.cement_levels += 1
        if any(
            e.label in ("CEMENT", "INJECTION") and e.start < end and e.end > start for c in lines for e in c.evidence
        ):
            report.cement_cited += 1
        else:
            report.cement_missed.append(f"{expected.note} {level}")


def _score_diagnoses(report: Report, expected: Gold, result: NoteResult) -> None:
    claim = result.claim
    got = {d.code for d in claim.diagnoses} if claim else set()
    asked = {f"query:{q.kind}" for q in claim.queries} if claim else set()
    want = set(expected.diagnoses or ()) | {f"query:{k}" for k in expected.queries}
    have = got | asked
    report.dx_notes += 1
    for code in want | have:
        counts = report.dx_codes.setdefault(code, {"tp": 0, "fp": 0, "fn": 0})
        counts["tp" if code in want and code in have else "fp" if code in have else "fn"] += 1
    if want == have:
        report.dx_exact += 1
    else:
        silent = not asked
        report.dx_silent += silent
        report.dx_differences.append(
            f"{expected.note}: expected {sorted(want) or '[]'}, got {sorted(have) or '[]'}"
            + ("  [SILENT]" if silent else "")
        )
    if expected.checklist is not None and claim is not None:
        found = {i.element for i in claim.checklist if i.status == "found"}
        for element in JUDGED_ELEMENTS:
            counts = report.checklist.setdefault(element, {"tp": 0, "fp": 0, "fn": 0})
            wanted, has = element in expected.checklist, element in found
            if wanted or has:
                counts["tp" if wanted and has else "fp" if has else "fn"] += 1


#: The checklist elements a gold line judges (the others are computed from the codes).
JUDGED_ELEMENTS = (
    "imaging-acute-fracture",
    "level-concordance",
    "pain-severity",
    "failed-non-surgical-management",
    "functional-impairment",
    "no-absolute-contraindication",
    "relative-contraindications-considered",
    "bone-health-plan",
)


def format_report(report: Report) -> str:
    lines = [
        f"exact match: {report.exact}/{report.notes} notes ({report.exact_match:.1%})",
        f"silent errors: {report.silent_errors} (wrong and marked auto)",
        f"auto: {report.auto}/{report.notes} notes ({report.auto_rate:.1%}), "
        f"precision of auto notes {_pct(report.auto_precision)}",
    ]
    if report.cement_levels:
        lines.append(
            f"cement evidence: {report.cement_cited}/{report.cement_levels} coded levels cite the cement put there"
            + (f" (missed: {', '.join(report.cement_missed)})" if report.cement_missed else "")
        )
    lines += ["", *_table("code", 8, report.per_code)]
    if report.flag_counts:
        lines += ["", *_table("flag", 32, report.flag_counts)]
    if report.dx_notes:
        lines += [
            "",
            f"diagnoses: {report.dx_exact}/{report.dx_notes} notes exact (codes and queries), "
            f"{report.dx_silent} wrong with no query raised",
            *_table("diagnosis or query", 28, report.dx_codes),
        ]
    if report.checklist:
        lines += ["", *_table("checklist element (found)", 40, report.checklist)]
    if report.dx_differences:
        lines += ["", "notes whose diagnoses differ:"] + [f"  {d}" for d in report.dx_differences]
    if report.differences:
        lines += ["", "notes that differ (silent errors first, then false positives):"]
        for d in report.differences:
            line = f"  {d.note}: expected {_codes(d.expected)}, got {_codes(d.got)}"
            if d.disposition == "auto":
                line += "  [SILENT: marked auto]"
            if d.false_positives:
                line += f"  [false positive: {', '.join(d.false_positives)}]"
            if d.errors:
                line += f"  [error: {'; '.join(d.errors)}]"
            lines.append(line)
    return "\n".join(lines)


def _table(title: str, width: int, counts: dict[str, dict[str, int]]) -> list[str]:
    """A precision and recall table, a row per name."""
    rows = [f"{title:<{width}}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}"]
    for name, c in sorted(counts.items()):
        s = _scores(c)
        rows.append(
            f"{name:<{width}}{s['tp']:>5}{s['fp']:>5}{s['fn']:>5}{_pct(s['precision']):>11}{_pct(s['recall']):>8}"
        )
    return rows


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _codes(codes: dict[str, int]) -> str:
    return "{" + ", ".join(f"{c} x{u}" for c, u in sorted(codes.items())) + "}" if codes else "{}"
