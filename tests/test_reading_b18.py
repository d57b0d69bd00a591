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
