"""The running stage: notes in, results out, at every scale.

- `coder`     the pipeline and the coding rules together, one note or a stream (`Coder`)
- `batch`     a folder or table into one JSON lines file, in one process or several, resumable
- `spark`     a Spark DataFrame of notes into DataFrames of code lines and flags
- `evaluate`  scoring against an annotated corpus

The command line (`vertcode.cli`) is a thin layer over these.
"""
