"""The abbreviation detector runs only where a "(" token could start a definition: that rests on
scispaCy's one candidate pattern, checked here so a scispaCy release that changes it fails."""


def test_the_detector_finds_definitions_only_at_an_opening_bracket(coder):
    detector = coder.nlp.get_pipe("vertcode_abbreviations").detector
    assert len(detector.matcher) == 1
    _, patterns = detector.matcher.get("parenthesis")
    assert patterns == [[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]]


def test_a_definition_still_labels_its_uses(coder):
    doc = coder.nlp("Percutaneous vertebral augmentation (PVA) was performed. PVA at L1 with 3 mL PMMA.")
    assert [e.label_ for e in doc.ents if e.text == "PVA"] == ["TECHNIQUE", "TECHNIQUE"]
