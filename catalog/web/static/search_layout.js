// Search pages: the facets are one <details>, open in the HTML (pages without script show them all); on a narrow
// screen, where they come after the results, they start closed, and they open again if the window widens.
(function () {
  var panel = document.querySelector(".facets-panel");
  if (!panel || !window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 800px)");
  function fit() { panel.open = !narrow.matches; }
  fit();
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
})();
