// Progressive enhancement only: the forms work without this file (a plain POST, the answer rendered by
// the server). With it, the profile form is sent in the background and only the page's main area is
// replaced; focus then moves to the answer (or to the list of fields to fix), so keyboard and
// screen-reader users land on what changed.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "profile-form") { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.setAttribute("aria-busy", "true"); button.disabled = true; }
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
                         headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        if (!fresh) { throw new Error("no main element in the answer"); }
        document.getElementById("main").replaceWith(fresh);
        document.title = doc.title;
        document.body.setAttribute("data-enhanced", "true");
        var target = document.getElementById("error-summary") || document.getElementById("answer-title");
        if (target) { target.focus(); }
      })
      .catch(function () { HTMLFormElement.prototype.submit.call(form); });
  });
})();
