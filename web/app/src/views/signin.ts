import { el, setText, type Disposables } from '../dom';
import { describeError } from '../errors';
import type { AppContext } from '../app';

/** Sign in, or create an account (optionally as an anchor) and sign in with it. */
export function renderSignIn(context: AppContext, outlet: HTMLElement, _match: RegExpMatchArray, view: Disposables): void {
  context.setTitle('Sign in');
  const params = new URLSearchParams(location.search);
  const requested = params.get('next') ?? '/';
  // Only paths inside the app: `next=//evil.example` or an absolute URL must not redirect anywhere else.
  const next = requested.startsWith('/') && !requested.startsWith('//') ? requested : '/';
  let registering = params.get('mode') === 'register';

  const heading = el('h1', { attrs: { id: 'signin-heading' } });
  const username = el('input', {
    attrs: { id: 'username', name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32 },
  });
  const password = el('input', {
    attrs: { id: 'password', name: 'password', type: 'password', required: true, minlength: 8, maxlength: 128 },
  });
  const displayName = el('input', { attrs: { id: 'display-name', name: 'displayName', maxlength: 64, autocomplete: 'nickname' } });
  const asAnchor = el('input', { attrs: { id: 'as-anchor', name: 'asAnchor', type: 'checkbox' } });
  const registerOnly = el(
    'div',
    { class: 'register-only' },
    el('label', { attrs: { for: 'display-name' } }, 'Display name (optional)'),
    displayName,
    el('label', { class: 'check', attrs: { for: 'as-anchor' } }, asAnchor, 'I want to go live (anchor account)'),
  );
  const status = el('p', { class: 'form-status', attrs: { role: 'alert', 'aria-live': 'assertive' } });
  const submit = el('button', { class: 'button primary', attrs: { type: 'submit' } });
  const toggle = el('button', { class: 'button ghost', attrs: { type: 'button' } });

  const apply = () => {
    setText(heading, registering ? 'Create an account' : 'Sign in');
    setText(submit, registering ? 'Create account' : 'Sign in');
    setText(toggle, registering ? 'I have an account' : 'Create an account');
    registerOnly.hidden = !registering;
    password.setAttribute('autocomplete', registering ? 'new-password' : 'current-password');
  };
  toggle.addEventListener('click', () => {
    registering = !registering;
    setText(status, '');
    apply();
  });

  const form = el(
    'form',
    { class: 'panel narrow form', attrs: { 'aria-labelledby': 'signin-heading', novalidate: false } },
    heading,
    el('label', { attrs: { for: 'username' } }, 'Username'),
    username,
    el('label', { attrs: { for: 'password' } }, 'Password'),
    password,
    registerOnly,
    status,
    el('div', { class: 'form-actions' }, submit, toggle),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    setText(status, '');
    const work = registering
      ? context.session.register(username.value.trim(), password.value, displayName.value.trim(), asAnchor.checked)
      : context.session.signIn(username.value.trim(), password.value);
    work
      // Signing in rebuilds the page for the new user (this view included), so navigate unconditionally.
      .then(() => context.navigate(next))
      .catch((error: unknown) => {
        if (view.isDisposed) return;
        setText(status, describeError(error));
        submit.disabled = false;
      });
  });
  apply();
  outlet.append(form);
  username.focus();
}
