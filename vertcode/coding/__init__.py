"""The coding stage: an `Extraction` (what a note documents) in; CPT code lines and flags out.

Plain Python over the dataclasses of `vertcode.model`: nothing here imports spaCy (a test
checks), so every rule can be read and tested alone.

- `cpt`       the CPT rules: one primary per family, add-on units, sacroplasty, cervical (22899)
- `families`  which family each treated level belongs to, and the technique flags
- `services`  included services, biopsy of another level, moderate sedation
- `partial`   a note read only in part: its codes are for review
"""

from vertcode.coding.partial import code_note

__all__ = ["code_note"]
