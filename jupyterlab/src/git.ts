/* jupyterlab-git: its notebook diff (working tree, index, any two commits) shows nbreview's
   page. Optional: used only when jupyterlab-git (0.50 or later) is installed. Its token and
   plugins come from its federated module (window._JUPYTERLAB, the way JupyterLab loads
   extensions), so nbreview needs no npm dependency on it. A merge conflict keeps
   jupyterlab-git's own nbdime merge view, whose factory we take from its notebook-diff plugin. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IFrame } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Token } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

/** The parts of jupyterlab-git's diff model nbreview reads (tokens.ts: Git.Diff.IModel). */
interface IDiffContent {
  label: string;
  source: unknown; // a git ref, or 0 (working tree), 1 (index), 2 (merge base)
}
interface IDiffModel {
  reference: IDiffContent;
  challenger: IDiffContent;
  filename: string; // relative to the repository
  repositoryPath?: string; // relative to the server root
  hasConflict?: boolean;
}
interface IFactoryOptions {
  model: IDiffModel;
}
type Factory = (options: IFactoryOptions) => Promise<Widget>;
interface IGitExtension {
  registerDiffProvider(name: string, extensions: string[], factory: Factory): void;
}
interface IGitModule {
  IGitExtension?: Token<IGitExtension>;
  default?: Array<{ id: string; activate: (...args: unknown[]) => unknown }>;
}

const GIT_PACKAGE = '@jupyterlab/git';
const SPECIAL: Record<number, string> = { 0: 'saved', 1: 'index' };

/** jupyterlab-git's module, as JupyterLab loaded it; null when it is not installed. */
async function gitModule(): Promise<IGitModule | null> {
  const containers = (window as unknown as { _JUPYTERLAB?: Record<string, any> })._JUPYTERLAB;
  const container = containers?.[GIT_PACKAGE];
  if (!container) {
    return null;
  }
  const factory = await container.get('./index');
  return factory() as IGitModule;
}

/** A side of jupyterlab-git's diff as a side of nbreview's page (`saved`, `index` or a revision). */
export function sideOf(source: unknown): string | null {
  if (typeof source === 'number') {
    return SPECIAL[source] ?? null;
  }
  return typeof source === 'string' && source ? source : null;
}

/** The diff widget jupyterlab-git shows: nbreview's page in an iframe, reloaded on refresh. */
class ReviewDiff extends IFrame {
  constructor(readonly model: IDiffModel, private readonly page: string) {
    super({ sandbox: ['allow-scripts', 'allow-same-origin', 'allow-popups'] });
    this.addClass('nbreview-git-diff');
    this.url = page;
  }

  /** Only diffs come here (a conflict goes to the merge view), so there is nothing to resolve. */
  get isFileResolved(): boolean {
    return true;
  }

  async getResolvedFile(): Promise<never> {
    throw new Error('nbreview shows diffs; a merge conflict opens in the merge view');
  }

  async refresh(): Promise<void> {
    this.url = this.page; // setting the address again reloads the page: a new diff of both sides
  }
}

/** Register nbreview as jupyterlab-git's `.ipynb` diff provider, once JupyterLab has started. */
export async function registerWithGit(
  app: JupyterFrontEnd,
  reviewUrl: (path: string, old: string, current: string) => string
): Promise<boolean> {
  const module = await gitModule();
  if (!module?.IGitExtension) {
    return false;
  }
  const git = await app.resolveOptionalService(module.IGitExtension);
  if (!git) {
    return false;
  }
  const merge = await nbdimeFactory(app, module);
  await app.restored; // after jupyterlab-git's own notebook-diff plugin has registered nbdime
  git.registerDiffProvider('nbreview', ['.ipynb'], async ({ model, ...rest }) => {
    const old = sideOf(model.reference.source);
    const current = sideOf(model.challenger.source);
    if (model.hasConflict || old === null || current === null) {
      if (merge) {
        return merge({ model, ...rest });
      }
      throw new Error('nbreview cannot show a merge conflict, and nbdime is not available');
    }
    const path = model.repositoryPath ? `${model.repositoryPath}/${model.filename}` : model.filename;
    return new ReviewDiff(model, reviewUrl(path, old, current));
  });
  return true;
}

/** jupyterlab-git's nbdime factory (for merge conflicts), from its exported notebook-diff plugin. */
async function nbdimeFactory(app: JupyterFrontEnd, module: IGitModule): Promise<Factory | null> {
  const plugin = module.default?.find(p => p.id === `${GIT_PACKAGE}:notebook-diff`);
  const renderMime = await app.resolveOptionalService(IRenderMimeRegistry);
  if (!plugin || !renderMime) {
    return null;
  }
  let found: Factory | null = null;
  const capture: IGitExtension = {
    registerDiffProvider: (_name, _extensions, factory) => {
      found = factory;
    }
  };
  plugin.activate(app, capture, renderMime);
  return found;
}
