"""A mixed backlog for `make bench`: most notes in a real queue are not vertebral augmentation.

    make_mixed(folder, 2000)

About a fifth are ours (the bench's own notes: corpus copies and variants), a tenth the corpus's
negative controls (notes near ours that must get no code), and the rest other procedure notes
made from templates: colonoscopy, cataract, cholecystectomy, cardiac catheterisation, hip and knee
arthroplasty, epidural injection, thyroidectomy. Seeded: the same notes on every run.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench import ROOT, make_notes

HEADER = "OPERATIVE REPORT\n\nPatient: {name}   MRN: {mrn}\nDate of service: {month}/{day}/2024\n"
HEADER += "Surgeon: Dr. {surgeon}\n\n"

PROCEDURES = {
    "colonoscopy": [
        "PROCEDURE: Colonoscopy with {extra}.\nINDICATION: {indication}.\nSEDATION: Moderate sedation with "
        "midazolam {mg} mg and fentanyl {mcg} mcg IV, monitored by the RN; intraservice time {minutes} minutes.",
        "The scope was advanced to the cecum, identified by the appendiceal orifice and ileocecal valve. "
        "Bowel preparation was {prep}. A {size} mm sessile polyp in the {segment} colon was removed with cold snare. "
        "Withdrawal time {withdrawal} minutes. No complications.",
    ],
    "cataract": [
        "PROCEDURE: Phacoemulsification with posterior chamber intraocular lens, {side} eye.\n"
        "ANESTHESIA: Topical with MAC.",
        "A {size}.{size} mm clear corneal incision was made. Capsulorhexis was completed and the nucleus was "
        "removed by phacoemulsification. A {power} diopter lens was placed in the bag. The wound was hydrated "
        "and found watertight. The patient tolerated the procedure well.",
    ],
    "cholecystectomy": [
        "PROCEDURE: Laparoscopic cholecystectomy.\nINDICATION: {indication}.\nANESTHESIA: General endotracheal.",
        "Pneumoperitoneum was established through a {size} mm umbilical port. The critical view of safety was "
        "obtained; the cystic duct and artery were clipped and divided. The gallbladder was removed in a bag. "
        "Estimated blood loss {ebl} mL. Fascia closed with 0 Vicryl.",
    ],
    "catheterisation": [
        "PROCEDURE: Left heart catheterization, coronary angiography, {extra}.\nACCESS: {side} radial artery, "
        "{size} French sheath under ultrasound guidance.",
        "Fluoroscopy time {minutes} minutes; contrast {ebl} mL. The left main was normal; the LAD had a "
        "{percent}% proximal stenosis treated with a drug-eluting stent. TR band applied. Moderate sedation "
        "{minutes} minutes with an independent observer.",
    ],
    "arthroplasty": [
        "PROCEDURE: {side} total {joint} arthroplasty, cemented.\nANESTHESIA: Spinal with sedation.",
        "Through a {approach} approach the joint was exposed. Bone cuts were made with the guides; trial "
        "components were placed. The final components were cemented with {mg} g of antibiotic bone cement "
        "(PMMA). Drain placed. Estimated blood loss {ebl} mL.",
    ],
    "epidural": [
        "PROCEDURE: {side} L{level}-L{level2} transforaminal epidural steroid injection under fluoroscopy.\n"
        "INDICATION: Lumbar radiculopathy.",
        "A {gauge}-gauge spinal needle was advanced to the foramen under fluoroscopic guidance; contrast "
        "confirmed epidural spread without vascular uptake. {mg} mg dexamethasone was injected. "
        "The patient tolerated the procedure well.",
    ],
    "thyroidectomy": [
        "PROCEDURE: Total thyroidectomy with nerve monitoring.\nINDICATION: {indication}.",
        "A {size} cm collar incision was made. Both recurrent laryngeal nerves were identified and preserved; "
        "the parathyroid glands were preserved on their blood supply. EBL {ebl} mL.",
    ],
}
FILLERS = {
    "extra": ["biopsy", "polypectomy", "ventriculography", "fractional flow reserve"],
    "indication": ["screening", "biliary colic", "multinodular goiter", "iron deficiency anemia"],
    "prep": ["excellent", "good", "fair"],
    "segment": ["ascending", "transverse", "sigmoid", "descending"],
    "side": ["left", "right", "Left", "Right"],
    "joint": ["hip", "knee"],
    "approach": ["posterior", "medial parapatellar", "direct anterior"],
}


def make_mixed(folder: Path, count: int) -> list[str]:
    rng = random.Random(14)
    ours = make_notes(folder, count // 5)
    gold = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines()]
    negatives = [
        (ROOT / "corpus" / "notes" / g["note"]).read_text(encoding="utf-8-sig", errors="replace")
        for g in gold
        if not g["codes"]
    ]
    others = negatives * (count // 10 // len(negatives) + 1)
    texts = ours + others[: count // 10] + other_procedures(rng, count - len(ours) - count // 10)
    for i, text in enumerate(texts[len(ours) :], len(ours)):
        (folder / f"note-{i:05d}.txt").write_text(text, encoding="utf-8")
    return texts


def other_procedures(rng: random.Random, count: int) -> list[str]:
    """`count` notes of other procedures, from the templates."""
    notes = []
    for _ in range(count):
        text = HEADER + "\n\n".join(rng.choice(list(PROCEDURES.values())))
        notes.append(text.format(**{key: rng.choice(values) for key, values in FILLERS.items()}, **_numbers(rng)))
    return notes


def _numbers(rng: random.Random) -> dict:
    names = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Novak"]
    return {
        "name": f"{rng.choice(names)} {rng.choice(names)}",
        "mrn": rng.randrange(10**8, 10**9),
        "surgeon": rng.choice(names),
        **{key: rng.randrange(1, 13) for key in ("month", "level")},
        "level2": rng.randrange(1, 6),
        "day": rng.randrange(1, 29),
        **{key: rng.randrange(2, 40) for key in ("mg", "mcg", "minutes", "withdrawal", "size", "power")},
        "gauge": rng.choice([20, 22, 25]),
        "ebl": rng.randrange(5, 400),
        "percent": rng.randrange(40, 99),
    }
