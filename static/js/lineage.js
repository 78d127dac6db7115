// The interactive lineage graph: cytoscape.js draws what the lineage API answers, laid out by dagre.
// Reads its settings from the <script type="application/json" id="lineage-config"> data island; no inline script.
// Everything it draws is also listed as buttons beside the canvas, so the graph can be used with a keyboard.
(function () {
  "use strict";

  var configElement = document.getElementById("lineage-config");
  var container = document.getElementById("lineage-cy");
  if (!configElement || !container || typeof cytoscape === "undefined") {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var controls = document.getElementById("lineage-controls");
  var list = document.getElementById("lineage-node-list");
  var details = document.getElementById("lineage-details");
  var statusLine = document.getElementById("lineage-status");
  var viewSelect = document.getElementById("lineage-view");
  var directionSelect = document.getElementById("lineage-direction");
  var depthSelect = document.getElementById("lineage-depth");
  var columnsToggle = document.getElementById("lineage-columns");
  var kindSelect = document.getElementById("lineage-kind");
  var domainSelect = document.getElementById("lineage-domain");
  var LIST_LIMIT = 500; // buttons listed beside the canvas; a 10k-product map lists the first ones and says so

  var info = new Map(); // element id -> {kind, label, data}
  var state = {
    view: config.view || "dataset",
    kind: config.kind || "all",
    center: config.nodeId,
    product: config.product,
    selected: null,
  };

  var cy = cytoscape({
    container: container,
    minZoom: 0.05,
    maxZoom: 4,
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "font-size": 11,
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "ellipsis",
          "text-max-width": 130,
          width: 140,
          height: 34,
          "border-width": 1,
          "border-color": "#5b6b7c",
          "background-color": "#eef3f8",
          color: "#1d2733",
        },
      },
      {
        // Jobs are small diamonds labelled underneath, so a long chain still fits the canvas legibly.
        selector: "node[kind = 'job']",
        style: {
          shape: "diamond",
          "background-color": "#f5c451",
          width: 26,
          height: 26,
          "text-valign": "bottom",
          "text-margin-y": 4,
          "font-size": 9,
          color: "#5a4a1a",
        },
      },
      { selector: "node[kind = 'dataset']", style: { shape: "round-rectangle" } },
      { selector: "node[?mapped]", style: { "border-width": 3, "border-color": "#2f7d32" } },
      { selector: "node[kind = 'product']", style: { shape: "round-rectangle", "background-color": "#e3f4e4", height: 44 } },
      {
        selector: "node[kind = 'field']",
        style: { shape: "rectangle", width: 120, height: 20, "font-size": 9, "background-color": "#ffffff" },
      },
      {
        selector: ":parent",
        style: { "text-valign": "top", "text-halign": "center", "background-opacity": 0.35, padding: 8 },
      },
      { selector: "node.center", style: { "border-width": 4, "border-color": "#1f5fbf" } },
      { selector: "node:selected", style: { "background-color": "#cfe0ff" } },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": "#8a99a8",
          "target-arrow-color": "#8a99a8",
        },
      },
      { selector: "edge[kind = 'column']", style: { "line-style": "dashed", "line-color": "#b0653a", "target-arrow-color": "#b0653a" } },
      // Product edges: declared by an input port only (dashed blue), observed in lineage only (dotted orange), both.
      { selector: "edge[kind = 'declared']", style: { "line-style": "dashed", "line-color": "#1f5fbf", "target-arrow-color": "#1f5fbf" } },
      { selector: "edge[kind = 'observed']", style: { "line-style": "dotted", width: 2.5, "line-color": "#c2410c", "target-arrow-color": "#c2410c" } },
      { selector: "edge[kind = 'both']", style: { width: 2.5, "line-color": "#2f7d32", "target-arrow-color": "#2f7d32" } },
      {
        // Domains on the mesh map: the boxes their products are drawn in.
        selector: "node[kind = 'domain']",
        style: {
          shape: "round-rectangle",
          "background-color": "#f2f5f9",
          "background-opacity": 0.6,
          "border-color": "#9aa8b6",
          "border-width": 1,
          "font-size": 14,
          "font-weight": "bold",
          "text-valign": "top",
          "text-halign": "center",
          padding: 18,
        },
      },
      { selector: "node[kind = 'product']", style: { "min-zoomed-font-size": 7 } },
      { selector: "edge.faded", style: { opacity: 0.15 } },
    ],
  });

  function say(text) {
    statusLine.textContent = text;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) {
          throw new Error(body.detail || "The lineage service answered " + r.status + ".");
        }
        return body;
      });
    });
  }

  function query(params) {
    return Object.keys(params)
      .map(function (k) {
        return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
      })
      .join("&");
  }

  function addNode(id, kind, label, data, parent) {
    info.set(id, { kind: kind, label: label, data: data || {} });
    if (cy.getElementById(id).nonempty()) {
      return;
    }
    var mapped = !!(data && data.products && data.products.length);
    var element = { group: "nodes", data: { id: id, kind: kind, label: label, mapped: mapped } };
    if (parent) {
      element.data.parent = parent;
    }
    cy.add(element);
  }

  function addEdge(source, target, kind, data) {
    var id = "edge|" + source + "|" + target;
    if (cy.getElementById(id).empty() && cy.getElementById(source).nonempty() && cy.getElementById(target).nonempty()) {
      cy.add({ group: "edges", data: { id: id, source: source, target: target, kind: kind || "flow", info: data || null } });
    }
  }

  function addLineage(graph) {
    graph.forEach(function (node) {
      var kind = node.type === "JOB" ? "job" : "dataset";
      addNode(node.id, kind, node.data.name, node.data);
    });
    graph.forEach(function (node) {
      node.outEdges.forEach(function (edge) {
        addEdge(edge.origin, edge.destination);
      });
    });
  }

  function addColumns(graph) {
    graph.forEach(function (node) {
      var parent = "dataset:" + node.data.namespace + ":" + node.data.dataset;
      if (cy.getElementById(parent).empty()) {
        addNode(parent, "dataset", node.data.dataset, { namespace: node.data.namespace, name: node.data.dataset });
      }
      addNode(node.id, "field", node.data.field, node.data, parent);
    });
    graph.forEach(function (node) {
      node.outEdges.forEach(function (edge) {
        addEdge(edge.origin, edge.destination, "column");
      });
    });
  }

  function addProducts(answer) {
    answer.nodes.forEach(function (product) {
      addNode("product:" + product.id, "product", product.name, product);
    });
    answer.edges.forEach(function (edge) {
      addEdge("product:" + edge.from, "product:" + edge.to, edge.kind, edge);
    });
    container.dataset.truncated = String(!!answer.truncated);
  }

  // The mesh map: domains as boxes, products at the positions the server worked out (no layout to run in the
  // browser, so 10k products draw in about the time it takes to add them).
  function addMesh(answer) {
    var elements = [];
    answer.domains.forEach(function (domain) {
      info.set("domain:" + domain.id, { kind: "domain", label: domain.name, data: domain });
      elements.push({ group: "nodes", data: { id: "domain:" + domain.id, kind: "domain", label: domain.name } });
    });
    answer.nodes.forEach(function (product) {
      var id = "product:" + product.id;
      info.set(id, { kind: "product", label: product.name, data: product });
      elements.push({
        group: "nodes",
        data: { id: id, kind: "product", label: product.name, parent: "domain:" + product.domain },
        position: { x: product.x, y: product.y },
      });
    });
    answer.edges.forEach(function (edge) {
      elements.push({
        group: "edges",
        data: {
          id: "edge|product:" + edge.from + "|product:" + edge.to,
          source: "product:" + edge.from,
          target: "product:" + edge.to,
          kind: edge.kind,
          info: edge,
        },
      });
    });
    cy.add(elements);
    container.dataset.truncated = String(!!answer.truncated);
    if (answer.truncated) {
      say("The map is bounded: it shows the " + answer.nodes.length + " most connected products.");
    }
  }

  function layout() {
    if (state.view === "mesh") {
      cy.layout({ name: "preset", fit: true, padding: 24 }).run();
      return;
    }
    cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 18, rankSep: 45, animate: false, fit: true, padding: 24 }).run();
  }

  function centreId() {
    if (state.view === "dataset") {
      return state.center;
    }
    return state.product ? "product:" + state.product : "";
  }

  function finish() {
    cy.nodes().removeClass("center");
    var center = centreId();
    if (center) {
      cy.getElementById(center).addClass("center");
    }
    container.dataset.center = center;
    layout();
    renderList();
    container.dataset.state = "ready";
    container.dataset.view = state.view;
    container.dataset.nodeCount = String(cy.nodes().length);
    container.dataset.edgeCount = String(cy.edges().length);
    var products = cy.nodes("[kind = 'product']").length;
    if (state.view === "mesh") {
      if (container.dataset.truncated !== "true") {
        say(products + " products and " + cy.edges().length + " links shown.");
      }
    } else {
      say(cy.nodes().length + " nodes and " + cy.edges().length + " edges shown.");
    }
  }

  function fail(error) {
    container.dataset.state = "error";
    container.dataset.view = state.view;
    say(error.message);
  }

  function reset() {
    cy.elements().remove();
    info.clear();
    state.selected = null;
    container.dataset.state = "loading";
  }

  function graphUrl(nodeId, depth) {
    return config.api.graph + "?" + query({ nodeId: nodeId, depth: depth, direction: directionSelect.value });
  }

  function loadDatasets() {
    reset();
    if (!state.center) {
      return Promise.reject(new Error("Find a dataset or job above to draw the lineage around it."));
    }
    var requests = [getJSON(graphUrl(state.center, depthSelect.value)).then(function (body) { addLineage(body.graph); })];
    return Promise.all(requests).then(function () {
      return columnsToggle.checked ? loadColumns(state.center) : null;
    });
  }

  function loadColumns(nodeId) {
    var entry = info.get(nodeId);
    if (!entry || entry.kind !== "dataset") {
      return Promise.resolve();
    }
    var url = config.api.columns + "?" + query({ nodeId: nodeId, depth: depthSelect.value, withDownstream: "true" });
    return getJSON(url).then(function (body) { addColumns(body.graph); });
  }

  function loadProducts() {
    reset();
    if (!state.product) {
      return Promise.reject(new Error("This dataset is not mapped to a data product's output port."));
    }
    var params = { depth: depthSelect.value, kind: state.kind, direction: directionSelect.value };
    return getJSON(config.api.products + state.product + "?" + query(params)).then(addProducts);
  }

  function loadMesh() {
    reset();
    var params = { kind: state.kind };
    var domain = domainSelect ? domainSelect.value : "";
    if (domain === "mine") {
      params.mine = "true";
    } else if (domain) {
      params.domain = domain;
    }
    return getJSON(config.api.mesh + "?" + query(params)).then(addMesh);
  }

  function load() {
    var work = state.view === "product" ? loadProducts() : state.view === "mesh" ? loadMesh() : loadDatasets();
    syncControls();
    return work.then(finish, fail);
  }

  // Which controls mean something in the current view.
  function syncControls() {
    columnsToggle.disabled = state.view !== "dataset";
    if (kindSelect) {
      kindSelect.disabled = state.view === "dataset";
    }
    if (domainSelect) {
      domainSelect.disabled = state.view !== "mesh";
    }
    depthSelect.disabled = state.view === "mesh";
    directionSelect.disabled = state.view === "mesh";
    viewSelect.value = state.view;
  }

  // Re-centre on a product: its neighbourhood, declared and observed, as deep as the depth control says.
  function centreOn(productId) {
    state.view = "product";
    state.product = productId;
    return load();
  }

  function expand(nodeId) {
    say("Expanding…");
    getJSON(graphUrl(nodeId, 1))
      .then(function (body) {
        addLineage(body.graph);
        return columnsToggle.checked ? loadColumns(nodeId) : null;
      })
      .then(finish, fail);
  }

  // The side panel -------------------------------------------------------------------------------------------

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary outline";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function link(text, href) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function select(id) {
    var entry = info.get(id);
    if (!entry) {
      return;
    }
    state.selected = id;
    cy.elements().unselect();
    cy.getElementById(id).select();
    details.replaceChildren();
    var heading = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = entry.label;
    heading.append(strong, " (" + entry.kind + ")");
    details.append(heading);
    var data = entry.data;
    if (data.namespace) {
      var ns = document.createElement("p");
      ns.className = "muted";
      ns.textContent = "Namespace: " + data.namespace;
      details.append(ns);
    }
    (data.products || []).forEach(function (product) {
      var p = document.createElement("p");
      p.append("Output port " + product.port + " of ", link(product.name, product.url));
      details.append(p);
    });
    var actions = document.createElement("div");
    actions.className = "lineage-actions";
    if (entry.kind === "dataset" || entry.kind === "job") {
      actions.append(button("Expand " + entry.label, function () { expand(id); }));
      actions.append(link("Centre the graph here", config.pages.graph + "?" + query({ nodeId: id })));
      actions.append(link("Impact of a change", config.pages.impact + "?" + query({ nodeId: id })));
    }
    if (entry.kind === "field") {
      actions.append(link("Impact of a change", config.pages.impact + "?" + query({ nodeId: id })));
    }
    if (entry.kind === "product") {
      if (data.domain_name) {
        var domainLine = document.createElement("p");
        domainLine.className = "muted";
        domainLine.textContent = "Domain: " + data.domain_name;
        details.append(domainLine);
      }
      details.append(edgeSummary(id));
      actions.append(link("Product page", data.url));
      actions.append(button("Centre on " + entry.label, function () { centreOn(data.id); }));
      if (state.view !== "mesh" && viewSelect.querySelector("option[value='mesh']")) {
        actions.append(button("Back to the mesh map", function () {
          state.view = "mesh";
          load();
        }));
      }
    }
    details.append(actions);
  }

  // How a product is linked in what is drawn: declared, observed or both, in and out.
  function edgeSummary(id) {
    var node = cy.getElementById(id);
    var counts = { declared: 0, observed: 0, both: 0 };
    node.connectedEdges().forEach(function (edge) {
      var kind = edge.data("kind");
      if (kind in counts) {
        counts[kind] += 1;
      }
    });
    var p = document.createElement("p");
    p.className = "lineage-edge-summary";
    p.textContent = counts.both + " declared and observed, " + counts.declared + " declared only, " +
      counts.observed + " observed only";
    return p;
  }

  function renderList() {
    var items = [];
    info.forEach(function (entry, id) {
      if (cy.getElementById(id).nonempty()) {
        items.push({ id: id, entry: entry });
      }
    });
    items = items.filter(function (item) { return item.entry.kind !== "domain"; });
    items.sort(function (a, b) {
      return (a.entry.kind + a.entry.label).localeCompare(b.entry.kind + b.entry.label);
    });
    list.replaceChildren();
    if (items.length > LIST_LIMIT) {
      var more = document.createElement("li");
      more.className = "muted";
      more.textContent = "The first " + LIST_LIMIT + " of " + items.length + "; filter by domain to list the rest.";
      items = items.slice(0, LIST_LIMIT);
      list.append(more);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "lineage-node kind-" + item.entry.kind;
      b.dataset.node = item.id;
      b.textContent = item.entry.label;
      var kind = document.createElement("small");
      kind.textContent = " " + item.entry.kind;
      b.append(kind);
      b.addEventListener("click", function () { select(item.id); });
      li.append(b);
      list.append(li);
    });
  }

  // Controls ---------------------------------------------------------------------------------------------------

  cy.on("tap", "node", function (event) { select(event.target.id()); });
  cy.on("dbltap", "node", function (event) {
    var entry = info.get(event.target.id());
    if (entry && (entry.kind === "dataset" || entry.kind === "job")) {
      expand(event.target.id());
    } else if (entry && entry.kind === "product") {
      centreOn(entry.data.id);
    }
  });

  // The product view starts from the product of the selected node, else of the centre, else of any node shown.
  function productOf(id) {
    var entry = id && info.get(id);
    if (entry && entry.kind === "product") {
      return entry.data.id;
    }
    var products = entry && entry.data.products;
    return products && products.length ? products[0].id : "";
  }

  function anyProduct() {
    var found = "";
    info.forEach(function (entry, id) {
      found = found || productOf(id);
    });
    return found;
  }

  viewSelect.addEventListener("change", function () {
    state.view = viewSelect.value;
    if (state.view === "product" && !state.product) {
      state.product = productOf(state.selected) || productOf(state.center) || anyProduct();
    }
    load();
  });
  if (kindSelect) {
    kindSelect.value = state.kind;
    kindSelect.addEventListener("change", function () {
      state.kind = kindSelect.value;
      load();
    });
  }
  if (domainSelect) {
    domainSelect.addEventListener("change", load);
  }
  directionSelect.addEventListener("change", load);
  depthSelect.addEventListener("change", load);
  columnsToggle.addEventListener("change", function () {
    if (columnsToggle.checked) {
      loadColumns(state.selected && info.get(state.selected).kind === "dataset" ? state.selected : state.center).then(finish, fail);
    } else {
      cy.nodes("[kind = 'field']").forEach(function (n) { info.delete(n.id()); });
      cy.nodes("[kind = 'field']").remove();
      finish();
    }
  });
  controls.addEventListener("submit", function (event) { event.preventDefault(); });
  controls.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var how = b.dataset.zoom;
      if (how === "fit") {
        cy.fit(undefined, 24);
      } else {
        var level = cy.zoom() * (how === "in" ? 1.25 : 0.8);
        cy.zoom({ level: level, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } });
      }
    });
  });

  controls.hidden = false;
  load();
})();
