"""medspaCy's ConText, in time linear in the note's length, and reading a note only as far as the
caps on terms and modifiers allow.

medspaCy's graph compares every modifier with every other one of the note, and every modifier
with every target: a 20 KB note of "no no no ..." took 11 s. A modifier's scope lies within its
sentence, so here modifiers are compared only with those whose reach (span and scope) overlaps
theirs, and with the targets inside their scope: the same scopes and edges, in the same order.

What is still quadratic within one sentence (the reader relates each level of a sentence to its
every term) is bounded by the caps: the note is read up to the first sentence that would pass
one, and `doc.user_data[UNREAD]` says where that is.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from vertcode.nlp.medspacy_parts import import_medspacy
from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk

#: Where a note stopped being read: the character offset of the first sentence not read.
UNREAD = "vertcode.unread"
#: Set on a note that names no level, technique, device or cement: nothing in it can be coded.
NOT_OURS = "vertcode.not_ours"
#: The labels without which a note yields no code, finding or flag. Findings are vertebral bodies,
#: made only from LEVEL entities; every flag and code of vertcode.coding needs a finding, a level
#: (aborted, unreadable, corrected, title-only), a TECHNIQUE or DEVICE (work words, unplaced
#: work) or CEMENT (cement documented, for "open-procedure"); sedation is coded only beside a code.
#: Only "note-read-in-part" needs none of them, so a note past the caps is read in full as before.
#: tests/test_differential.py holds it to the recorded results.
RELEVANT = frozenset({"LEVEL", "TECHNIQUE", "DEVICE", "CEMENT"})
#: Terms (levels, techniques, devices...) and ConText modifiers per note and per sentence beyond
#: which the rest of the note is not read. The corpus's most are 105 terms and 34 modifiers in a
#: note, 36 terms in a sentence.
MAX_TERMS, MAX_SENTENCE_TERMS = 3000, 120
MAX_MODIFIERS, MAX_SENTENCE_MODIFIERS = 1000, 60


@Language.factory(
    "vertcode_context",
    default_config={"rules": None, "span_attrs": None, "phrase_matcher_attr": "NORM"},
)
def make_context(nlp: Language, name: str, rules: str | None, span_attrs: Any, phrase_matcher_attr: str) -> Any:
    """medspaCy's ConText with its configuration (see `_bounded_context`)."""
    return _bounded_context()(nlp, name, rules=rules, span_attrs=span_attrs, phrase_matcher_attr=phrase_matcher_attr)


@cache
def _bounded_context() -> type:
    # A class made once medspaCy is imported: vertcode imports medspaCy's parts without its
    # package __init__ (see `import_medspacy`).
    parts = import_medspacy()

    class BoundedContext(parts.ConText):  # type: ignore[name-defined]
        """ConText.__call__ of medspaCy 1.3 with the graph built by `_relate`, and its rules saved
        with the pipeline (medspaCy's ConText saves none: a loaded one would find no modifier)."""

        def __init__(self, nlp: Language, name: str, *, phrase_matcher_attr: str, **config: Any):
            super().__init__(nlp, name, phrase_matcher_attr=phrase_matcher_attr, **config)
            self.phrase_matcher_attr = phrase_matcher_attr

        def _clear(self) -> None:
            self._ConText__matcher = parts.MedspacyMatcher(
                self.nlp,
                name=self.name,
                phrase_matcher_attr=self.phrase_matcher_attr,
                prune=self.prune_on_modifier_overlap,
            )

        def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
            rules_to_disk(path, [rule.to_dict() for rule in self.rules])

        def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "BoundedContext":
            self._clear()
            self.add([parts.ConTextRule.from_dict(row) for row in rules_from_disk(path)])
            return self

        def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
            return rules_to_bytes([rule.to_dict() for rule in self.rules])

        def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "BoundedContext":
            self._clear()
            self.add([parts.ConTextRule.from_dict(row) for row in rules_from_bytes(data)])
            return self

        def __call__(self, doc: Doc) -> Doc:
            matcher = self._ConText__matcher  # medspaCy's own, private to its class
            matches = matcher(doc)
            # doc.ents makes a new Span for every entity each time it is read: read it once.
            ents = doc.ents
            # Cut before the modifiers are made: each finds its sentence by walking it.
            cut = _cut(doc, [e.start for e in ents], [start for _, start, _ in matches])
            if cut is not None:
                doc.user_data[UNREAD] = doc[cut].idx
                doc.ents = ents = tuple(e for e in ents if e.start < cut)
                matches = [match for match in matches if match[1] < cut]
            elif not any(e.label_ in RELEVANT for e in ents):
                # ConText's modifiers and graph, and the reader after it, could change nothing.
                doc.user_data[NOT_OURS] = True
                return doc
            modifiers = [
                parts.ConTextModifier(
                    matcher.rule_map[self.nlp.vocab[match_id].text], start, end, doc, max_scope=self.max_scope
                )
                for match_id, start, end in matches
            ]
            graph = parts.ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
            graph.targets, graph.modifiers = ents, modifiers
            graph.edges = _relate(list(ents), modifiers)
            for target, modifier in graph.edges:
                target._.modifiers += (modifier,)
            if self.context_attributes_mapping:
                self.set_context_attributes(graph.edges)
            doc._.context_graph = graph
            return doc

    return BoundedContext


