// Swagger UI over our own OpenAPI document; no inline script, so the page's CSP can forbid it.
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui", validatorUrl: null });
});
