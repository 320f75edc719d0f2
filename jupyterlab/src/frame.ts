/* The iframe a review tab shows nbreview's page in. The page runs in the frame, so its keys
   (j/k, n/p, t, u, ?) work while the tab has focus and never reach JupyterLab's shortcuts. */
import { IFrame } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';

/** An iframe that takes the keyboard focus whenever its tab is activated. */
export class ReviewFrame extends IFrame {
  constructor() {
    super({ sandbox: ['allow-scripts', 'allow-same-origin', 'allow-popups'] });
    // A link to GitHub opens in a new browser tab as a normal page, not under this frame's sandbox
    // (IFrame's own list misspells this token, so it is added here).
    this.node.querySelector('iframe')?.sandbox.add('allow-popups-to-escape-sandbox');
    this.addClass('nbreview-frame');
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    const frame = this.node.querySelector('iframe');
    if (frame) {
      frame.focus();
      frame.contentWindow?.focus();
    }
  }
}
