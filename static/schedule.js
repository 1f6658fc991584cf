// schedule.js - keyboard navigation for the calendar (templates/schedule/
// week.html): j or ArrowRight follows the "next" link, k or ArrowLeft the
// "previous" one, t the "today" one.  Only plain links are followed, so
// the page works the same without this file; keys typed into form fields
// are left alone.
const keys = {j: 'next', ArrowRight: 'next', k: 'prev', ArrowLeft: 'prev',
  t: 'today'};

document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName)))
    return;
  const which = keys[e.key];
  if (!which) return;
  const a = document.querySelector(`a[data-key="${which}"]`);
  if (a) {
    e.preventDefault();
    window.location.assign(a.href);
  }
});
