// New dataset form: fill the address from the title while the visitor has not typed one
// (the server still validates it). A file, not an inline script: the pages' policy allows script-src 'self' only.
(function () {
  var title = document.getElementById("title"), name = document.getElementById("name");
  if (!title || !name) return;
  var touched = !!name.value;
  name.addEventListener("input", function () { touched = true; });
  title.addEventListener("input", function () {
    if (touched) return;
    name.value = title.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  });
})();
