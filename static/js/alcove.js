// alcove.js - progressive enhancement only; every page works without it.
//
// Loaded as an ES module from 'self' (the CSP forbids inline script), so
// behaviour is attached to markup by data attributes, never by inline
// handlers:
//   data-confirm="Question?"  on a form, or on a button/link: ask first
//                             and cancel the submit or navigation on "no".
//   .flash-success            fades away after a few seconds (the status
//                             was already announced by role="status").
//   [data-refresh-seconds]    reloads the page after that many seconds
//                             (at least 2): a page showing the progress of
//                             a background job, e.g. a key rotation.
//   body[data-idle-seconds]   signed in: a minute before the server's idle
//                             timeout, a warning offers to stay signed in
//                             (POST /session/keepalive); at the timeout the
//                             page goes to the sign-in page, so nothing with
//                             patient information stays on screen.

const SUCCESS_FLASH_MS = 6000;

function confirmFrom(el) {
	const q = el.getAttribute('data-confirm');
	return q === null || window.confirm(q);
}

document.addEventListener('submit', (ev) => {
	const form = ev.target;
	const submitter = ev.submitter;
	if (!(form instanceof HTMLFormElement))
		return;
	if (!confirmFrom(form) || (submitter && !confirmFrom(submitter)))
		ev.preventDefault();
});

document.addEventListener('click', (ev) => {
	const link = ev.target instanceof Element ?
	    ev.target.closest('a[data-confirm]') : null;
	if (link && !confirmFrom(link))
		ev.preventDefault();
});

function dismissLater(flash) {
	const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
	window.setTimeout(() => {
		// Keep it while the user is reading or interacting with it.
		if (flash.matches(':hover') || flash.contains(document.activeElement)) {
			dismissLater(flash);
			return;
		}
		if (reduce) {
			flash.remove();
			return;
		}
		flash.classList.add('is-leaving');
		flash.addEventListener('transitionend', () => flash.remove(), { once: true });
	}, SUCCESS_FLASH_MS);
}

for (const flash of document.querySelectorAll('.flash-success'))
	dismissLater(flash);

function idleWatch(seconds) {
	const warning = document.getElementById('idle-warning');
	const stay = document.getElementById('idle-stay');
	const token = document.querySelector('form.signout input[name="csrf"]');
	if (!warning || !stay || !token || seconds < 120)
		return;
	let warnTimer, endTimer;
	const arm = () => {
		window.clearTimeout(warnTimer);
		window.clearTimeout(endTimer);
		warning.hidden = true;
		warnTimer = window.setTimeout(() => {
			warning.hidden = false;
			stay.focus();
		}, (seconds - 60) * 1000);
		endTimer = window.setTimeout(() => {
			window.location.assign('/login?ended=idle');
		}, seconds * 1000);
	};
	stay.addEventListener('click', async () => {
		const body = new URLSearchParams({ csrf: token.value });
		const res = await fetch('/session/keepalive', {
			method: 'POST', body, credentials: 'same-origin',
		}).catch(() => null);
		if (res && res.status === 204)
			arm();
		else
			window.location.assign('/login?ended=idle');
	});
	arm();
}

if (document.body.dataset.idleSeconds)
	idleWatch(Number(document.body.dataset.idleSeconds));

const refresher = document.querySelector('[data-refresh-seconds]');
if (refresher) {
	const seconds = Math.max(2, Number(refresher.getAttribute('data-refresh-seconds')) || 5);
	window.setTimeout(() => window.location.reload(), seconds * 1000);
}
