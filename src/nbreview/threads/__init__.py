"""Review conversations, host-neutral: threads placed on notebook cells, and comments written from them.

``model`` holds threads as any host gives them; ``jsonmap`` maps a notebook file's JSON lines to
(cell, source line, output) and back; ``hunks`` says which lines take a line comment (inside the
diff's hunks) and their old/new numbers; ``anchor`` writes and reads the comment bodies; ``place``
puts threads on cells; ``drafts`` keeps a pending review on disk. Talking to a host is its
adapter's business (:mod:`nbreview.hosts`).
"""
