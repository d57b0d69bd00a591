import pytest

from vertcode.levels import LevelError, expand, parse, region_of


@pytest.mark.parametrize(
    "text, levels",
    [
        ("T12", ["T12"]),
        ("t12", ["T12"]),
        ("L-1", ["L1"]),
        ("L 1", ["L1"]),
        ("(L2)", ["L2"]),
        ("T12-L1", ["T12", "L1"]),
        ("T11–L2", ["T11", "T12", "L1", "L2"]),
        ("T11 through L1", ["T11", "T12", "L1"]),
        ("T7 to T9", ["T7", "T8", "T9"]),
        ("L2-4", ["L2", "L3", "L4"]),
        ("T12/L1", ["T12", "L1"]),
        ("L4/5", ["L4", "L5"]),
        ("the twelfth thoracic vertebra", ["T12"]),
        ("first lumbar vertebral body", ["L1"]),
        ("sacrum", ["sacrum"]),
        ("sacral ala", ["sacrum"]),
        ("L6", ["L6"]),
        ("T13", ["T13"]),
        ("C7-T1", ["C7", "T1"]),
        ("L5-S1", ["L5", "S1"]),
        # European, German, dictated and dotted forms (issue 13).
        ("Th12", ["T12"]),
        ("TH 7", ["T7"]),
        ("D12", ["T12"]),
        ("Th11/12", ["T11", "T12"]),
        ("D11-L1", ["T11", "T12", "L1"]),
        ("tee twelve", ["T12"]),
        ("tee 8", ["T8"]),
        ("el one", ["L1"]),
        ("T-twelve", ["T12"]),
        ("L-one", ["L1"]),
        ("C-two", ["C2"]),
        ("L. 2", ["L2"]),
        ("tee eleven through el one", ["T11", "T12", "L1"]),
        ("S1 ala", ["sacrum"]),
        ("BWK 12", ["T12"]),
        ("LWK 1", ["L1"]),
        ("lumbar three", ["L3"]),
        ("thoracic 12", ["T12"]),
        ("T. nine", ["T9"]),
        ("L for", ["L4"]),
        # Look-alike letters a case-insensitive regex takes for ASCII ones (OCR, pasted text).
        ("fırst thoracıc vertebra", ["T1"]),
        ("the ſecond lumbar vertebra", ["L2"]),
        ("TWELFTH THORACİC", ["T12"]),
        ("tee ſix", ["T6"]),
        ("ſacrum", ["sacrum"]),
    ],
)
def test_parse_every_written_form(text, levels):
    assert parse(text) == levels


def test_ranges_skip_variant_levels_unless_named():
    # T13 and L6 exist only in patients who have them: a range includes them only as an end.
    assert expand("T11", "L1") == ["T11", "T12", "L1"]
    assert expand("L4", "S1") == ["L4", "L5", "S1"]
    assert expand("T12", "T13") == ["T12", "T13"]
    assert expand("L5", "L6") == ["L5", "L6"]


def test_range_written_downwards_keeps_its_order():
    assert parse("L2-T12") == ["L2", "L1", "T12"]


@pytest.mark.parametrize("text", ["T14", "C8", "L7", "S6", "X3", "kyphoplasty"])
def test_not_a_level(text):
    with pytest.raises(LevelError):
        parse(text)


def test_regions():
    assert [region_of(x) for x in ("C7", "T13", "L6", "S1", "sacrum")] == [
        "cervical",
        "thoracic",
        "lumbar",
        "sacral",
        "sacral",
    ]
