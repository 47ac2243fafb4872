// The dashboard's only script (the Content-Security-Policy allows no inline script):
// - buttons with data-confirm ask before their form is sent;
// - a page whose <body> has data-refresh="N" reloads every N seconds (a bill cycle run that is
//   still moving), unless someone is typing in a form on it.
'use strict';

document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute('data-confirm');
  if (message && !window.confirm(message)) event.preventDefault();
});

(function () {
  var seconds = Number(document.body.getAttribute('data-refresh'));
  if (!seconds || seconds < 5) return;
  window.setInterval(function () {
    var active = document.activeElement;
    var typing =
      active && (active.tagName === 'INPUT' || active.tagName === 'SELECT' || active.tagName === 'TEXTAREA');
    if (!typing) window.location.reload();
  }, seconds * 1000);
})();
