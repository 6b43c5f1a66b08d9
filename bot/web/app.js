// Optional: the page works without it. Stops a double send and lets Ctrl/Cmd+Enter send.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      // disable after the submitter's name/value has been taken for the post
      setTimeout(function () {
        buttons(form).forEach(function (b) { b.disabled = true; });
      }, 0);
      form.setAttribute("aria-busy", "true");
    });
  });
  var text = document.getElementById("text");
  if (text) {
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && text.value.trim()) {
        event.preventDefault();
        text.form.requestSubmit();
      }
    });
  }
  var answer = document.getElementById("answer");
  if (answer && location.hash === "#answer") { answer.focus({ preventScroll: true }); }
});
// The form's buttons, those outside it (form="...") included.
function buttons(form) {
  return Array.prototype.filter.call(form.elements, function (e) { return e.tagName === "BUTTON"; });
}
// A page restored from the back/forward cache: sendable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form").forEach(function (form) {
    delete form.dataset.sent;
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (b) { b.disabled = false; });
  });
});
