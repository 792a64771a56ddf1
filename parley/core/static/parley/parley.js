// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Guests get times in their browser's zone (members' pages are already in theirs).
  function localiseTimes(root) {
    if (document.body.dataset.tz !== "auto" || !window.Intl) return;
    var dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
    var fullFmt = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
    });
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.title = fullFmt.format(when);
      if (el.classList.contains("u-date")) el.textContent = dateFmt.format(when);
    });
  }

  // "+ Quote" appends the post's quote to the quick reply; "Reply" does the same and jumps there.
  function setupQuotes() {
    var box = document.querySelector("#quick-reply textarea");
    if (!box) return;
    document.addEventListener("click", function (event) {
      var link = event.target.closest(".js-quote, .js-reply");
      if (!link) return;
      event.preventDefault();
      fetch(link.dataset.quoteUrl, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (text) {
          var sep = box.value && !box.value.endsWith("\n") ? "\n" : "";
          box.value += sep + text;
          if (link.classList.contains("js-reply")) {
            box.focus();
            box.scrollIntoView({ block: "center" });
          } else {
            link.textContent = "Quoted ✓";
          }
        })
        .catch(function () { window.location = link.href; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    setupQuotes();
  });
  document.addEventListener("htmx:afterSwap", function (e) { localiseTimes(e.target); });
})();
