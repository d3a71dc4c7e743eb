// Account page, #verification: whether the email address and the phone number are verified,
// sending a code (POST /api/v1/me/{email,phone}/verification) and entering it
// (POST …/verify); setting the phone number (PUT /api/v1/me/phone, any common format).
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const { api, element, showError } = window.gatehouse;
  if (document.body.dataset.page !== 'account') return;
  const section = document.getElementById('verification');
  if (!section) return;

  // Why a request for a code failed, in words (429 carries Retry-After seconds in the message).
  function describe(result) {
    if (result.status === 429) return { message: 'A code was sent less than a minute ago. Wait a little, then ask again.' };
    return result.error;
  }

  // One block: the address, its state, "send code" and the code form once a code is on its way.
  function channel(kind, label, address, verified, render) {
    const error = element('p', { class: 'error', hidden: '' });
    const note = element('p', { class: 'muted', hidden: '' });
    const state = verified
      ? element('span', { class: 'muted', 'data-verified': 'true', text: ' · verified' })
      : element('span', { class: 'muted', 'data-verified': 'false', text: ' · not verified' });
    const block = element('div', { 'data-channel': kind },
      element('p', {}, element('strong', { text: label + ': ' }), address || 'none', address ? state : ''));
    if (!address || verified) return block;

    const code = element('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
      pattern: '[0-9]{6}', maxlength: '6', required: '' });
    const form = element('form', { hidden: '' }, element('label', { text: 'Code' }), code,
      element('button', { type: 'submit', text: 'Verify' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await api('POST', '/api/v1/me/' + kind + '/verify', { code: code.value.trim() });
      if (!result.ok) { showError(error, result.error); return; }
      render(result.data.user);
    });
    const send = element('button', { class: 'secondary', type: 'button',
      text: kind === 'email' ? 'Send a code by email' : 'Send a code by SMS', onclick: async () => {
        send.disabled = true;
        const result = await api('POST', '/api/v1/me/' + kind + '/verification');
        send.disabled = false;
        if (!result.ok) { showError(error, describe(result)); return; }
        showError(error, null);
        note.textContent = 'Code sent. It is valid for ' + Math.round(result.data.expiresInSeconds / 60) + ' minutes.';
        note.hidden = false;
        form.hidden = false;
        code.focus();
      } });
    block.append(send, note, form, error);
    return block;
  }

  function phoneForm(user, render) {
    const error = element('p', { class: 'error', hidden: '' });
    const input = element('input', { name: 'phone', type: 'tel', autocomplete: 'tel', maxlength: '40',
      value: user.phone || '', placeholder: '+49 30 1234567' });
    const form = element('form', {}, element('label', { text: user.phone ? 'Change phone number' : 'Phone number' }),
      input, element('button', { type: 'submit', class: 'secondary', text: 'Save number' }), error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await api('PUT', '/api/v1/me/phone', { phone: input.value });
      if (!result.ok) { showError(error, result.error); return; }
      render(result.data.user);
    });
    return form;
  }

  function render(user) {
    section.replaceChildren(element('h2', { text: 'Email and phone' }),
      channel('email', 'Email', user.email, user.emailVerified, render),
      channel('phone', 'Phone', user.phone, user.phoneVerified, render),
      phoneForm(user, render));
  }

  (async () => {
    const result = await api('GET', '/api/v1/me');
    if (result.status === 401) return; // sessions.js sends the visitor to sign-in
    if (!result.ok) {
      const error = element('p', { class: 'error' });
      showError(error, result.error);
      section.replaceChildren(element('h2', { text: 'Email and phone' }), error);
      return;
    }
    render(result.data.user);
  })();
});
