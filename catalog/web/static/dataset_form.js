// The dataset and organization forms. A file, not an inline script: the pages' policy allows script-src 'self' only.
// Everything here is a convenience: the forms work without it and the server validates everything.
(function () {
  // Fill the address from the title while the visitor has not typed one (a new dataset or organization).
  var title = document.getElementById("title"), name = document.getElementById("name");
  if (title && name) {
    var touched = !!name.value;
    name.addEventListener("input", function () { touched = true; });
    title.addEventListener("input", function () {
      if (touched) return;
      name.value = title.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
    });
  }

  // The error summary takes the focus, so keyboard and screen reader users start from it.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Custom extras: "Add a row" copies the last row with the next index (extras-N-key, extras-N-value).
  var button = document.querySelector(".add-extra"), body = document.querySelector(".extras-rows tbody");
  if (!button || !body) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var rows = body.querySelectorAll("tr.extra-row"), last = rows[rows.length - 1], index = rows.length;
    var row = last.cloneNode(true);
    row.querySelectorAll("ul.errors").forEach(function (list) { list.remove(); });
    row.querySelectorAll(".has-error").forEach(function (cell) { cell.classList.remove("has-error"); });
    row.querySelectorAll("input, label").forEach(function (element) {
      ["id", "name", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(/^extras-\d+-/, "extras-" + index + "-"));
      });
      if (element.tagName === "LABEL") element.textContent = element.textContent.replace(/\d+\s*$/, String(index + 1));
      if (element.tagName === "INPUT") {
        element.value = "";
        element.removeAttribute("aria-invalid");
        element.removeAttribute("aria-describedby");
      }
    });
    body.appendChild(row);
    row.querySelector("input").focus();
  });
})();
