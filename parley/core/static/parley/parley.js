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
          box.dispatchEvent(new Event("input"));  // the character counter follows
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

  // Message length as the server counts it (parley.forums.services.check_body_text): Python's
  // len() of the text without control/bidi characters and surrounding whitespace. len() counts
  // code points, so an emoji is one character here too, never two UTF-16 units (which is what
  // String.length and a textarea's maxlength count).
  var IGNORED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
  var PY_SPACE = "[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");

  function serverLength(text) {
    return Array.from(text.replace(/\r\n?/g, "\n").replace(IGNORED, "").replace(PY_STRIP, "")).length;
  }

  function setupCounters(root) {
    var numbers = new Intl.NumberFormat("en");
    root.querySelectorAll("textarea[data-max-chars]").forEach(function (box) {
      if (box.dataset.counted) return;
      box.dataset.counted = "1";
      var max = parseInt(box.dataset.maxChars, 10);
      var counter = document.createElement("p");
      counter.className = "help char-count";
      counter.setAttribute("aria-live", "polite");
      box.insertAdjacentElement("afterend", counter);
      function update() {
        var n = serverLength(box.value);
        var over = n > max;
        counter.textContent = numbers.format(n) + " / " + numbers.format(max) + " characters" +
          (over ? " \u2014 " + numbers.format(n - max) + " over the limit" : "");
        counter.classList.toggle("field-error", over);
        counter.dataset.count = String(n);
        counter.dataset.over = over ? "1" : "0";
      }
      box.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes(document);
    setupQuotes();
    setupCounters(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    localiseTimes(e.target);
    setupCounters(e.target);
  });
})();
