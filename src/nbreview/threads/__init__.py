"""Review conversations: pull-request review comments placed on notebook cells, and written from them.

``jsonmap`` maps a notebook file's JSON lines to (cell, source line, output) and back;
``hunks`` says which lines GitHub accepts a line comment on; ``anchor`` writes and reads the
comment bodies; ``place`` puts GitHub's comments on cells. Talking to the pull request itself is
GitHub's business: :mod:`nbreview.bot.session`.
"""
