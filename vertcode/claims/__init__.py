"""The claim stage of issue 16: what a clean claim needs beyond the CPT lines.

Plain Python over the dataclasses of `vertcode.model` and the tables under patterns/claims/;
nothing here imports spaCy, so each rule can be read and tested alone. Charge lines (suggested by
the coder or supplied by a user) and a date of service come in; `ClaimEdit` items and `Flag`s go
out, each naming the table row that says so.

- `tables`   load and validate edits.json and prior_auth.json; pick the rows in force on a date
- `rows`     the tables' rows as frozen dataclasses, each with its effective range and sources
- `reading`  the JSON checks whose errors name the table file and the entry
- `edits`    bundling, add-on, once-per-session, MUE and modifier edits over charge lines
- `payer`    WISeR prior authorization flags, and the sacroplasty coverage note
- `charges`  read a user's charge lines (CSV or JSON Lines), with errors naming file and line
- `prose`    lists in prose for the messages
"""
