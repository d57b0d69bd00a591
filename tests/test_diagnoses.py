"""The diagnosis rules (vertcode/docs/diagnosis-rules.md), each on a note written its way: the
codes, their order, the levels and lines they support, the evidence, and the queries."""

from __future__ import annotations

import pytest

from vertcode.run.coder import Coder


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def claim_of(coder: Coder, text: str):
    result = coder.code_text(text, "note.txt")
    assert result.claim is not None, result.codes
    return result.claim


def codes(claim) -> list[str]:
    return [d.code for d in claim.diagnoses]


def queries(claim) -> list[str]:
    return [q.kind for q in claim.queries]


PROCEDURE = (
    "Procedure: Percutaneous vertebroplasty of {level}.\n"
    "Description: Under fluoroscopy an 11-gauge needle was advanced into the {level} vertebral body "
    "through the right pedicle and 3 mL of PMMA cement was injected. The needle was removed.\n"
)


def note(diagnosis: str, level: str = "L1", history: str = "") -> str:
    return (
        f"Preoperative diagnosis: {diagnosis}\n"
        + (f"History: {history}\n" if history else "")
        + PROCEDURE.format(level=level)
    )


def test_osteoporotic_fracture_is_m80_once_with_its_evidence(coder):
    text = note("Osteoporotic compression fracture of L1.")
    claim = claim_of(coder, text)
    assert codes(claim) == ["M80.08XA"]
    assert queries(claim) == []
    (dx,) = claim.diagnoses
    assert dx.levels == ["L1"] and dx.lines == ["22511"]
    cited = {e.text for e in dx.evidence}
    assert "Osteoporotic" in cited
    first = next(e for e in dx.evidence if e.text == "Osteoporotic")
    assert text[first.start : first.end] == "Osteoporotic"


def test_steroid_induced_osteoporosis_is_other_osteoporosis(coder):
    claim = claim_of(coder, note("L1 compression fracture; steroid-induced osteoporosis."))
    assert codes(claim) == ["M80.88XA"]
    assert "T38.0X5A" in (claim.diagnoses[0].review or "")


def test_osteoporosis_in_the_history_covers_a_fracture_written_without_cause(coder):
    claim = claim_of(coder, note("L1 compression fracture.", history="Osteoporosis on alendronate."))
    assert codes(claim) == ["M80.08XA"]


def test_minor_fall_in_osteoporosis_stays_osteoporotic(coder):
    claim = claim_of(coder, note("L1 compression fracture after a fall from standing.", history="Osteoporosis."))
    assert codes(claim) == ["M80.08XA"]


def test_high_energy_injury_in_osteoporosis_is_asked(coder):
    claim = claim_of(coder, note("L1 compression fracture after a motor vehicle collision.", history="Osteoporosis."))
    assert codes(claim) == [] and queries(claim) == ["trauma-or-osteoporosis"]
    assert claim.queries[0].levels == ["L1"]
    assert "L1" in claim.queries[0].question


def test_a_cause_said_unknown_in_a_doubtful_sentence_is_asked_not_taken_from_the_history(coder):
    claim = claim_of(
        coder,
        note(
            "L1 compression fracture of uncertain etiology, question old trauma versus pathologic.",
            history="Osteoporosis, on alendronate.",
        ),
    )
    assert codes(claim) == [] and queries(claim) == ["fracture-etiology"]
    assert claim.queries[0].levels == ["L1"]


def test_a_post_traumatic_collapse_after_a_trivial_fall_stays_osteoporotic(coder):
    # Kummell's "delayed post-traumatic vertebral collapse" names the slow course, not a high-energy injury.
    claim = claim_of(
        coder,
        note(
            "Osteoporotic L1 compression fracture with nonunion (delayed post-traumatic vertebral collapse).",
            history="Osteoporosis; a trivial fall from standing 4 months ago.",
        ),
    )
    assert codes(claim) == ["M80.08XK"] and queries(claim) == []