def _cut(doc: Doc, terms: list[int], modifiers: list[int]) -> int | None:
    """The first token of the first sentence that takes the note past a cap, if any, given the
    first tokens of the terms and of the modifiers."""
    starts = [sentence.start for sentence in doc.sents]
    per_sentence: dict[int, list[int]] = {}
    for kind, tokens in enumerate([terms, modifiers]):
        for token in tokens:
            per_sentence.setdefault(bisect_right(starts, token) - 1, [0, 0])[kind] += 1
    total_terms = total_modifiers = 0
    for index in sorted(per_sentence):
        in_terms, in_modifiers = per_sentence[index]
        total_terms, total_modifiers = total_terms + in_terms, total_modifiers + in_modifiers
        if (
            in_terms > MAX_SENTENCE_TERMS
            or in_modifiers > MAX_SENTENCE_MODIFIERS
            or total_terms > MAX_TERMS
            or total_modifiers > MAX_MODIFIERS
        ):
            return starts[index]
    return None


def _relate(targets: list[Span], modifiers: list) -> list[tuple[Span, Any]]:
    """medspaCy's `ConTextGraph.update_scopes` then `apply_modifiers` (without pruning, which
    ConText leaves off), comparing only what can touch.

    `limit_scope(other)` narrows a scope only at a token of `other`'s span inside the scope, so
    modifiers whose reaches (span and scope; scopes only narrow) do not overlap leave each other
    alone; within a group the pairs are taken in medspaCy's order. A modifier modifies only
    targets overlapping its scope: the entities are sorted and do not overlap, so those are a
    slice found by bisection.
    """
    for group in _overlapping(modifiers):
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                first.limit_scope(second)
                second.limit_scope(first)
    starts, ends = [t.start for t in targets], [t.end for t in targets]
    edges: list[tuple[Span, Any]] = []
    for modifier in modifiers:
        scope_start, scope_end = modifier.scope_span
        for target in targets[bisect_right(ends, scope_start) : bisect_left(starts, scope_end)]:
            if modifier.modifies(target):
                modifier.modify(target)
        modifier.reduce_targets()
        edges.extend((target, modifier) for target in modifier._targets)
    return edges


def _overlapping(modifiers: list) -> list[list]:
    """The modifiers in groups whose reaches overlap, each in the note's order of modifiers."""
    reaches = []
    for index, modifier in enumerate(modifiers):
        (start, end), (scope_start, scope_end) = modifier.modifier_span, modifier.scope_span
        reaches.append((min(start, scope_start), max(end, scope_end), index))
    groups: list[list[int]] = []
    reach_end = 0
    for start, end, index in sorted(reaches):
        if groups and start < reach_end:
            groups[-1].append(index)
            reach_end = max(reach_end, end)
        else:
            groups.append([index])
            reach_end = end
    return [[modifiers[i] for i in sorted(group)] for group in groups]
