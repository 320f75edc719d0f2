"""A small fake of the GitLab REST API v4 (the part ``nbreview pr`` uses on a merge request), as a
Flask app run on 127.0.0.1 on a free port: ``with serve(fake) as url: ...``.

Each rule comes from GitLab's own API documentation (gitlabhq/gitlabhq, ``doc/api/``):

- authentication, ``rest/authentication.md``: the token in the ``PRIVATE-TOKEN`` header; a wrong
  token answers 401 ``{"message": "401 Unauthorized"}`` (``rest/troubleshooting.md``, status codes);
  without one a public project reads anonymously and writes answer 401 too.
- rate limits, ``administration/settings/user_and_ip_rate_limits.md`` "Response headers": with
  ``fake.rate_limit`` set, every answer has ``RateLimit-Limit``, ``-Observed``, ``-Remaining``,
  ``-Reset``, ``-ResetTime`` and ``-Name`` (GitLab.com sends them on all answers, ``rate_limits.md``).
- pagination, ``rest/_index.md`` "Offset-based pagination": ``page`` and ``per_page`` (default 20,
  max 100), the ``Link`` header (rel prev/next/first/last) and ``x-next-page``, ``x-page``,
  ``x-per-page``, ``x-prev-page``, ``x-total``, ``x-total-pages``.
- ``merge_requests.md``: a merge request's ``diff_refs`` (``base_sha``, ``head_sha``, ``start_sha``);
  "List merge request diffs" ``GET …/diffs`` (15.7+, paginated: ``old_path``, ``new_path``,
  ``new_file``, ``renamed_file``, ``deleted_file``, ``diff``: the latest version's unified diff, 3 lines
  of context, no renames); the older ``GET …/changes`` (the fake
  can play a server before 15.7, where ``/diffs`` is a 404); unknown ids answer ``404 Not found``.
- ``notes.md`` "Merge requests": list (sorted ``desc`` by ``created_at`` by default), create
  (``body`` "Limited to 1,000,000 characters"), modify (``PUT …/notes/:note_id``), delete; an
  over-long body answers 400 with ``{"message": {"note": ["is too long …"]}}``, the validation
  shape of ``rest/troubleshooting.md``.
- ``repository_files.md``: ``GET /projects/:id/repository/files/:file_path/raw?ref=`` gives the
  bytes, 404 ``{"message": "404 File Not Found"}`` otherwise.
- ``project_markdown_uploads.md``: ``POST /projects/:id/uploads`` (multipart ``file``) answers 201
  with ``id``, ``alt``, ``url`` (``/uploads/<32-hex secret>/<name>``), ``full_path``, ``markdown``.
- ``user/project/quick_actions.md``: a note whose line starts with ``/command`` runs the command
  when posted, and (GitLab's ``app/services/notes/update_service.rb``) when edited too. GitLab's
  ``lib/gitlab/quick_actions/extractor.rb`` drops ``\r`` first, then matches ``^/name`` outside
  fences of exactly three backticks, HTML blocks and ``>>>`` quotes. The fake records every
  ``^/word`` line it receives (``fake.commands``), in code blocks too: stricter than GitLab.
- ``merge_requests.md`` "Get merge request diff versions" / "Get a single merge request diff version":
  ``GET …/versions`` (newest first: ``id``, ``head_commit_sha``, ``base_commit_sha``,
  ``start_commit_sha``, ``created_at``, ``state`` "collected", ``real_size``) and
  ``…/versions/:version_id`` (with its ``diffs``); every ``fake.push`` collects a new version.
- ``discussions.md`` "Merge requests" (module ``discussions``): threads, diff threads whose
  ``position`` is checked as GitLab checks it (module ``positions``), replies, resolve/unresolve;
  a push carries each diff note whose line survives to the new version, the others keep theirs;
  ``position_type`` ``file`` ("introduced in GitLab 16.4") unless ``fake.position_types`` plays an
  older server (Grape's 400 "position[position_type] does not have a valid value").
- ``draft_notes.md`` (module ``drafts``): drafts visible to their author only, publish, bulk publish.
- ``merge_request_approvals.md``: ``POST …/approve`` and ``…/unapprove``, kept in ``mr.approved_by``.
- ``merge_requests.md``: the MR's ``reviewers`` with their ``state`` (``mr.reviewers``);
  ``user/project/quick_actions.md`` ``/request_changes`` (a reviewer only, GitLab's
  ``merge_request_actions.rb``) alone in a note sets ``requested_changes`` and answers 202 with
  ``commands_changes`` and no note kept (``lib/api/helpers/notes_helpers.rb``); from anyone else the
  line stays text, a plain note.

Layout: ``store`` (state and the seeding helpers: ``open_mr``, ``push``, ``add_user``,
``add_note``, ``add_discussion``, ``add_reply``, ``resolve``, ``add_draft``), ``rest`` (errors,
pagination, parameters, entities), ``positions``, ``app`` (Flask app and the smaller endpoints),
``discussions``, ``drafts``.

A project is named by its id or by its path (``fake.project_path``, ``group/project``): werkzeug
decodes ``%2F`` before routing, so the path is mapped to the id in front of the routes.
"""

from .app import create_app, diffs, serve
from .positions import line_code
from .store import DraftNote, FakeGitLab, MergeRequest, Note, Version

__all__ = ["DraftNote", "FakeGitLab", "MergeRequest", "Note", "Version", "create_app", "diffs", "line_code", "serve"]