def test_compression_of_a_named_nerve_root_is_no_fracture_of_a_biopsied_level(coder):
    text = (
        "Procedure: Percutaneous bone biopsy, L4 vertebral body.\n"
        "Indication: disk herniation at the L4-L5 level with compression of the left L5 nerve root; an "
        "osteodense lesion in the L4 vertebral body, metastasis suspected.  No fracture of L4.\n"
        "Description: under fluoroscopy an 11-gauge bone biopsy needle was advanced through the right "
        "pedicle into the L4 lesion and two cores were obtained.\n"
    )
    claim = claim_of(coder, text)
    assert codes(claim) == [] and queries(claim) == ["pathology-pending"]


def test_metastatic_fracture_puts_the_fracture_first_then_the_neoplasm(coder):
    claim = claim_of(coder, note("Pathologic fracture of L1 due to metastatic breast cancer."))
    assert codes(claim) == ["M84.58XA", "C79.51"]
    assert "primary" in (claim.diagnoses[1].review or "")


@pytest.mark.parametrize(
    "said, code",
    [
        ("multiple myeloma", "C90.00"),
        ("multiple myeloma in remission", "C90.01"),
        ("relapsed multiple myeloma", "C90.02"),
    ],
)
def test_myeloma_by_its_state(coder, said, code):
    claim = claim_of(coder, note(f"L1 compression fracture from {said}."))
    assert codes(claim) == ["M84.58XA", code]


def test_a_lesion_without_fracture_is_the_neoplasm_alone(coder):
    claim = claim_of(coder, note("Painful aggressive hemangioma of L1, no fracture."))
    assert codes(claim) == ["D18.09"]


def test_suspected_metastasis_is_not_coded(coder):
    claim = claim_of(coder, note("L1 compression fracture, suspected metastasis, biopsy pending."))
    assert codes(claim) == [] and queries(claim) == ["fracture-etiology"]


def test_unnamed_tumour_asks_which_neoplasm(coder):
    claim = claim_of(coder, note("Pathologic fracture of L1 from a tumor."))
    assert queries(claim) == ["neoplasm-type"] and codes(claim) == []


@pytest.mark.parametrize(
    "said, code",
    [
        ("wedge compression fracture of L1 after a fall from a ladder", "S32.010A"),
        ("stable burst fracture of L1 after a fall from a ladder", "S32.011A"),
        ("unstable burst fracture of L1 in a motor vehicle collision", "S32.012A"),
        ("traumatic fracture of L1 in a motor vehicle collision", "S32.019A"),
        ("wedge compression fracture of T12 after a fall from a roof", "S22.080A"),
    ],
)
def test_traumatic_fracture_by_level_and_type(coder, said, code):
    level = "T12" if "T12" in said else "L1"
    claim = claim_of(coder, note(said[0].upper() + said[1:] + ".", level=level))
    assert codes(claim) == [code] and queries(claim) == []


def test_burst_fracture_of_unsaid_stability_is_asked(coder):
    claim = claim_of(coder, note("Burst fracture of L1 after a fall from a ladder."))
    assert codes(claim) == [] and queries(claim) == ["fracture-type"]


def test_compression_fracture_without_cause_is_asked_not_guessed(coder):
    claim = claim_of(coder, note("Painful L1 compression fracture."))
    assert codes(claim) == [] and queries(claim) == ["fracture-etiology"]
    assert claim.queries[0].question.startswith("The note documents a vertebral fracture at L1")


def test_osteopenia_is_not_osteoporosis(coder):
    claim = claim_of(coder, note("L1 compression fracture.", history="Osteopenia."))
    assert queries(claim) == ["fracture-etiology"]


def test_spontaneous_collapse_without_cause_is_collapsed_vertebra_by_region(coder):
    claim = claim_of(coder, note("Spontaneous non-traumatic collapse of L1 vertebral body."))
    assert codes(claim) == ["M48.56XA"]


def test_nonunion_takes_the_seventh_character_k(coder):
    claim = claim_of(coder, note("Osteoporotic L1 compression fracture with nonunion."))
    assert codes(claim) == ["M80.08XK"]


