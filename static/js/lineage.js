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

  var info = new Map(); // element id -> {kind, label, data}
  var state = {
    view: config.view || "dataset",
    center: config.nodeId,
    product: config.product,
    selected: null,
  };

  var cy = cytoscape({
    container: container,
    minZoom: 0.05,
    maxZoom: 4,
    wheelSensitivity: 0.3,
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

  function addEdge(source, target, kind) {
    var id = "edge|" + source + "|" + target;
    if (cy.getElementById(id).empty() && cy.getElementById(source).nonempty() && cy.getElementById(target).nonempty()) {
      cy.add({ group: "edges", data: { id: id, source: source, target: target, kind: kind || "flow" } });
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
      addEdge("product:" + edge.from, "product:" + edge.to);
    });
  }

  function layout() {
    cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 18, rankSep: 45, animate: false, fit: true, padding: 24 }).run();
  }

  function finish() {
    cy.nodes().removeClass("center");
    var center = state.view === "product" ? "product:" + state.product : state.center;
    cy.getElementById(center).addClass("center");
    layout();
    renderList();
    container.dataset.state = "ready";
    container.dataset.view = state.view;
    container.dataset.nodeCount = String(cy.nodes().length);
    container.dataset.edgeCount = String(cy.edges().length);
    say(cy.nodes().length + " nodes and " + cy.edges().length + " edges shown.");
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
    var url = config.api.products + state.product + "?" + query({ depth: depthSelect.value });
    return getJSON(url).then(addProducts);
  }

  function load() {
    var work = state.view === "product" ? loadProducts() : loadDatasets();
    return work.then(finish, fail);
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
      actions.append(link("Product page", data.url));
      actions.append(button("Product lineage from here", function () {
        state.product = data.id;
        load();
      }));
    }
    details.append(actions);
  }

  function renderList() {
    var items = [];
    info.forEach(function (entry, id) {
      if (cy.getElementById(id).nonempty()) {
        items.push({ id: id, entry: entry });
      }
    });
    items.sort(function (a, b) {
      return (a.entry.kind + a.entry.label).localeCompare(b.entry.kind + b.entry.label);
    });
    list.replaceChildren();
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
    }
  });

  // The product view starts from the product of the selected node, else of the centre, else of any node shown.
  function productOf(id) {
    var entry = id && info.get(id);
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
    columnsToggle.disabled = state.view === "product";
    load();
  });
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
  columnsToggle.disabled = state.view === "product";
  load();
})();
