/* nbreview in JupyterLab: toolbar buttons and palette commands that open nbreview's review
   page (served by the nbreview server extension under the server's base URL) in a main-area
   tab, and "Review pull request…" (pulls.ts). The page runs in an iframe (frame.ts), so its keys
   (j/k, n/p, t, u, ?) work while the tab has focus and never reach JupyterLab's own shortcuts,
   nor JupyterLab's theirs. */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { DisposableSet } from '@lumino/disposable';
import { ReviewFrame } from './frame';
import { registerWithGit } from './git';
import { registerPullRequestReview } from './pulls';

const CHECKPOINT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">
<g class="jp-icon3" fill="#616161"><path d="M2 1h7l3 3v4h-1.5V5H8V2.5H3.5v11H7V15H2z"/>
<path d="M12 9a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zm-.6 1.5h1.2v2h1.6v1.2h-2.8z"/>
<path d="M5 7h4v1.2H5zM6.4 5.6h1.2v4H6.4zM5 11h4v1.2H5z"/></g></svg>`;

const GIT_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">
<g class="jp-icon3" fill="#616161"><path d="M2 1h7l3 3v4h-1.5V5H8V2.5H3.5v11H7V15H2z"/>
<circle cx="10" cy="10" r="1.6"/><circle cx="14" cy="10" r="1.6"/><circle cx="10" cy="14.4" r="1.6"/>
<path d="M9.4 10h1.2v4.4H9.4zM13.4 10.8h1.2c0 2-1.6 3-3.6 3v-1.2c1.4 0 2.4-.6 2.4-1.8z"/>
<path d="M5 7h4v1.2H5zM6.4 5.6h1.2v4H6.4zM5 11h3v1.2H5z"/></g></svg>`;

const checkpointIcon = new LabIcon({ name: 'nbreview:checkpoint', svgstr: CHECKPOINT_SVG });
const gitIcon = new LabIcon({ name: 'nbreview:git', svgstr: GIT_SVG });

/** The commands, and what each compares: its old side against the notebook as saved. */
const COMMANDS = [
  {
    id: 'nbreview:review-checkpoint',
    old: 'checkpoint',
    label: 'Review changes since checkpoint',
    caption: 'Review changes since the last checkpoint (nbreview)',
    icon: checkpointIcon
  },
  {
    id: 'nbreview:review-head',
    old: 'HEAD',
    label: 'Review changes against git HEAD',
    caption: 'Review changes against the last commit, git HEAD (nbreview)',
    icon: gitIcon
  },
  {
    id: 'nbreview:review-index',
    old: 'index',
    label: 'Review unstaged changes (against the git index)',
    caption: 'Review changes not yet staged with git add (nbreview)',
    icon: gitIcon
  }
];

/** The review page of `path` with `old` against `saved`, under the server's base URL. */
function reviewUrl(path: string, old: string, current = 'saved'): string {
  const base = URLExt.join(PageConfig.getBaseUrl(), 'nbreview/diff', URLExt.encodeParts(path));
  return `${base}?old=${encodeURIComponent(old)}&new=${encodeURIComponent(current)}`;
}

/** Open (or reload and show) the review tab of `path` with `old` against `current`. */
function openReview(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<ReviewFrame>>,
  path: string,
  old: string,
  current = 'saved'
): MainAreaWidget<ReviewFrame> {
  const id = `nbreview:${old}:${current}:${path}`;
  let widget = tracker.find(w => w.id === id);
  if (!widget || widget.isDisposed) {
    widget = new MainAreaWidget({ content: new ReviewFrame() });
    widget.id = id;
    widget.title.label = `Review ${baseName(path)}`;
    widget.title.caption = `nbreview: ${path}, ${old} → ${current}`;
    widget.title.icon = old === 'checkpoint' ? checkpointIcon : gitIcon;
    widget.title.closable = true;
    widget.addClass('nbreview-review');
    void tracker.add(widget);
    app.shell.add(widget, 'main', { mode: 'split-right' });
  }
  widget.content.url = reviewUrl(path, old, current);
  app.shell.activateById(widget.id);
  return widget;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'nbreview:plugin',
  description: 'Review a notebook\'s changes with nbreview, inside JupyterLab.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    launcher: ILauncher | null
  ) => {
    const reviews = new WidgetTracker<MainAreaWidget<ReviewFrame>>({ namespace: 'nbreview' });

    /** The notebook a command acts on: the one named by `path`, else the current one. */
    const panelFor = (path?: string): NotebookPanel | null =>
      path ? notebooks.find(p => p.context.path === path) ?? null : notebooks.currentWidget;

    for (const c of COMMANDS) {
      app.commands.addCommand(c.id, {
        label: c.label,
        caption: c.caption,
        icon: c.icon,
        isEnabled: () => notebooks.currentWidget !== null,
        execute: async args => {
          const panel = panelFor(args.path as string | undefined);
          const path = (args.path as string | undefined) ?? panel?.context.path;
          if (!path) {
            return;
          }
          // Review what is on screen: save unsaved edits first (a save without a checkpoint).
          if (panel && panel.context.model.dirty && !panel.context.model.readOnly) {
            await panel.context.save();
          }
          return openReview(app, reviews, path, c.old);
        }
      });
      palette?.addItem({ command: c.id, category: 'nbreview' });
    }

    app.commands.addCommand('nbreview:open', {
      label: 'Review two versions of a notebook (nbreview)',
      execute: args =>
        openReview(app, reviews, args.path as string, args.old as string, (args.new as string) ?? 'saved')
    });

    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (panel: NotebookPanel) => {
        const buttons = new DisposableSet();
        COMMANDS.slice(0, 2).forEach((c, i) => {
          const button = new ToolbarButton({
            icon: c.icon,
            tooltip: c.caption,
            className: `nbreview-button nbreview-${c.old.toLowerCase()}`,
            onClick: () => void app.commands.execute(c.id, { path: panel.context.path })
          });
          panel.toolbar.insertItem(10 + i, `nbreview-${c.old.toLowerCase()}`, button);
          buttons.add(button);
        });
        return buttons;
      }
    });

    // jupyterlab-git, when installed: its notebook diffs show nbreview's page.
    void registerWithGit(app, reviewUrl).catch(reason =>
      console.warn('nbreview: not registered with jupyterlab-git:', reason)
    );

    registerPullRequestReview(app, palette, launcher, (tracker, command) => {
      void restorer?.restore(tracker, {
        command,
        args: w => ({ target: w.id.slice(w.id.indexOf(':') + 1) }),
        name: w => w.id
      });
    });

    if (restorer) {
      void restorer.restore(reviews, {
        command: 'nbreview:open',
        args: w => {
          const [, old, current, ...rest] = w.id.split(':');
          return { path: rest.join(':'), old, new: current };
        },
        name: w => w.id
      });
    }
  }
};

export default plugin;
