// Resource form: send the file with XMLHttpRequest to show its progress, and refuse a file over the limit before
// sending it (the server checks again). Without this script, or without XMLHttpRequest, the form posts as usual.
// The page answers a saved form with {"location": ...} when asked by X-Moisson-Upload, so the next page's
// flash message is not spent on a request the visitor never sees; a form with errors comes back as a page.
(function () {
  var form = document.querySelector("form.upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  var input = form.querySelector("input[type=file]");
  var box = form.querySelector(".upload-progress");
  var bar = box && box.querySelector("progress");
  var output = box && box.querySelector("output");
  var button = form.querySelector("button[type=submit]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);

  function showError(message) {
    var holder = input.closest(".field"), list = holder.querySelector("ul.errors");
    if (!list) {
      list = document.createElement("ul");
      list.className = "errors";
      list.id = input.id + "-errors";
      holder.appendChild(list);
    }
    list.textContent = "";
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    holder.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(list.id) < 0) described.push(list.id);
    input.setAttribute("aria-describedby", described.join(" "));
    input.focus();
  }

  function showPage(html) {
    // The form again, with the server's messages: the whole page, scripts included.
    document.open();
    document.write(html);
    document.close();
  }

  form.addEventListener("submit", function (event) {
    var file = input && input.files && input.files[0];
    if (!file) return; // a link only: nothing to show progress of
    event.preventDefault();
    if (maxBytes && file.size > maxBytes) {
      showError(form.getAttribute("data-too-large"));
      return;
    }
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.setRequestHeader("X-Moisson-Upload", "1");
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      var percent = Math.floor((progress.loaded / progress.total) * 100);
      bar.value = percent;
      output.textContent = percent + " %";
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(request.responseText).location);
      } else {
        showPage(request.responseText);
      }
    });
    request.addEventListener("error", function () {
      box.hidden = true;
      button.disabled = false;
      showError(form.getAttribute("data-failed"));
    });
    box.hidden = false;
    button.disabled = true;
    request.send(new FormData(form));
  });
})();
