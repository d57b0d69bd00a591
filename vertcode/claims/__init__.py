"""The claim stage: code lines and what the note says about them in; a `vertcode.model.Claim` out.

Plain Python over the dataclasses of `vertcode.model`, like the coding stage (no spaCy here).

- `claim`      one note's claim: diagnoses, queries, coverage checklist, edits
- `icd10`      the ICD-10-CM table (patterns/claims/icd10.jsonl)
- `diagnoses`  which ICD-10-CM codes the note supports, or what to ask (vertcode/docs/diagnosis-rules.md)
- `checklist`  the Medicare coverage policies' elements, found or missing (patterns/claims/lcd.json)
"""
