"""The claim stage (issue 16): what a clean claim needs beyond the CPT lines.

Plain Python over the dataclasses of `vertcode.model` / `vertcode.claim_model` and the tables
under patterns/claims/; nothing here imports spaCy, so each rule can be read and tested alone.
Code lines (suggested, or a user's charge lines), what the note says (`ClaimText`) and a date of
service come in; a `Claim` goes out, each statement naming the table row or the words it rests on.

- `claim`       one note's claim: diagnoses, queries, coverage checklist, edits, payer flags
- `icd10`       the ICD-10-CM table (icd10.jsonl)
- `diagnoses`   which ICD-10-CM codes the note supports, or what to ask (vertcode/docs/diagnosis-rules.md)
- `checklist`   the Medicare coverage policies' elements, found or missing (lcd.json)
- `tables`      load and validate edits.json and prior_auth.json; pick the rows in force on a date
- `rows`        the tables' rows as frozen dataclasses, each with its effective range and sources
- `validation`  the JSON checks whose errors name the table file and the entry
- `edits`       bundling, add-on, once-per-session, MUE and modifier edits over charge lines
- `payer`       WISeR prior authorization flags, and the sacroplasty coverage note
- `charges`     read a user's charge lines (CSV or JSON Lines), with errors naming file and line
- `prose`       lists in prose for the messages
"""
