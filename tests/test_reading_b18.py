"""Reading rules the blind batch b18 led to, each on a note written the way it was."""

from __future__ import annotations

import pytest

from vertcode.run.coder import Coder


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def test_an_unticked_anesthesia_box_is_no_anesthesia_provider(coder):
    text = (
        "LEVEL(S) TREATED:   L3\n"
        "TECHNIQUE:  [X] Vertebral augmentation - device: [ ] balloon  [X] Kiva implant\n"
        "SEDATION\n"
        "[ ] Local only   [X] Moderate sedation by operator   [ ] Anesthesia (MAC/GA)\n"
        "Independent trained observer: [X] RN  Name: M. Lee\n"
        "Intraservice start: 08:12     Intraservice end: 09:05     Total: 53 min\n"
        "PROCEDURE DETAIL\n"
        "Left transpedicular access to L3 with the Kiva introducer. PEEK implant advanced over the coil "
        "creating a cavity. PMMA 3.2 mL injected into the L3 implant.\n"
    )
    result = coder.code_text(text, "form.txt")
    assert result.code_units() == {"22514": 1, "99152": 1, "99153": 3}
    assert result.flags == [] and result.disposition == "auto"


def test_sedation_given_for_an_attempt_abandoned_is_coded(coder):
    text = (
        "PROCEDURE NOTE - ATTEMPTED KYPHOPLASTY\n"
        "Planned procedure: Bilateral balloon kyphoplasty, L2\n"
        "Indication: acute L2 osteoporotic compression fracture, pain 8/10.\n\n"
        "Sedation: Moderate sedation with midazolam and fentanyl administered by me; independent trained "
        "observer RN A. Pieroh monitoring throughout.  Intraservice time 18 minutes.\n\n"
        "Procedure: Prone.  The L2 pedicles could not be visualized.  An 11G trocar was advanced to the "
        "posterior elements on the right.  The procedure was terminated before any pedicle cannulation.  "
        "No balloon was inflated and no cement was injected.\n"
        "Plan: Reschedule under CT guidance with general anesthesia.\n"
    )
    result = coder.code_text(text, "aborted.txt")
    assert result.code_units() == {"99152": 1}
    assert [f.kind for f in result.flags] == ["aborted-level"]


def test_an_attempt_stopped_before_its_sedation_is_not_queried_for_it(coder):
    text = (
        "Procedure: L2 vertebroplasty.\n"
        "Anesthesia: Moderate sedation planned.\n"
        "Events: An 11G needle was advanced into the right L2 pedicle. The patient became short of breath; "
        "the procedure was aborted and no cement was injected at L2. No sedative had been given.\n"
    )
    result = coder.code_text(text, "stopped.txt")
    assert result.code_units() == {}
    assert [f.kind for f in result.flags] == ["aborted-level"]


def test_a_vertebroplasty_referred_as_possible_and_to_be_reconsidered_is_not_done(coder):
    text = (
        "PROCEDURE: Fluoroscopic-guided percutaneous bone biopsy, T5 vertebral body\n"
        "CLINICAL: infiltrative lesion replacing the T5 vertebral body; vertebral body height preserved, "
        "no fracture.  Referred for biopsy with possible vertebroplasty.\n"
        "DECISION: vertebroplasty will be reconsidered after pathology.  Biopsy only.\n"
        "SEDATION: Moderate sedation administered by the radiologist; independent trained observer RN T. Hale "
        "present and monitoring throughout.  Intraservice time: 16 minutes.\n"
        "TECHNIQUE: An 11-gauge Jamshidi needle was advanced transpedicularly into the T5 vertebral body.  "
        "Three cores were obtained.\n"
        "IMPRESSION: T5 vertebral body biopsy, specimens sent.  Pathology pending.\n"
    )
    result = coder.code_text(text, "biopsy.txt")
    assert result.code_units() == {"20225": 1, "99152": 1}
    assert [f.kind for f in result.flags] == ["biopsy-other-level"]
    assert result.claim is not None and result.claim.diagnoses == []
    assert [q.kind for q in result.claim.queries] == ["pathology-pending"]


def test_facet_joints_of_a_list_of_segments_are_no_levels(coder):
    text = (
        "Procedures performed: 1. Bilateral L4-L5 and L5-S1 facet joint injections. "
        "2. Percutaneous vertebroplasty, L2.\n"
        "Diagnoses: acute osteoporotic compression fracture of L2.\n"
        "Description: 22G spinal needles were placed into the bilateral L4-5 and L5-S1 facet joints; "
        "0.5 mL of bupivacaine was injected into each joint.\n"
        "For L2, a 13G needle was advanced through the left L2 pedicle; 2.8 mL of PMMA was injected into L2.\n"
    )
    result = coder.code_text(text, "facets.txt")
    assert result.code_units() == {"22511": 1}
    assert result.flags == []


