"""The language stage: a note's text in, a spaCy Doc carrying `doc._.extraction` (a
`vertcode.model.Extraction`) out.

- `pipeline`  builds the pipeline from the rules-as-data under patterns/ (`build`)
- `tokenizer` spaCy's blank English adapted to clinical text
- `norms`, `sentences`, `sections`, `rulers`  the components before reading, in pipeline order
- `medspacy_parts`  medspaCy's section rules, matcher and ConText, without its package __init__
- `findings` and `reading/`  the last component: one finding per vertebral body

Modules here import from `vertcode.model`, `vertcode.levels` and `vertcode.patterns`, never
from the coding, writing or running stages.
"""
