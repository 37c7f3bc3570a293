import { el, replaceChildren, Disposables } from './dom';
import { InboxBell } from './inbox';
import { NameDirectory } from './names';
import { Session, type CurrentUser } from './session';

/** What every view gets. */
export interface AppContext {
  readonly session: Session;
  readonly names: NameDirectory;
  readonly user: CurrentUser | null;
  /** The signed-in user's bell (null for guests): room connections hand it their inbox messages. */
  readonly inbox: InboxBell | null;
  navigate(path: string): void;
  /** A link that navigates inside the app (keyboard and middle-click behave as for any link). */
  link(path: string, text: string, className?: string): HTMLAnchorElement;
  setTitle(title: string): void;
}

export interface Route {
  pattern: RegExp;
  /** Who may open it; views for signed-in users send the visitor to sign in first. */
  access: 'anyone' | 'signedIn' | 'anchor' | 'admin';
  render(context: AppContext, outlet: HTMLElement, match: RegExpMatchArray, disposables: Disposables): void;
}

export class App {
  private readonly session = new Session();
  private readonly names: NameDirectory;
  private readonly bell: InboxBell;
  private readonly header = el('header', { class: 'app-header' });
  private readonly outlet = el('main', { class: 'app-main', attrs: { id: 'main', tabindex: -1 } });
  private readonly routes: Route[];
  private view = new Disposables();

  constructor(root: HTMLElement, routes: Route[]) {
    this.routes = routes;
    this.names = new NameDirectory(this.session.clients, () => this.session.user !== null);
    this.bell = new InboxBell(this.session, this.names);
    replaceChildren(
      root,
      el('a', { class: 'skip-link', attrs: { href: '#main' } }, 'Skip to content'),
      this.header,
      this.outlet,
    );
    window.addEventListener('popstate', () => this.render());
    document.addEventListener('click', (event) => this.interceptLink(event));
    this.session.onChange(() => this.render());
  }

  async start(): Promise<void> {
    this.renderHeader();
    await this.session.restore();
    this.render();
  }

  navigate(path: string): void {
    if (path !== location.pathname + location.search) history.pushState(null, '', path);
    this.render();
    this.outlet.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  private context(): AppContext {
    return {
      session: this.session,
      names: this.names,
      user: this.session.user,
      inbox: this.session.user === null ? null : this.bell,
      navigate: (path) => this.navigate(path),
      link: (path, text, className) => el('a', { class: className, attrs: { href: path } }, text),
      setTitle: (title) => {
        document.title = title === '' ? 'Live' : `${title} · Live`;
      },
    };
  }

  private render(): void {
    this.renderHeader();
    void this.bell.refresh();
    this.view.dispose();
    this.view = new Disposables();
    this.outlet.replaceChildren();
    const path = location.pathname;
    const user = this.session.user;
    for (const route of this.routes) {
      const match = path.match(route.pattern);
      if (match === null) continue;
      if (route.access !== 'anyone' && user === null) {
        this.renderGate('Sign in to continue', 'This page is for signed-in users.', true);
        return;
      }
      if ((route.access === 'anchor' && !(user?.anchor || user?.admin)) || (route.access === 'admin' && !user?.admin)) {
        this.renderGate(
          'Not for this account',
          route.access === 'admin' ? 'The operator dashboard is for admins.' : 'The anchor console is for anchors.',
          false,
        );
        return;
      }
      route.render(this.context(), this.outlet, match, this.view);
      return;
    }
    this.context().setTitle('Not found');
    this.outlet.append(
      el('section', { class: 'panel narrow' }, el('h1', null, 'Nothing here'), el('p', null, this.context().link('/', 'Back to the lobby'))),
    );
  }

  private renderGate(title: string, text: string, offerSignIn: boolean): void {
    this.context().setTitle(title);
    const next = encodeURIComponent(location.pathname + location.search);
    this.outlet.append(
      el(
        'section',
        { class: 'panel narrow' },
        el('h1', null, title),
        el('p', null, text),
        offerSignIn ? el('p', null, this.context().link(`/signin?next=${next}`, 'Sign in', 'button primary')) : null,
      ),
    );
  }

  private renderHeader(): void {
    const user = this.session.user;
    const link = (path: string, text: string) => {
      const a = this.context().link(path, text, 'nav-link');
      const active = path === '/' ? location.pathname === '/' : location.pathname.startsWith(path);
      if (active) a.setAttribute('aria-current', 'page');
      return a;
    };
    replaceChildren(
      this.header,
      el('a', { class: 'brand', attrs: { href: '/', 'aria-label': 'Live — lobby' } }, el('span', { class: 'brand-dot' }), 'Live'),
      el(
        'nav',
        { class: 'app-nav', attrs: { 'aria-label': 'Main' } },
        link('/', 'Lobby'),
        user?.anchor || user?.admin ? link('/console', 'Console') : null,
        user?.admin ? link('/admin', 'Dashboard') : null,
      ),
      el(
        'div',
        { class: 'account' },
        ...(user === null
          ? [this.context().link(`/signin?next=${encodeURIComponent(location.pathname)}`, 'Sign in', 'button small')]
          : [
              this.bell.element,
              el('span', { class: 'account-name', attrs: { 'data-testid': 'account-name', 'data-user-id': String(user.id) } }, user.name),
              el(
                'button',
                {
                  class: 'button small ghost',
                  attrs: { type: 'button' },
                  on: { click: () => void this.session.signOut().finally(() => this.navigate('/')) },
                },
                'Sign out',
              ),
            ]),
      ),
    );
  }

  private interceptLink(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target !== '' || anchor.hasAttribute('download')) return;
    const href = anchor.getAttribute('href');
    if (href === null || !href.startsWith('/') || href.startsWith('//')) return;
    event.preventDefault();
    this.navigate(href);
  }
}
