/* "Review pull request…": a pull request's review (threads, comments, the pending review,
   replies, resolve) in a main-area tab; a GitLab merge request's too (its URL or GROUP/PROJECT!N).
   The page and its API are the nbreview server extension's, under the server's base URL, read and
   written with the server's GitHub or GitLab token behind Jupyter's own login and XSRF check
   (nbreview/jupyter/review.py). */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReviewFrame } from './frame';

export const PULL_COMMAND = 'nbreview:review-pull-request';
const EXAMPLE = 'octo/notebooks#12';

const PULL_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">
<g class="jp-icon3" fill="#616161"><circle cx="4" cy="3" r="1.8"/><circle cx="4" cy="13" r="1.8"/>
<circle cx="10.8" cy="13" r="1.8"/><path d="M3.4 4.5h1.2v7H3.4z"/>
<path d="M11.4 11.2V6.6c0-.9-.6-1.5-1.5-1.5H8.6v1.2h1.3c.2 0 .3.1.3.3v4.6z"/><path d="M8.8 3v5L6 5.5z"/></g></svg>`;

export const pullIcon = new LabIcon({ name: 'nbreview:pull-request', svgstr: PULL_SVG });

/** A pull request: `OWNER/NAME#N` or its web address (github.com or GitHub Enterprise); or a GitLab
    merge request: `GROUP/PROJECT!N` or its web address (`https://HOST/GROUP/PROJECT/-/merge_requests/N`). */
export interface IPullRequest {
  repo: string; // OWNER/NAME, or the GitLab project's path (GROUP/SUBGROUP/PROJECT)
  number: number;
  host?: string; // given by its URL: the server checks that it reads this host
  gitlab?: boolean;
}

/** A pull request or merge request in one of the forms above; null otherwise. */
export function parsePullRequest(text: string): IPullRequest | null {
  const t = text.trim();
  const short = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(t);
  if (short) {
    return { repo: short[1], number: parseInt(short[2], 10) };
  }
  const url = /^https?:\/\/([^/\s]+)\/([\w.-]+\/[\w.-]+)\/pull\/(\d+)(?:[/?#]\S*)?$/.exec(t);
  if (url) {
    return { repo: url[2], number: parseInt(url[3], 10), host: url[1] };
  }
  const mr =
    /^https?:\/\/([^/\s]+)\/([\w.-]+(?:\/[\w.-]+)+)\/-\/merge_requests\/(\d+)(?:[/?#]\S*)?$/.exec(t) ||
    /^()([\w.-]+(?:\/[\w.-]+)+)!(\d+)$/.exec(t);
  return mr ? { repo: mr[2], number: parseInt(mr[3], 10), host: mr[1] || undefined, gitlab: true } : null;
}

/** Open (or show and reload) the review tab of a pull request. */
function openPullRequest(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<ReviewFrame>>,
  pr: IPullRequest
): MainAreaWidget<ReviewFrame> {
  const name = `${pr.repo}${pr.gitlab ? '!' : '#'}${pr.number}`;
  const id = `nbreview-pr:${name}`;
  let widget = tracker.find(w => w.id === id);
  if (!widget || widget.isDisposed) {
    widget = new MainAreaWidget({ content: new ReviewFrame() });
    widget.id = id;
    widget.title.label = `Review ${name}`;
    widget.title.caption = `nbreview: ${pr.gitlab ? 'merge' : 'pull'} request ${name}`;
    widget.title.icon = pullIcon;
    widget.title.closable = true;
    widget.addClass('nbreview-review');
    widget.addClass('nbreview-pull');
    void tracker.add(widget);
    app.shell.add(widget, 'main');
  }
  const route = pr.gitlab ? 'nbreview/mr' : 'nbreview/pr';
  const page = URLExt.join(PageConfig.getBaseUrl(), route, URLExt.encodeParts(pr.repo), String(pr.number));
  widget.content.url = pr.host ? `${page}?host=${encodeURIComponent(pr.host)}` : page;
  app.shell.activateById(widget.id);
  return widget;
}

/** The command (asks for the pull request unless given `target`), its palette item and launcher card,
    its restored tabs. */
export function registerPullRequestReview(
  app: JupyterFrontEnd,
  palette: ICommandPalette | null,
  launcher: ILauncher | null,
  restore: (tracker: WidgetTracker<MainAreaWidget<ReviewFrame>>, command: string) => void
): void {
  const tracker = new WidgetTracker<MainAreaWidget<ReviewFrame>>({ namespace: 'nbreview-pr' });
  app.commands.addCommand(PULL_COMMAND, {
    label: args => (args.target ? `Review pull request ${args.target}` : 'Review pull request…'),
    caption: 'Review a pull request\'s notebooks, comment and submit a review (nbreview)',
    icon: pullIcon,
    execute: async args => {
      let text = args.target as string | undefined;
      if (text === undefined) {
        const answer = await InputDialog.getText({
          title: 'Review pull request',
          label: `Pull request (OWNER/NAME#N or its URL, e.g. ${EXAMPLE}) or GitLab merge request URL`,
          placeholder: EXAMPLE,
          okLabel: 'Review'
        });
        if (!answer.button.accept || !answer.value) {
          return;
        }
        text = answer.value;
      }
      const pr = parsePullRequest(text);
      if (!pr) {
        await showErrorMessage(
          'Review pull request',
          `“${text.slice(0, 200)}” is not a pull request: give OWNER/NAME#N or its URL, e.g. ${EXAMPLE}, ` +
            'or a GitLab merge request URL'
        );
        return;
      }
      return openPullRequest(app, tracker, pr);
    }
  });
  palette?.addItem({ command: PULL_COMMAND, category: 'nbreview' });
  launcher?.add({ command: PULL_COMMAND, category: 'Other' });
  restore(tracker, PULL_COMMAND);
}
