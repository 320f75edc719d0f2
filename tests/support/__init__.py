"""Helpers shared by the test suite, importable as ``support.<module>`` (pyproject puts tests/ on sys.path).

Test files import helpers from here, never from ``conftest`` or from another test file; the
shared fixtures (``home``, ``env``, ``repo``, ``merge_repo``, ``world``, ``redis_url``) live in
tests/conftest.py and use these.

- ``paths``: where the fixtures and the shared corpus live, and skips for when they are absent
- ``notebooks``: small notebook builders
- ``git``: a throwaway git environment and a repository driven through the git CLI
- ``review_world``: a pull request with review threads in the fake GitHub
- ``bot``: signed deliveries, redis-server, ``nbreview bot`` processes
- ``browser``: chromium and the review server for the Playwright tests
- ``pr_bot``: ``nbreview pr`` against the fake GitHub; ``jupyter``: a running JupyterLab;
  ``memory_contents``: a Jupyter ContentsManager that keeps notebooks in memory (no files)
- ``wheel``: the checkout built as a wheel, one build at a time
- ``merge_tool``, ``merge_edits``, ``hostile_notebooks``, ``markdown``: the mergetool's files,
  generated merge edits, hostile inputs, a CommonMark block splitter
- ``markers``: the kind of each test (unit / git / browser / redis / slow), applied by conftest
"""
