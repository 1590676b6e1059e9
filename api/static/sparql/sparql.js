// The safetykg query page: YASGUI pointed at this server's /sparql, nothing fetched elsewhere.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("safetykg-config").textContent);

  // Autocompletion of classes and properties asks lov.linkeddata.es, and prefix completion
  // may ask prefix.cc: keep only what works offline (variables, bundled prefixes).
  const offlineCompleters = ["variables", "prefixes"];
  Yasgui.Yasqe.defaults.autocompleters = offlineCompleters;
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: config.endpoint }]; },
    },
    copyEndpointOnNewTab: false,
    corsProxy: undefined,
    persistenceId: "safetykg-sparql",
    yasqe: { value: config.defaultQuery, autocompleters: offlineCompleters, prefixCcApi: null },
  });

  // A tab restored from an earlier visit may point elsewhere: bring it back here.
  const current = yasgui.getTab();
  if (current && current.getEndpoint() !== config.endpoint) current.setEndpoint(config.endpoint);

  function openExample(example) {
    const tab = yasgui.addTab(true, {
      name: example.title,
      yasqe: { value: example.query },
      requestConfig: { endpoint: config.endpoint, method: "POST" },
    });
    tab.show();
    tab.getYasqe().query();
  }

  function showExamples(examples) {
    const list = document.getElementById("sk-example-list");
    if (!examples.length) return;
    list.replaceChildren();
    for (const example of examples) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.example = example.name;
      button.textContent = example.title;
      const question = example.zh || example.en;
      if (question) {
        const small = document.createElement("span");
        small.className = "sk-question";
        small.textContent = question;
        button.appendChild(small);
      }
      button.addEventListener("click", function () { openExample(example); });
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  fetch(config.examples, { headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : []; })
    .then(showExamples)
    .catch(function () { /* the page works without examples */ });

  window.safetykgYasgui = yasgui;
})();
