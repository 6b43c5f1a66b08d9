// Optional: the page works without it. Stops a double send and lets Ctrl/Cmd+Enter send.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      // disable after the submitter's name/value has been taken for the post
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
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
// A page restored from the back/forward cache: sendable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form").forEach(function (form) {
    delete form.dataset.sent;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  });
});
