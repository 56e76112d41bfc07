// Progressive enhancement of the organisation form (the form works without it):
// - the SIRET is checked as it is typed (same messages as the server);
// - the commune field's <datalist> is filled from the commune search.
(function () {
  "use strict";
  var form = document.querySelector("form[data-siret-url]");
  if (!form) {
    return;
  }

  function debounce(fn, delay) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, delay);
    };
  }

  // --- SIRET ---------------------------------------------------------------
  var siret = form.querySelector("[data-siret-check]");
  var live = document.getElementById("siret-live");
  if (siret && live) {
    var group = siret.closest(".fr-input-group");
    var check = debounce(function () {
      var value = siret.value.trim();
      if (value.replace(/[\s.\-\/]/g, "").length < 14) {
        return;
      }
      fetch(form.dataset.siretUrl + "?siret=" + encodeURIComponent(value), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          live.textContent = data.message;
          live.classList.toggle("fr-message--error", !data.valid);
          live.classList.toggle("fr-message--valid", data.valid);
          if (group) {
            group.classList.toggle("fr-input-group--error", !data.valid);
            group.classList.toggle("fr-input-group--valid", data.valid);
          }
          siret.setAttribute("aria-invalid", data.valid ? "false" : "true");
        })
        .catch(function () { live.textContent = ""; });
    }, 300);
    siret.addEventListener("input", check);
    siret.addEventListener("change", check);
  }

  // --- Commune ---------------------------------------------------------------
  var commune = form.querySelector("[data-commune-autocomplete]");
  var list = document.getElementById("commune-options");
  if (commune && list) {
    var last = "";
    var search = debounce(function () {
      var q = commune.value.trim();
      if (q.length < 2 || q === last || /\(\s*[0-9AB]{5}\s*\)$/i.test(q)) {
        return;
      }
      last = q;
      fetch(form.dataset.communeUrl + "?q=" + encodeURIComponent(q), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          list.replaceChildren.apply(list, data.results.map(function (result) {
            var option = document.createElement("option");
            option.value = result.value;
            option.label = result.label;
            return option;
          }));
        })
        .catch(function () { /* the server resolves what was typed */ });
    }, 200);
    commune.addEventListener("input", search);
  }
})();
