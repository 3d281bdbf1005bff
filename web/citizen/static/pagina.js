// Central 156 — the citizen page's enhancements. Every form works without this file; with it:
// a type-ahead over the catalogue, "use my location", the open requests nearby shown while the
// form is filled in, and the photo count checked before sending. No library, nothing fetched
// from outside this site.
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function announce(element, text) {
    if (element) { element.textContent = text; }
  }

  // --- type-ahead over the catalogue (name, group and keywords) -----------------------------
  function serviceFilter(select) {
    var entries = [];
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        entries.push({
          group: group.label,
          option: option,
          haystack: fold(option.textContent + " " + group.label + " " + option.dataset.palavras)
        });
      });
    });
    var placeholder = select.querySelector("option[value='']");
    var wrapper = document.createElement("div");
    wrapper.className = "campo";
    wrapper.innerHTML =
      '<label for="busca-servico">Buscar serviço</label>' +
      '<p class="dica" id="dica-busca-servico">Digite o que aconteceu (por exemplo: buraco, ' +
      "lâmpada, lixo); a lista abaixo mostra só os serviços que combinam.</p>" +
      '<input type="search" id="busca-servico" autocomplete="off" aria-controls="servico" ' +
      'aria-describedby="dica-busca-servico busca-servico-estado">' +
      '<p class="dica" id="busca-servico-estado" role="status"></p>';
    var field = document.getElementById("campo-servico");
    field.parentNode.insertBefore(wrapper, field);
    var input = wrapper.querySelector("input");
    var status = wrapper.querySelector("#busca-servico-estado");
    var timer = null;

    function rebuild() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var matches = entries.filter(function (entry) {
        return words.every(function (word) { return entry.haystack.indexOf(word) >= 0; });
      });
      select.innerHTML = "";
      if (placeholder) { select.appendChild(placeholder); }
      var groups = {};
      matches.forEach(function (entry) {
        if (!groups[entry.group]) {
          groups[entry.group] = document.createElement("optgroup");
          groups[entry.group].label = entry.group;
          select.appendChild(groups[entry.group]);
        }
        groups[entry.group].appendChild(entry.option);
      });
      var stillThere = matches.some(function (entry) { return entry.option.value === chosen; });
      if (stillThere) {
        select.value = chosen;
      } else if (words.length && matches.length) {
        select.value = matches[0].option.value;
        select.dispatchEvent(new Event("change"));
      }
      announce(status, words.length
        ? (matches.length === 1 ? "1 serviço encontrado." : matches.length + " serviços encontrados.")
        : "");
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(rebuild, 150);
    });
    // Enter in the search box picks the first match instead of sending the form early.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); rebuild(); select.focus(); }
    });
  }

  function anonymityHint(select) {
    var hint = document.getElementById("anonimato");
    function update() {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) { announce(hint, ""); return; }
      announce(hint, option.dataset.anonimo === "sim"
        ? "Este serviço aceita solicitação anônima: a identificação é opcional."
        : "Este serviço exige identificação: informe o nome e um telefone ou o CPF.");
    }
    select.addEventListener("change", update);
    update();
  }

  // --- "use my location" ----------------------------------------------------------------------
  function locationButton() {
    var hint = document.getElementById("dica-ponto");
    var status = document.getElementById("localizacao-estado");
    if (!hint || !navigator.geolocation) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secundario";
    button.textContent = "Usar minha localização";
    hint.parentNode.insertBefore(button, hint.nextSibling);
    button.addEventListener("click", function () {
      announce(status, "Obtendo a localização…");
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        announce(status, "Localização preenchida.");
        checkNearby();
      }, function () {
        announce(status, "Não foi possível obter a localização. Digite o endereço.");
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // --- open requests nearby, shown before filing ----------------------------------------------
  var nearbyTimer = null;
  function checkNearby() {
    var region = document.getElementById("semelhantes");
    var service = document.getElementById("servico");
    if (!region || !service || !service.value || !window.fetch) { return; }
    var query = new URLSearchParams({
      servico: service.value,
      rua: document.getElementById("rua").value,
      bairro: document.getElementById("bairro").value,
      latitude: document.getElementById("latitude").value,
      longitude: document.getElementById("longitude").value
    });
    fetch("/solicitar/semelhantes?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { region.innerHTML = html; })
      .catch(function () { /* the server checks again when the form is sent */ });
  }
  function watchNearby() {
    ["servico", "rua", "bairro", "latitude", "longitude"].forEach(function (id) {
      var element = document.getElementById(id);
      if (!element) { return; }
      element.addEventListener("change", function () {
        clearTimeout(nearbyTimer);
        nearbyTimer = setTimeout(checkNearby, 200);
      });
    });
  }

  function photoLimit() {
    var input = document.getElementById("fotos");
    if (!input) { return; }
    var maximum = parseInt(input.dataset.maximo || "3", 10);
    input.addEventListener("change", function () {
      input.setCustomValidity(input.files.length > maximum
        ? "Envie no máximo " + maximum + " fotos." : "");
      if (input.files.length > maximum) { input.reportValidity(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("servico");
    if (select) {
      serviceFilter(select);
      anonymityHint(select);
      locationButton();
      watchNearby();
      photoLimit();
    }
    var problem = document.getElementById("erro-geral");
    if (problem) { problem.focus(); }
  });
})();
