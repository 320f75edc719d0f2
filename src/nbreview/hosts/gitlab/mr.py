"""Update a merge request's one nbreview note: read the notebooks through the API, render, post.

Nothing is checked out and nothing from the merge request runs. The changed files come from
``GET …/merge_requests/:iid/diffs`` (GitLab 15.7+; ``/changes`` before it), the blobs from the
repository files API at the MR's ``diff_refs`` (``base_sha``, the merge base, and ``head_sha``).
Pictures are uploaded to the project (``POST /projects/:id/uploads``) under their content hash,
and links already in the note are reused, so a push uploads only new pictures. The note is found
again by its hidden marker and our username and edited in place: one note per merge request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nbreview.hosts.gitlab.client import GitLabError, explain
from nbreview.hosts.gitlab.comment import MARKER, MAX_BODY, render_note
from nbreview.hosts.notebooks import ChangedNotebook, is_notebook
from nbreview.render.markdown import CommentContext, NotebookChange, RenderedComment

if TYPE_CHECKING:
    from gitlab import Gitlab
    from gitlab.v4.objects import Project, ProjectMergeRequest, ProjectMergeRequestNote

PLACEHOLDER = "nbreview-upload:"  # pictures are linked under it while rendering, then swapped for upload URLs
# an upload link in our note: /uploads/<32-hex secret>/<sha256>.<ext> (doc/api/project_markdown_uploads.md)
UPLOAD_LINK = re.compile(r"\]\((/uploads/[0-9a-f]{32}/([0-9a-f]{64}\.[a-z]+))\)")


def stderr_log(line: str) -> None:
    """The default log: one line on stderr through the terminal guard (file names are anyone's to choose)."""
    from nbreview.render.terminal import log_line

    log_line(line)


@dataclass
class Settings:
    project: str  # numeric id or "group/project"
    iid: int
    url: str = ""  # the server, for messages
    dry_run: bool = False
    report_url: str | None = None
    budget: int | None = None  # None: GitLab's own (:data:`~nbreview.hosts.gitlab.comment.BUDGET`)
    max_notebooks: int = 50
    log: Callable[[str], None] = field(default=lambda line: stderr_log(line))
    # called with the head about to be shown just before each write (the bot's job checks its lease here)
    before_write: Callable[[str], None] | None = None


@dataclass
class Outcome:
    action: str  # created | edited | unchanged | skipped | dry-run
    body: str
    note_id: int | None = None
    images_uploaded: int = 0
    notebooks: int = 0
    head_sha: str = ""


# ---------------------------------------------------------------- reading notebooks


def changed_files(gl: Gitlab, mr: ProjectMergeRequest) -> list[dict[str, Any]]:
    """The merge request's changed files (old_path, new_path, new_file, deleted_file, renamed_file),
    every page of ``/diffs``; a server older than 15.7 answers 404 there and gives ``/changes``."""
    from gitlab.exceptions import GitlabHttpError

    try:
        return [dict(d) for d in gl.http_list(f"{mr.manager.path}/{mr.iid}/diffs", get_all=True)]
    except GitlabHttpError as err:
        if err.response_code != 404:
            raise
    return list(mr.changes()["changes"])  # type: ignore[index]


def _status(f: dict[str, Any]) -> str:
    if f.get("new_file"):
        return "added"
    if f.get("deleted_file"):
        return "removed"
    return "renamed" if f.get("renamed_file") else "modified"


def read_notebooks(
    gl: Gitlab, project: Project, mr: ProjectMergeRequest, base: str, head: str, max_notebooks: int
) -> tuple[list[ChangedNotebook], int]:
    """Every notebook the merge request changes, both sides read (one unreadable file keeps its error
    and the others are read anyway), with its diff hunks; and how many more were left out."""
    from gitlab.exceptions import GitlabGetError

    files = [f for f in changed_files(gl, mr) if is_notebook(str(f.get("new_path", "")), str(f.get("old_path", "")))]
    out: list[ChangedNotebook] = []
    for f in files[:max_notebooks]:
        nb = ChangedNotebook(str(f["new_path"]), str(f["old_path"]), _status(f), str(f.get("diff") or "") or None)
        try:
            nb.old = b"" if nb.status == "added" else project.files.raw(file_path=nb.old_path, ref=base)
            nb.new = b"" if nb.status == "removed" else project.files.raw(file_path=nb.path, ref=head)
        except GitlabGetError as err:  # one unreadable file must not sink the others
            if err.response_code not in (403, 404):
                raise
            nb.error = f"could not be read through the API ({err.response_code})"
        out.append(nb)
    return out, max(0, len(files) - max_notebooks)


def diffed(notebooks: list[ChangedNotebook], base: str, head: str, settings: Settings) -> list[NotebookChange]:
    """Each notebook diffed (or why not), logged."""
    changes = [nb.change(base, head) for nb in notebooks]
    for ch in changes:
        settings.log(f"nbreview: {ch.path}: {ch.status}" + (f" (not diffed: {ch.error})" if ch.error else ""))
    return changes


def open_threads(
    project: Project, mr: ProjectMergeRequest, notebooks: list[ChangedNotebook], head: str, settings: Settings
) -> dict[str, list[tuple[str, int]]]:
    """The MR's unresolved diff discussions on the notebooks, counted per cell, for the note's thread
    list; a failure leaves the list out (with a warning), not the note."""
    from gitlab.exceptions import GitlabError
    from requests import RequestException

    from nbreview.hosts.gitlab.threads import diff_threads
    from nbreview.threads.place import place, thread_counts

    readable = [nb.notebook_file() for nb in notebooks if not nb.error]
    if not readable:
        return {}

    def fetch(path: str, sha: str) -> str | None:
        try:
            return bytes(project.files.raw(file_path=path, ref=sha)).decode("utf-8", "replace")
        except (GitlabError, RequestException, TypeError):
            return None

    try:
        discussions = [dict(d.attributes) for d in mr.discussions.list(get_all=True, per_page=100)]
    except (GitlabError, RequestException) as err:
        settings.log(f"nbreview: warning: {explain(err, 'reading the discussions', settings.url)}")
        return {}
    threads = [t for t in diff_threads(discussions, head) if not t.resolved]
    return thread_counts(place(threads, readable, fetch, lambda text: ""))


# ---------------------------------------------------------------- the note


def find_notes(mr: ProjectMergeRequest, username: str) -> list[ProjectMergeRequestNote]:
    """Our earlier notes, oldest first: by our username AND starting with the hidden marker (quoted
    text cannot match). Oldest first (notes.md: ``sort=asc``), so a twin, never the original, goes."""
    return [
        n
        for n in mr.notes.list(iterator=True, sort="asc", order_by="created_at")
        if not n.system and (n.author or {}).get("username") == username and str(n.body or "").startswith(MARKER)
    ]


def link_pictures(project: Project, rendered: RenderedComment, known_bodies: list[str]) -> tuple[str, int]:
    """The body with each picture's placeholder swapped for its upload URL: reused from our earlier
    note when the same picture (by content hash) is linked there, else uploaded now."""
    known = {m.group(2): m.group(1) for body in known_bodies for m in UPLOAD_LINK.finditer(body)}
    body, uploaded = rendered.body, 0
    for path, data in rendered.images.items():
        name = path.rsplit("/", 1)[-1]
        url = known.get(name)
        if url is None:
            url = str(project.upload(name, filedata=data)["url"])
            uploaded += 1
        body = body.replace(f"]({PLACEHOLDER}/{path})", f"]({url})")
    return body, uploaded


def _pictures(
    project: Project,
    rendered: RenderedComment,
    changes: list[NotebookChange],
    ctx: CommentContext,
    known_bodies: list[str],
    settings: Settings,
) -> tuple[str, int]:
    """:func:`link_pictures`; when the project refuses the uploads, the note without pictures, saying why."""
    from gitlab.exceptions import GitlabUploadError

    try:
        return link_pictures(project, rendered, known_bodies)
    except GitlabUploadError as err:
        if err.response_code not in (403, 404):
            raise
        settings.log(f"nbreview: warning: {explain(err, 'uploading pictures to the project')}")
        ctx.notes.append("Pictures were left out: the token may not upload files to the project.")
        return render_note(changes, ctx, image_base_url=None, budget=settings.budget).body, 0


def _read(gl: Gitlab, settings: Settings) -> tuple[Project, ProjectMergeRequest, str, str]:
    from gitlab.exceptions import GitlabError
    from requests import RequestException

    try:
        project = gl.projects.get(settings.project, lazy=True)
        mr = project.mergerequests.get(settings.iid)
    except (GitlabError, RequestException) as err:
        raise explain(err, f"reading merge request !{settings.iid} of {settings.project}", settings.url) from None
    refs = mr.diff_refs or {}
    base, head = str(refs.get("base_sha") or ""), str(refs.get("head_sha") or "")
    if not base or not head:
        raise GitLabError(f"merge request !{settings.iid} has no diff yet (GitLab is preparing it); run again")
    return project, mr, base, head


def update_merge_request(gl: Gitlab, settings: Settings) -> Outcome:
    """Render the merge request's notebook changes and create or edit its one note."""
    from gitlab.exceptions import GitlabError
    from requests import RequestException

    project, mr, base, head = _read(gl, settings)
    doing = f"reading the notebooks of merge request !{settings.iid}"
    try:
        notebooks, skipped = read_notebooks(gl, project, mr, base, head, settings.max_notebooks)
        changes = diffed(notebooks, base, head, settings)
        ctx = CommentContext(base_sha=base, head_sha=head, report_url=settings.report_url, pr_number=settings.iid)
        ctx.threads = open_threads(project, mr, notebooks, head, settings)
        if skipped:
            ctx.notes.append(f"{skipped} more notebooks were not diffed (limit {settings.max_notebooks} per note).")
        rendered = render_note(changes, ctx, image_base_url=PLACEHOLDER, budget=settings.budget)
        if settings.dry_run:
            if rendered.images:
                settings.log(f"nbreview: dry run: would upload {len(rendered.images)} pictures to the project")
            return Outcome("dry-run", rendered.body, notebooks=len(changes), head_sha=head)
        doing = f"writing the note on merge request !{settings.iid}"
        gl.auth()  # GET /user: the username our notes carry
        existing = find_notes(mr, str(gl.user.username if gl.user else ""))
        if not changes and not existing:
            settings.log("nbreview: the merge request changes no notebook; nothing to post")
            return Outcome("skipped", rendered.body, head_sha=head)
        if settings.before_write is not None:
            settings.before_write(head)
        body, uploaded = _pictures(project, rendered, changes, ctx, [str(n.body) for n in existing], settings)
        if settings.before_write is not None:
            settings.before_write(head)
        return _post(mr, existing, body, uploaded, len(changes), head, settings)
    except (GitlabError, RequestException) as err:
        raise explain(err, doing, settings.url) from None


def _link(mr: ProjectMergeRequest, note_id: int) -> str:
    """The note's address on the merge request's page (``web_url#note_ID``)."""
    return f"{getattr(mr, 'web_url', '') or f'merge request !{mr.iid}'}#note_{note_id}"


def _post(
    mr: ProjectMergeRequest,
    existing: list[ProjectMergeRequestNote],
    body: str,
    uploaded: int,
    notebooks: int,
    head: str,
    settings: Settings,
) -> Outcome:
    if len(body) >= MAX_BODY:
        raise GitLabError(f"the note would be {len(body)} characters, over GitLab's limit of {MAX_BODY}")
    if existing:
        note = existing[0]
        for extra in existing[1:]:  # a retried POST may once have left a twin behind
            extra.delete()
        if note.body == body:
            settings.log(f"nbreview: note already up to date: {_link(mr, note.id)}")
            return Outcome("unchanged", body, note.id, uploaded, notebooks, head)
        note.body = body
        note.save()
        settings.log(f"nbreview: edited note {_link(mr, note.id)}")
        return Outcome("edited", body, note.id, uploaded, notebooks, head)
    note = mr.notes.create({"body": body})
    settings.log(f"nbreview: posted note {_link(mr, note.id)}")
    return Outcome("created", body, note.id, uploaded, notebooks, head)
