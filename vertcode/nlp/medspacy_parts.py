"""medspaCy's parts that vertcode uses, imported without medspaCy's package __init__."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    """Stands in for a module until something reads from it, then imports the real one."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


def import_medspacy() -> types.SimpleNamespace:
    """The medspaCy parts vertcode uses (`ConText` and its graph, modifier and rule, `MedspacyMatcher`,
    `prune_overlapping_matches`, `Section`, `SectionRule`), without running medspaCy's package
    __init__.

    `import medspacy` imports every medspaCy component: PyRuSH (about 0.3 s) and QuickUMLS,
    which imports nltk (about 1.2 s), twice what spaCy itself takes, for components vertcode
    does not use. So the subpackages are imported on their own: the package is registered
    unexecuted while they load, and QuickUMLS's spaCy component, which `medspacy.util` imports
    at its top, is deferred until something uses it. Afterwards both placeholders are removed,
    so a later `import medspacy` runs the real package __init__ (reusing the loaded modules).
    Measured by `make bench` (start-up row).
    """
    if "medspacy" in sys.modules:
        return _medspacy_parts()
    spec = importlib.util.find_spec("medspacy")
    if spec is None:
        raise ImportError("vertcode needs medspaCy: pip install 'medspacy>=1.3,<1.4'")
    placeholders = {"medspacy": importlib.util.module_from_spec(spec)}
    if "quickumls" not in sys.modules:
        quickumls = types.ModuleType("quickumls")
        setattr(quickumls, "spacy_component", _Deferred("quickumls.spacy_component"))  # noqa: B010
        placeholders["quickumls"] = quickumls
    sys.modules.update(placeholders)
    try:
        from medspacy._extensions import set_extensions

        parts = _medspacy_parts()
        set_extensions()  # what medspaCy's __init__ does: Doc._.sections, Span._.modifiers...
    finally:
        for name in placeholders:
            del sys.modules[name]
    return parts


def _medspacy_parts() -> types.SimpleNamespace:
    from medspacy.common.medspacy_matcher import MedspacyMatcher
    from medspacy.common.util import prune_overlapping_matches
    from medspacy.context import ConText, ConTextGraph, ConTextModifier, ConTextRule
    from medspacy.section_detection import Section, SectionRule

    return types.SimpleNamespace(
        ConText=ConText,
        ConTextGraph=ConTextGraph,
        ConTextModifier=ConTextModifier,
        ConTextRule=ConTextRule,
        MedspacyMatcher=MedspacyMatcher,
        Section=Section,
        SectionRule=SectionRule,
        prune_overlapping_matches=prune_overlapping_matches,
    )
