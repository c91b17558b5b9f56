// Search results: re-run the search as soon as another order is chosen (the button still works without script).
// A file, not an inline script: the pages' policy allows script-src 'self' only.
(function () {
  var sort = document.getElementById("sort");
  if (sort) sort.addEventListener("change", function () { this.form.submit(); });
})();
