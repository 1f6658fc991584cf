// alcove.js - progressive enhancement only; every page works without it.
//
// Loaded as an ES module from 'self' (the CSP forbids inline script), so
// behaviour is attached to markup by data attributes, never by inline
// handlers:
//   data-confirm="Question?"  on a form, or on a button/link: ask first
//                             and cancel the submit or navigation on "no".
//   .flash-success            fades away after a few seconds (the status
//                             was already announced by role="status").

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
