"""Reading a note: from labelled spans to one finding per vertebral body.

A note is read sentence by sentence, in order, the way a coder reads it, in three stages:

1. `layout`  the scope of each sentence: its section (a title, the procedure, or a part whose
             levels are never treated), whether it is a templated field, a list item or a table
             row, and the entities it is read with;
2. `events`  what each sentence says: the levels it names and in what context (history, plan,
             negation, abort), the work it documents, with what;
3. `bodies`  what the whole note says of each vertebral body, aggregated into `Finding`s.

`encounter` decides first whether the note documents a procedure done now, and which parts of
it are an earlier note copied in; `sedation` gathers the moderate sedation wherever it is written.
`reader` walks the sentences through the stages, keeping only what a coder keeps in mind from
one sentence to the next: the levels in hand and the technique last stated.

The reading rules:

- A level is *treated* when it is named, free of any context modifier, outside the excluded
  sections (indications, history, findings...), in a sentence that documents work: a technique
  word, a cavity device, cement, a needle, or "the same procedure". A sentence that documents
  work without naming a level goes on about the levels named just before it.
- A treated level is *described* when a sentence naming it (or going on about it) shows the
  steps: a needle, an injection, a device outside a title, "the same procedure". A title such
  as "KYPHOPLASTY T8" or a numbered procedure list names levels without describing them. When a
  note describes some levels, a level that only its title names was not shown to be treated.
- A level's technique is the technique word or device nearest to it in its sentence; "the same
  procedure" takes the technique of the level before; a level with none takes the only
  technique the note treats with.
- A templated "Label:" field's name is not a statement, except the few that are ("Levels
  treated:", "Cement:"). A field's value may go on as a list on the lines right below it
  (bullets, boxes, numbers, or boxes wrapped onto a second line); each item is read with the
  field's name. A table's rows, between pipes or in columns aligned with white space, are read
  one row at a time with their column headers.
- A line listing what the session used ("Implants: Kyphon IBT x2; PMMA", patterns/encounter.json)
  goes on about no level: a level augmented with no device of its own was treated with the
  devices it lists.
"""

from vertcode.nlp.reading.reader import ReadingRules, read

__all__ = ["ReadingRules", "read"]