def test_a_level_with_its_own_neoplasm_and_one_without(coder):
    text = (
        "Preoperative diagnosis: T12 osteoporotic compression fracture. L2 pathologic fracture from metastatic "
        "prostate cancer.\n"
        "Description: An 11-gauge needle was placed into T12 and 3 mL of PMMA was injected. A second needle "
        "was placed into L2 and 3 mL of PMMA was injected.\n"
    )
    claim = claim_of(coder, text)
    assert codes(claim) == ["M80.08XA", "M84.58XA", "C79.51"]
    by_code = {d.code: d for d in claim.diagnoses}
    assert by_code["M80.08XA"].levels == ["T12"]
    assert by_code["M84.58XA"].levels == ["L2"] and by_code["C79.51"].levels == ["L2"]


def test_postoperative_diagnosis_wins(coder):
    text = (
        "Preoperative diagnosis: L1 compression fracture, rule out metastasis.\n"
        "Postoperative diagnosis: L1 osteoporotic compression fracture.\n" + PROCEDURE.format(level="L1")
    )
    assert codes(claim_of(coder, text)) == ["M80.08XA"]


def test_consent_risks_are_not_diagnoses(coder):
    text = note("L1 compression fracture.") + "Consent: risks including infection, nerve injury and new fracture.\n"
    claim = claim_of(coder, text)
    assert queries(claim) == ["fracture-etiology"]


def test_sedation_line_is_supported_by_the_first_diagnosis(coder):
    text = note("Osteoporotic L1 compression fracture.") + (
        "Moderate sedation with midazolam and fentanyl by the proceduralist, with an independent trained "
        "observer (RN) monitoring; intra-service time 25 minutes.\n"
    )
    claim = claim_of(coder, text)
    assert "99152" in claim.diagnoses[0].lines


def test_a_note_coding_nothing_has_no_claim(coder):
    result = coder.code_text("Clinic visit. Osteoporotic L1 fracture; kyphoplasty discussed.\n", "clinic.txt")
    assert result.codes == [] and result.claim is None


def test_a_puncture_site_compressed_is_no_fracture(coder):
    text = note("Osteolytic metastasis of L2 from lung cancer, no collapse.", level="L2") + (
        "The puncture site was compressed with gauze for 3 min.\n"
    )
    assert codes(claim_of(coder, text)) == ["C79.51"]


def test_claim_tables_with_a_mistake_name_the_file_and_the_entry(tmp_path):
    import json
    import shutil

    from vertcode.claim_patterns import load_claim_reading
    from vertcode.claims import icd10
    from vertcode.patterns import PatternError, default_dir

    shutil.copytree(default_dir(), tmp_path / "patterns")
    reading = tmp_path / "patterns" / "claims" / "reading.json"
    data = json.loads(reading.read_text())
    data["causes"][1]["requires"] = ["Osteoporo"]
    reading.write_text(json.dumps(data))
    with pytest.raises(PatternError, match=r"reading.json: causes\[1\]: \"requires\" must list lower-case words"):
        load_claim_reading(tmp_path / "patterns")
    table = tmp_path / "patterns" / "claims" / "icd10.jsonl"
    lines = table.read_text().splitlines()
    table.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(PatternError, match=rf"icd10.jsonl:{len(lines) + 1}: M80.08XA is listed twice"):
        icd10.load(tmp_path / "patterns")


def test_the_sections_that_hold_no_diagnosis_are_read_from_the_data(coder, tmp_path):
    import json
    import shutil

    from vertcode.patterns import PatternError, default_dir

    text = note("L1 compression fracture.") + "Proposed procedure: treatment of osteoporosis with zoledronic acid.\n"
    assert queries(claim_of(coder, text)) == ["fracture-etiology"]
    shutil.copytree(default_dir(), tmp_path / "patterns")
    reading = tmp_path / "patterns" / "claims" / "reading.json"
    data = json.loads(reading.read_text())
    data["not_diagnosis_sections"]["categories"].remove("plan")
    reading.write_text(json.dumps(data))
    assert codes(claim_of(Coder(tmp_path / "patterns"), text)) == ["M80.08XA"]
    shutil.copytree(default_dir(), tmp_path / "misspelt")
    data["not_diagnosis_sections"]["categories"].append("plans")
    (tmp_path / "misspelt" / "claims" / "reading.json").write_text(json.dumps(data))
    with pytest.raises(PatternError, match=r"reading.json: not_diagnosis_sections.categories: 'plans' is no section"):
        Coder(tmp_path / "misspelt")
