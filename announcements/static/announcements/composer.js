/* Live phone preview: on every change the form is sent to the preview view (debounced),
   which answers with the preview drawn from the send request (announcements.preview).
   No inline script: this file is loaded by the admin (script-src 'self'). */
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("announcement_form");
    var panel = document.querySelector("[data-preview-url]");
    if (!form || !panel) return;
    var target = panel.querySelector("[data-preview-target]");
    var timer = null;
    var sequence = 0;

    var chosen = { file: null, url: "" };

    function chosenImageUrl(file) {
      /* The chosen file, shown before it is uploaded (img-src allows blob: for this). */
      if (chosen.file !== file) {
        if (chosen.url) URL.revokeObjectURL(chosen.url);
        chosen = { file: file, url: URL.createObjectURL(file) };
      }
      return chosen.url;
    }

    function showChosenImage() {
      var input = form.querySelector("input[type=file][name=media]");
      var placeholder = target.querySelector("div[data-testid=preview-image]");
      if (!placeholder || !input || !input.files || !input.files.length) return;
      if (input.files[0].type === "application/pdf") return;
      var image = document.createElement("img");
      image.src = chosenImageUrl(input.files[0]);
      image.alt = placeholder.getAttribute("data-alt") || "";
      image.setAttribute("data-testid", "preview-image");
      placeholder.replaceWith(image);
    }

    function media() {
      var input = form.querySelector("input[type=file][name=media]");
      if (input && input.files && input.files.length) {
        var pdf = input.files[0].type === "application/pdf";
        return { kind: pdf ? "document" : "image", url: "" };
      }
      var staged = form.querySelector("[data-staged-kind]");
      if (staged) return { kind: staged.getAttribute("data-staged-kind"), url: staged.getAttribute("href") };
      var clear = form.querySelector("input[name=media-clear]");
      if (clear && clear.checked) return { kind: "", url: "" };
      return { kind: panel.getAttribute("data-media-kind") || "", url: panel.getAttribute("data-media-url") || "" };
    }

    function refresh() {
      var data = new FormData();
      ["heading", "body", "template", "category"].forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.value !== undefined) data.append(name, field.value);
      });
      var file = media();
      data.append("media_kind", file.kind);
      data.append("media_url", file.url);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      var mine = ++sequence;
      fetch(panel.getAttribute("data-preview-url"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer || mine !== sequence) return;
          target.innerHTML = answer.html;  /* rendered and escaped by the server */
          showChosenImage();
          panel.setAttribute("data-state", "ready");
        });
    }

    function soon() {
      panel.setAttribute("data-state", "pending");
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }

    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    refresh();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
