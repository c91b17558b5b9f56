// "Download PNG" under each chart: the chart's own .svg (same origin) drawn on a canvas at twice its size, then
// saved. Without script the button stays hidden and the SVG download remains.
(function () {
  "use strict";

  function download(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  function toPng(button) {
    var image = new Image();
    image.onload = function () {
      var scale = 2;
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (blob) { download(blob, button.getAttribute("data-png-name") || "chart.png"); }
        button.disabled = false;
      }, "image/png");
    };
    image.onerror = function () { button.disabled = false; };
    button.disabled = true;
    image.src = button.getAttribute("data-png-from");
  }

  function init() {
    document.querySelectorAll("button[data-png-from]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { toPng(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
