// Account page: the caller's sessions (GET /api/v1/auth/sessions), revoking one, signing out
// everywhere else; and the header's sign-out button. Sends anyone not signed in to sign-in.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const { api, element, showError, signOut } = window.gatehouse;
  if (document.body.dataset.page !== 'account') return;
  document.getElementById('sign-out').addEventListener('click', signOut);
  const section = document.getElementById('sessions');
  const error = element('p', { class: 'error', hidden: '' });

  async function render() {
    const result = await api('GET', '/api/v1/auth/sessions');
    if (result.status === 401) { location.assign('/ui/?returnTo=' + encodeURIComponent(location.pathname)); return; }
    section.replaceChildren(element('h2', { text: 'Where you are signed in' }), error);
    if (!result.ok) { showError(error, result.error); return; }
    const rows = result.data.sessions.filter((s) => s.status === 'active').map((s) => {
      const where = [s.location.city, s.location.country].filter(Boolean).join(', ');
      const what = [s.browser, s.os, s.device].filter(Boolean).join(' · ') || 'Unknown device';
      const action = s.current ? element('span', { class: 'muted', text: 'this device' })
        : element('button', { class: 'secondary', text: 'Sign out', onclick: async () => {
          const revoked = await api('DELETE', '/api/v1/auth/sessions/' + s.id);
          if (!revoked.ok) showError(error, revoked.error); else render();
        } });
      return element('tr', { 'data-session-id': s.id }, element('td', { text: what }),
        element('td', { text: (where ? where + ' · ' : '') + s.ip }),
        element('td', { text: new Date(s.lastActivityAt).toLocaleString() }), element('td', {}, action));
    });
    section.append(element('table', {}, ...rows),
      element('button', { class: 'secondary', text: 'Sign out everywhere else', onclick: async () => {
        const revoked = await api('DELETE', '/api/v1/auth/sessions?scope=others');
        if (!revoked.ok) showError(error, revoked.error); else render();
      } }));
  }
  render();
});
