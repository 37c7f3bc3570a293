/**
 * The one way this app builds DOM. Strings become text nodes and attribute values go through setAttribute,
 * so text from the wire can never turn into markup: there is no innerHTML anywhere in the app.
 */
export type Child = Node | string | number | bigint | null | undefined | false;

export interface Props {
  class?: string;
  /** Attributes (aria-*, type, href, …), set with setAttribute; `false`/`undefined` leave one out. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props) {
    if (props.class) node.className = props.class;
    if (props.attrs) {
      for (const [name, value] of Object.entries(props.attrs)) {
        if (value === undefined || value === false) continue;
        node.setAttribute(name, value === true ? '' : String(value));
      }
    }
    if (props.on) {
      for (const [type, handler] of Object.entries(props.on)) {
        node.addEventListener(type, handler as EventListener);
      }
    }
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function setText(node: Node, text: string | number | bigint): void {
  node.textContent = String(text);
}

/** Something a view holds that must be released when the view goes away (timers, streams, sockets). */
export type Cleanup = () => void;

export class Disposables {
  private readonly cleanups: Cleanup[] = [];
  private disposed = false;

  add(cleanup: Cleanup): void {
    if (this.disposed) cleanup();
    else this.cleanups.push(cleanup);
  }

  interval(callback: () => void, ms: number): void {
    const id = window.setInterval(callback, ms);
    this.add(() => window.clearInterval(id));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** An AbortSignal that fires when the view goes away, for calls and streams that should stop with it. */
  signal(): AbortSignal {
    const controller = new AbortController();
    this.add(() => controller.abort());
    return controller.signal;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup();
  }
}

const reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;

/** A short scale pulse (a combo count going up); restarts if it is already playing, skipped for reduced motion. */
export function pulse(node: HTMLElement): void {
  if (reducedMotion?.matches) return;
  for (const running of node.getAnimations()) running.cancel();
  node.animate([{ transform: 'scale(1)' }, { transform: 'scale(1.18)' }, { transform: 'scale(1)' }], { duration: 350, easing: 'ease-out' });
}