@pytest.mark.parametrize(
    "named", ["Pregnancy-associated osteoporosis", "pregnancy and lactation-associated osteoporosis"]
)
def test_pregnancy_associated_osteoporosis_is_other_osteoporosis(coder, named):
    text = (
        f"Diagnosis: {named} with acute compression fractures of T8 and T9.\n"
        "Technique: T9: left transpedicular 13G needle; 3.0 mL PMMA injected.\n"
        "T8: right parapedicular 13G needle; 2.0 mL PMMA injected.\n"
    )
    result = coder.code_text(text, "pregnancy.txt")
    assert result.code_units() == {"22510": 1, "22512": 1}
    assert result.claim is not None and [d.code for d in result.claim.diagnoses] == ["M80.88XA"]


def test_a_lesion_at_high_risk_of_collapse_is_the_neoplasm_alone(coder):
    text = (
        "Procedure: percutaneous C2 vertebroplasty.\n"
        "Indication: 72-year-old man with multiple myeloma, active disease, with a painful lytic lesion of the "
        "C2 vertebral body judged at high risk of collapse.  No fracture line is identified on CT.\n"
        "Technique: An 11G trocar needle was advanced into the C2 body and 2.2 mL of PMMA was injected into C2.  "
        "Needle removed; manual compression.\n"
    )
    result = coder.code_text(text, "lesion.txt")
    assert result.code_units() == {"22510": 1}
    assert result.claim is not None and [d.code for d in result.claim.diagnoses] == ["C90.00"]
    assert result.claim.queries == []


def test_versed_and_fentanyl_under_a_sedation_field_are_sedation_without_its_time(coder):
    text = (
        "IR WORKSHEET -- SACROPLASTY\n"
        "Indication: osteoporotic sacral insufficiency fx; MRI sacral ala edema, pain 8/10\n"
        "Sedation: versed 1 mg + fentanyl 50 mcg IV, RN at bedside\n"
        "Needle: 11G Jamshidi into right sacral ala, tip confirmed on CT\n"
        "Cement: PMMA 4.5 mL injected slowly under live fluoro\n"
    )
    result = coder.code_text(text, "worksheet.txt")
    assert result.code_units() == {"0200T": 1}
    assert [f.kind for f in result.flags] == ["sedation-time-missing"]


def test_sedation_by_the_anaesthetist_is_theirs_and_a_clinical_paragraph_treats_no_level(coder):
    text = (
        "Procedure: Percutaneous vertebroplasty T8 and T9\n\n"
        "Clinical: acute osteoporotic compression fractures of T8 and T9; her pain localises to the T8-T11 "
        "region, concordant with the MRI.\n\n"
        "Anaesthesia: Sedation administered by the anaesthetist (propofol infusion).\n\n"
        "Technique: Prone.  Biplane fluoroscopy.  Levels treated from caudal to cranial.\n"
        "- T9: right parapedicular 13G needle; 2.5 mL PMMA injected.\n"
        "- T8: right parapedicular 13G needle; 2.0 mL PMMA injected.\n"
    )
    result = coder.code_text(text, "anaesthetist.txt")
    assert result.code_units() == {"22510": 1, "22512": 1}
    assert result.flags == []


def test_no_anaesthetist_present_leaves_the_operators_sedation(coder):
    text = (
        "Anaesthetic: intravenous sedation given by the theatre sister on my instruction. No anaesthetist present.\n"
        "Procedure: an 11-gauge needle was advanced into L2 and 3 mL of PMMA cement was injected.\n"
    )
    result = coder.code_text(text, "sister.txt")
    assert result.code_units() == {"22511": 1}
    assert [f.kind for f in result.flags] == ["sedation-time-missing"]


def test_a_fragment_of_cement_removed_in_the_open_conversion_treats_no_level(coder):
    text = (
        "PROCEDURES: 1. Percutaneous balloon kyphoplasty, T12. 2. Conversion to open T12 right hemilaminectomy.\n\n"
        "DESCRIPTION: Bilateral 11G transpedicular access to T12.  Bilateral balloons inflated creating cavities.  "
        "3.0 mL PMMA had been placed into T12 when the lateral view showed a posterior blush.  Injection was "
        "stopped.  Cannulas removed.\n\n"
        "A midline incision was made over T11-L1, and a right T12 hemilaminectomy was performed.  A 1 x 0.5 cm "
        "fragment of hardened cement was found in the epidural space and removed in one piece.\n"
    )
    result = coder.code_text(text, "conversion.txt")
    assert result.code_units() == {"22513": 1}
    assert [f.kind for f in result.flags] == ["open-after-cement"]


def test_cement_through_percutaneous_screws_alone_is_no_vertebroplasty(coder):
    text = (
        "Diagnosis: Fragility fracture of the pelvis, left sacral ala.  Osteoporosis.\n"
        "Operation: Percutaneous sacroiliac screw fixation S1 left and right, cement-augmented "
        "(in-screw PMMA augmentation).\n\n"
        "Procedure: Stab incisions over the lateral ilium.  Guide wires placed into the S1 corridor.  Cannulated, "
        "fenestrated 7.3 mm sacroiliac screws inserted over the wires on both sides.  Through the screws PMMA was "
        "injected: 3 mL into the left S1 screw and 3 mL into the right S1 screw.\n"
    )
    result = coder.code_text(text, "si-screws.txt")
    assert result.code_units() == {}
    assert [f.kind for f in result.flags] == ["open-procedure"]
