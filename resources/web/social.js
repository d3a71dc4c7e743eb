// Social sign-in (issue 7). Sign-in and sign-up pages: one button per enabled provider
// (GET /api/v1/auth/oauth/providers) into #social-signin / #social-signup; a plain link to
// .../start, because the browser itself must travel to the provider and back. Account page:
// linked providers with unlink, and link buttons for the others, into #providers. Every page
// shows the ?error=CODE a failed social sign-in came back with.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const { api, element, showError } = window.gatehouse;
  const page = document.body.dataset.page;

  const messages = {
    ACCESS_DENIED: 'The sign-in was cancelled at the provider.',
    ACCOUNT_EXISTS: 'An account with this email exists already. Sign in to it another way, then link the provider on your account page.',
    EMAIL_REQUIRED: 'The provider did not share a verified email address, which a new account needs.',
    EMAIL_INVALID: 'The provider\'s email address cannot be used here.',
    STATE_INVALID: 'That sign-in expired or was already used. Please start again.',
    PROVIDER_TAKEN: 'That provider account is linked to another Gatehouse account.',
    PROVIDER_UNAVAILABLE: 'The provider cannot be reached right now. Please try again later.',
    PROVIDER_TIMEOUT: 'The provider took too long to answer. Please try again.',
    PROVIDER_ERROR: 'The provider refused the sign-in. Please try again.',
    PROVIDER_RESPONSE_INVALID: 'The provider sent an answer Gatehouse cannot use.',
    USER_DISABLED: 'This account is disabled.',
    SERVICE_UNAVAILABLE: 'Gatehouse is temporarily unavailable. Please try again.',
  };
  function errorFromUrl() {
    const code = new URLSearchParams(location.search).get('error');
    if (!code || !/^[A-Z_]{1,64}$/.test(code)) return null;
    if (code.startsWith('ID_TOKEN_')) return { code, message: 'The provider\'s answer could not be verified. Please try again.' };
    return { code, message: messages[code] || 'Signing in with the provider failed (' + code + ').' };
  }

  function returnTo() {
    // Only paths on this origin; the server checks again (RETURN_TO_NOT_ALLOWED).
    const wanted = new URLSearchParams(location.search).get('returnTo');
    if (wanted && wanted.startsWith('/') && !wanted.startsWith('//') && !wanted.includes('\\')) return wanted;
    return '/ui/account.html';
  }

  async function renderButtons(section) {
    const error = element('p', { class: 'error', hidden: '' });
    showError(error, errorFromUrl());
    const result = await api('GET', '/api/v1/auth/oauth/providers');
    if (!result.ok || result.data.providers.length === 0) {
      section.replaceChildren(error);
      section.hidden = error.hidden;
      return;
    }
    const buttons = result.data.providers.map((provider) => element('a', {
      class: 'button secondary social-' + provider.name,
      'data-provider': provider.name,
      href: provider.startUrl + '?returnTo=' + encodeURIComponent(returnTo()),
      text: (page === 'signup' ? 'Sign up with ' : 'Continue with ') + provider.displayName,
    }));
    section.replaceChildren(element('h2', { text: 'Or use an account you already have' }), error, ...buttons);
    section.hidden = false;
  }

  async function renderAccount(section) {
    const error = element('p', { class: 'error', hidden: '' });
    const result = await api('GET', '/api/v1/me/providers');
    if (result.status === 401) return; // sessions.js sends the visitor to sign in
    section.replaceChildren(element('h2', { text: 'Linked sign-in providers' }), error);
    showError(error, errorFromUrl());
    if (!result.ok) { showError(error, result.error); return; }
    const linked = new Set(result.data.providers.map((p) => p.type));
    const names = Object.fromEntries(result.data.available.map((p) => [p.name, p.displayName]));
    const rows = result.data.providers.map((p) => element('tr', { 'data-provider': p.type },
      element('td', { text: names[p.type] || p.type }),
      element('td', { text: p.email || '' }),
      element('td', { text: 'linked ' + new Date(p.linkedAt).toLocaleDateString() }),
      element('td', {}, element('button', { class: 'secondary', text: 'Unlink', onclick: async () => {
        const removed = await api('DELETE', '/api/v1/me/providers/' + encodeURIComponent(p.type));
        if (!removed.ok) showError(error, removed.error); else renderAccount(section);
      } }))));
    if (rows.length > 0) section.append(element('table', {}, ...rows));
    else section.append(element('p', { class: 'muted', text: 'No provider is linked to this account.' }));
    for (const provider of result.data.available.filter((p) => !linked.has(p.name))) {
      section.append(element('button', { class: 'secondary', 'data-link': provider.name, text: 'Link ' + provider.displayName,
        onclick: async () => {
          const started = await api('POST', '/api/v1/me/providers/' + encodeURIComponent(provider.name) + '/start',
            { returnTo: '/ui/account.html' });
          if (!started.ok) showError(error, started.error); else location.assign(started.data.redirectUrl);
        } }));
    }
    section.hidden = false;
  }

  if (page === 'signin' || page === 'signup') {
    const section = document.getElementById(page === 'signin' ? 'social-signin' : 'social-signup');
    if (section) renderButtons(section);
  } else if (page === 'account') {
    const section = document.getElementById('providers');
    if (section) renderAccount(section);
  }
});
