// Account page: the caller's profile (GET/PATCH /api/v1/me) and avatar (PUT/DELETE
// /api/v1/me/avatar). The avatar is sent as the file's own bytes, not as a form; the server
// decides what it is from the content and answers with a clear error for anything else.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const { api, element, showError } = window.gatehouse;
  if (document.body.dataset.page !== 'account') return;
  const section = document.getElementById('profile');
  const maxAvatarBytes = 5 * 1024 * 1024;

  function field(label, name, value, maxLength) {
    const input = element('input', { name, id: 'profile-' + name, maxlength: String(maxLength), autocomplete: 'off' });
    input.value = value || '';
    return { input, row: element('p', {}, element('label', { for: input.id, text: label }), input) };
  }

  function render(user) {
    const error = element('p', { class: 'error', hidden: '' });
    const status = element('p', { class: 'muted', hidden: '' });
    const say = (text) => { showError(error, null); status.textContent = text; status.hidden = !text; };
    const fail = (e) => { status.hidden = true; showError(error, e); };

    const picture = user.avatarUrl
      ? element('img', { src: user.avatarUrl, alt: 'Your avatar', width: '96', height: '96', id: 'profile-avatar' })
      : element('p', { class: 'muted', id: 'profile-avatar', text: 'No picture yet.' });
    const file = element('input', { type: 'file', id: 'profile-avatar-file', accept: 'image/png,image/jpeg,image/webp' });
    file.addEventListener('change', async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      if (chosen.size > maxAvatarBytes) { fail({ message: 'The picture is larger than 5 MiB.' }); return; }
      say('Uploading…');
      const result = await api('PUT', '/api/v1/me/avatar', chosen, { contentType: chosen.type || 'application/octet-stream' });
      file.value = '';
      if (!result.ok) { fail(result.error); return; }
      load('Picture updated.');
    });
    const remove = element('button', { class: 'secondary', type: 'button', text: 'Remove picture', onclick: async () => {
      const result = await api('DELETE', '/api/v1/me/avatar');
      if (!result.ok) { fail(result.error); return; }
      load('Picture removed.');
    } });
    remove.hidden = !user.avatarUrl;

    const first = field('First name', 'firstName', user.firstName, 50);
    const last = field('Last name', 'lastName', user.lastName, 50);
    const display = field('Display name (optional)', 'displayName', user.displayName, 100);
    const form = element('form', {}, first.row, last.row, display.row,
      element('button', { type: 'submit', text: 'Save' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const displayName = display.input.value.trim();
      const result = await api('PATCH', '/api/v1/me', {
        firstName: first.input.value, lastName: last.input.value, displayName: displayName || null,
      });
      if (!result.ok) {
        fail(result.error);
        const named = result.error && result.error.field && document.getElementById('profile-' + result.error.field);
        if (named) named.focus();
        return;
      }
      load('Saved.');
    });

    section.replaceChildren(element('h2', { text: 'Profile' }), picture,
      element('p', {}, element('label', { for: file.id, text: 'New picture (PNG, JPEG or WebP, up to 5 MiB)' }), file),
      remove, form, status, error);
  }

  async function load(message) {
    const result = await api('GET', '/api/v1/me');
    if (result.status === 401) return; // sessions.js sends the visitor to sign-in
    if (!result.ok) {
      const error = element('p', { class: 'error' });
      section.replaceChildren(element('h2', { text: 'Profile' }), error);
      showError(error, result.error);
      return;
    }
    render(result.data.user);
    if (message) {
      const status = section.querySelector('p.muted:not(#profile-avatar)');
      if (status) { status.textContent = message; status.hidden = false; }
    }
  }
  load();
});
