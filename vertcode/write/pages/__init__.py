"""Review pages: the note with its evidence highlighted beside the suggested codes.

One self-contained HTML page per note (no network, no external script or font), in displaCy's
span-visualiser conventions: each evidence span is marked in the text with its label, coloured by
label. Hovering a code line or a flag highlights the spans behind it; clicking pins it. The note
is escaped, never interpreted: a note holding `<script>` shows it as text, and the page's
Content-Security-Policy lets only the page's own script run.

- `note`   one note's page
- `index`  a batch's index of its notes
- `common` the page skeleton, and the style and scripts shipped beside these modules as data
"""

from vertcode.write.pages.common import page_name
from vertcode.write.pages.index import render_index
from vertcode.write.pages.note import render_note

__all__ = ["page_name", "render_index", "render_note"]
