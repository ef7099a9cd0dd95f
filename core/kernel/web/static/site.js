// Progressive enhancement only: every page works without this file.
"use strict";

// "Print" buttons need script; without it the page says how to print instead.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
  for (const fallback of document.querySelectorAll("[data-print-fallback]")) {
    fallback.hidden = true;
  }
});
