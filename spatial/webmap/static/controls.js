/* Map controls of the Bishan spatial toolkit, on Leaflet 1.9 and three vendored plugins
 * (static/vendor/: leaflet.fullscreen, leaflet-minimap, leaflet-mouse-position).
 * Ours: panels, the legend toggle, the layer control, label zoom ranges, a measure
 * tool, and a "ready" flag for tests and benchmarks; the plugins are only configured
 * here (bilingual titles, the frame of the coordinates). The same code serves online
 * and offline maps. Text passed to panel() is HTML that Python has already escaped.
 * Every value from outside the toolkit arrives through the page's data block (a
 * JSON script element with id spatial-data), read by SpatialData(i). */
(function () {
  "use strict";
  var SC = {};
  var DATA = null;

  /* Item i of the page's data block (parsed once, on first use). */
  window.SpatialData = function (i) {
    if (DATA === null) { DATA = JSON.parse(document.getElementById("spatial-data").textContent); }
    return DATA[i];
  };
  var ICONS = {
    measure: '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">' +
      '<path d="M1 11 11 1l4 4L5 15z M4 8l2 2 M6 6l1.5 1.5 M8 4l2 2" fill="none" stroke="#222" stroke-width="1.4"/></svg>'
  };
  var EARTH_R_M = 6371008.8;  /* mean Earth radius, metres (spherical approximation) */

  function control(map, position, build) {
    var Ctl = L.Control.extend({ onAdd: build });
    return new Ctl({ position: position }).addTo(map);
  }

  function button(parent, icon, title, onClick) {
    var a = L.DomUtil.create("a", "sp-button", parent);
    a.href = "#";
    a.setAttribute("role", "button");
    a.title = title;
    a.setAttribute("aria-label", title);
    a.innerHTML = icon;
    L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); onClick(a); });
    return a;
  }

  /* A corner at the top centre of the map, for the title. */
  function topCenter(map) {
    var corners = map._controlCorners;
    if (!corners.topcenter) {
      corners.topcenter = L.DomUtil.create("div", "leaflet-top sp-top-center", map._controlContainer);
    }
  }

  /* A panel of (already escaped) HTML; first: put it above the corner's other controls. */
  SC.panel = function (map, position, html, className, first) {
    if (position === "topcenter") { topCenter(map); }
    var ctl = control(map, position, function () {
      var div = L.DomUtil.create("div", "sp-panel " + className);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    });
    if (first) {
      var box = ctl.getContainer();
      box.parentNode.insertBefore(box, box.parentNode.firstChild);
    }
    return ctl;
  };

  /* The legend: a toggle button over a scrollable body, collapsed when the map is
   * narrower than compact.width or shorter than compact.height pixels. */
  SC.legend = function (map, title, html, compact) {
    return control(map, "bottomright", function () {
      var div = L.DomUtil.create("div", "sp-panel sp-legend");
      var toggle = L.DomUtil.create("button", "sp-legend-toggle", div);
      toggle.type = "button";
      toggle.title = "显示/隐藏图例 Show or hide the legend";
      var body = L.DomUtil.create("div", "sp-legend-body", div);
      body.innerHTML = html;
      function show(open) {
        if (open) { L.DomUtil.removeClass(div, "sp-collapsed"); }
        else { L.DomUtil.addClass(div, "sp-collapsed"); }
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.textContent = "";
        var fold = L.DomUtil.create("span", "sp-fold", toggle);
        fold.setAttribute("aria-hidden", "true");
        fold.textContent = open ? "\u25BC" : "\u25B6";  /* signs Noto Sans SC has */
        toggle.appendChild(document.createTextNode(title));
      }
      var size = map.getSize();
      show(size.x >= compact.width && size.y >= compact.height);
      L.DomEvent.on(toggle, "click", function () {
        show(L.DomUtil.hasClass(div, "sp-collapsed"));
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    });
  };

  /* Show the permanent labels of one layer only for minZoom <= zoom < maxZoom, so
   * nested layers do not label over each other; outside that range each labelled
   * feature keeps its name as a hover tooltip, so every zoom has one. */
  SC.labelZoom = function (map, layer, minZoom, maxZoom) {
    var shown = null;
    function rebind(permanent) {
      var group = window.spatialLayers && window.spatialLayers[layer];
      if (!group) { return; }
      group.eachLayer(function (l) {
        var tip = l.getTooltip && l.getTooltip();
        if (!tip || !l.feature || !l.feature.properties.l) { return; }
        var content = tip.getContent(), options = L.extend({}, tip.options);
        l.unbindTooltip();
        options.permanent = permanent;
        options.sticky = !permanent;
        if (!permanent) { options.direction = "auto"; options.className = ""; }
        else { options.direction = tip.options._labelDirection || options.direction; }
        options._labelDirection = tip.options._labelDirection || tip.options.direction;
        options._labelClass = tip.options._labelClass || tip.options.className;
        if (permanent) { options.className = options._labelClass; }
        l.bindTooltip(content, options);
      });
    }
    function update() {
      if (!map._loaded) { return; }
      var zoom = map.getZoom();
      var show = zoom >= minZoom && zoom < maxZoom;
      if (show !== shown) { shown = show; rebind(show); SC.declutter(map); }
    }
    map.on("load zoomend", update);
    update();
  };

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function inside(r, box) {
    return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
  }
  function clashes(r, placed) {
    return placed.some(function (p) { return overlaps(r, p); });
  }

  /* Each permanent zone label with its anchor (the point it is centred on) and its zone's
   * box, on the screen (the labels' frame). */
  function zoneLabels(map) {
    var group = window.spatialLayers && window.spatialLayers.zones, found = [];
    if (!group || !map.hasLayer(group)) { return found; }
    var origin = map.getContainer().getBoundingClientRect();
    group.eachLayer(function (l) {
      var tip = l.getTooltip && l.getTooltip(), el = tip && tip.options.permanent && tip.getElement();
      if (!el || !l.getBounds) { return; }
      var b = l.getBounds(), at = map.latLngToContainerPoint(tip.getLatLng());
      var nw = map.latLngToContainerPoint(b.getNorthWest()), se = map.latLngToContainerPoint(b.getSouthEast());
      found.push({el: el, at: {x: origin.left + at.x, y: origin.top + at.y},
        box: {left: origin.left + nw.x, top: origin.top + nw.y, right: origin.left + se.x, bottom: origin.top + se.y}});
    });
    return found;
  }

  /* Where a zone label may go, in whole label sizes from where Leaflet put it (its centre). */
  var LEADS = [[0, 0], [0, -1], [0, 1], [-1, 0], [1, 0], [0, -2], [0, 2], [-1, -1], [1, -1], [-1, 1], [1, 1]];
  function lead(el, dx, dy) {
    el.style.marginLeft = dx ? dx + "px" : "";
    el.style.marginTop = dy ? dy + "px" : "";
  }

  /* Place a zone label inside its zone, clear of the labels placed: centred on its anchor,
   * else led aside by whole label sizes, else all that again in the smaller type. Leaflet
   * placed it by the size it had then, so it is centred from its anchor, not from where it
   * is. Return its box, or null (the label back in the full type) when it fits nowhere. */
  function placeInside(item, placed) {
    var cx = item.at.x, cy = item.at.y;
    for (var small = 0; small < 2; small++) {
      lead(item.el, 0, 0);
      item.el.classList.toggle("sp-label-small", small === 1);
      var size = item.el.getBoundingClientRect();
      var x0 = cx - (size.left + size.right) / 2, y0 = cy - (size.top + size.bottom) / 2;
      for (var i = 0; i < LEADS.length; i++) {
        lead(item.el, x0 + LEADS[i][0] * (size.width + 4), y0 + LEADS[i][1] * (size.height + 2));
        var r = item.el.getBoundingClientRect();
        if (inside(r, item.box) && !clashes(r, placed)) { return r; }
        lead(item.el, 0, 0);
      }
    }
    item.el.classList.remove("sp-label-small");
    var home = item.el.getBoundingClientRect();  /* centred on its anchor, as Leaflet means it */
    lead(item.el, cx - (home.left + home.right) / 2, cy - (home.top + home.bottom) / 2);
    return null;
  }

  /* Labels never cover each other. Each zone label that fits in its zone is placed first
   * (the smallest zones first: they have least room), led aside or set smaller to clear
   * the others, so no zone loses its name to a collision; then, in document order, every
   * other label (zones that fit nowhere, then towns) is hidden where it would overlap one
   * placed before it, its feature still naming itself in its popup. */
  SC.declutter = function (map) {
    var box = map.getContainer(), placed = [], done = [];
    var zones = zoneLabels(map);
    zones.forEach(function (z) { z.el.classList.remove("sp-label-clash"); });
    zones.sort(function (a, b) {
      return (a.box.right - a.box.left) * (a.box.bottom - a.box.top) -
        (b.box.right - b.box.left) * (b.box.bottom - b.box.top);
    });
    zones.forEach(function (z) {
      var r = placeInside(z, placed);
      if (r) { placed.push(r); done.push(z.el); }
    });
    var labels = Array.prototype.slice.call(box.querySelectorAll(".sp-label"));
    labels.sort(function (a, b) {
      return (b.classList.contains("sp-label-zones") ? 1 : 0) - (a.classList.contains("sp-label-zones") ? 1 : 0);
    });
    labels.forEach(function (el) {
      if (done.indexOf(el) >= 0) { return; }
      el.classList.remove("sp-label-clash");
      var r = el.getBoundingClientRect();
      if (!r.width) { return; }
      if (clashes(r, placed)) { el.classList.add("sp-label-clash"); } else { placed.push(r); }
    });
  };

  /* Run fn once the fonts the page lays out with have loaded, and after any later font load:
   * the embedded font arrives after the first layout and changes the size of every text. */
  function fontsLoaded() {
    document.body.getBoundingClientRect();  /* lay out now, so the loads it needs are pending */
    return document.fonts ? document.fonts.ready : Promise.resolve();
  }
  SC.afterFonts = function (fn) {
    if (document.fonts) { document.fonts.addEventListener("loadingdone", fn); }
    fontsLoaded().then(fn);
  };

  /* Narrow maps: the layer control folds to its button, and folds again on a map tap. */
  SC.layerControl = function (map, compact) {
    var ctl = map._spLayerControl;
    if (!ctl) { return; }
    if (map.getSize().x >= compact.width && map.getSize().y >= compact.height) { return; }
    ctl.collapse();
    map.on("click", function () { ctl.collapse(); });
    L.DomEvent.on(ctl._layersLink, "click", function () { ctl.expand(); });
  };

  /* The opening view (the layers fitted, build.py/compare.py: bounds [[south, west], [north,
   * east]]) is fitted again whenever the map changes size (a window narrowed, a phone turned:
   * Leaflet would keep the zoom and cut the layers off), until the viewer touches, scrolls or
   * keys the map: from then on their view is theirs. */
  SC.keepFitted = function (map, bounds) {
    var container = map.getContainer(), theirs = false;
    function taken() { theirs = true; }
    ["pointerdown", "touchstart", "wheel", "keydown"].forEach(function (name) {
      container.addEventListener(name, taken, { passive: true, capture: true });
    });
    map.on("resize", function () {
      if (!theirs) { map.fitBounds(bounds, { animate: false }); }
    });
  };

  /* Popups fit the map and open clear of the controls in its corners. */
  function corner(map, name) {
    var el = map._controlCorners[name];
    return el ? el.getBoundingClientRect() : { width: 0, height: 0 };
  }
  SC.fitPopups = function (map) {
    function update() {
      var size = map.getSize();
      var top = Math.max(corner(map, "topleft").height, corner(map, "topright").height);
      var bottom = Math.max(corner(map, "bottomleft").height, corner(map, "bottomright").height);
      var room = Math.max(size.y - 160, 0);
      if (top + bottom > room) { bottom = Math.max(room - top, 0); }
      L.Popup.mergeOptions({
        maxWidth: Math.min(380, size.x - 100),  /* content; the wrapper adds about 42 px */
        minWidth: Math.min(50, size.x - 100),
        maxHeight: Math.max(size.y - top - bottom - 40, 120),
        autoPanPaddingTopLeft: L.point(10, top + 10),
        autoPanPaddingBottomRight: L.point(10, bottom + 10)
      });
    }
    map.on("resize", update);
    map.on("popupopen", function () { SC.declutter(map); });
    SC.afterFonts(update);  /* the corners' panels change size with the font */
    update();
  };

  /* Keep the points of one layer at least minPx from those of another at every zoom
   * (a platform beside the town seat it shares a place with), a leader line to its place. */
  SC.offsetFrom = function (map, layer, fromLayer, minPx) {
    var group = window.spatialLayers[layer], other = window.spatialLayers[fromLayer];
    if (!group || !other) { return; }
    var leaders = L.layerGroup().addTo(map);
    function update() {
      leaders.clearLayers();
      var seats = [];
      other.eachLayer(function (l) { if (l.getLatLng) { seats.push(map.latLngToContainerPoint(l.getLatLng())); } });
      group.eachLayer(function (l) {
        if (!l.getLatLng) { return; }
        l._spHome = l._spHome || l.getLatLng();
        var at = map.latLngToContainerPoint(l._spHome), moved = at;
        seats.forEach(function (s) {
          var d = at.distanceTo(s);
          if (d < minPx) {
            var dir = d > 0.5 ? at.subtract(s).divideBy(d) : L.point(0.7071, -0.7071);
            moved = s.add(dir.multiplyBy(minPx + 2));
          }
        });
        var place = map.containerPointToLatLng(moved);
        l.setLatLng(place);
        if (moved !== at) {
          L.polyline([l._spHome, place], { color: "#54278f", weight: 1, interactive: false }).addTo(leaders);
        }
      });
    }
    map.on("zoomend viewreset", update);
    map.whenReady(update);
  };

  /* A north arrow (Web Mercator: north is up), for the screen and for print. */
  SC.north = function (map) {
    return control(map, "topright", function () {
      var div = L.DomUtil.create("div", "sp-panel sp-north");
      div.title = "北 North";
      div.innerHTML = '<span class="sp-north-arrow" aria-hidden="true">\u25B2</span><b>N</b>';
      return div;
    });
  };

  /* The check's verdict in the title (always visible) and its failed rules in the legend.
   * Data arrive as JSON; every string is set as text, never parsed as HTML. */
  SC.rules = function (map, data) {
    var box = map.getContainer();
    var title = box.querySelector(".sp-title");
    if (title) {
      var p = L.DomUtil.create("p", "sp-note sp-verdict " + (data.passed ? "sp-pass" : "sp-fail"), title);
      p.textContent = data.verdict;
    }
    var body = box.querySelector(".sp-legend-body");
    if (!body || !data.rows.length) { return; }
    var section = document.createElement("div");
    section.className = "sp-rules";
    var h = L.DomUtil.create("h3", "", section);
    h.textContent = data.heading;
    var ul = L.DomUtil.create("ul", "", section);
    data.rows.forEach(function (row) {
      var li = L.DomUtil.create("li", "sp-rule-fail", ul);
      var code = L.DomUtil.create("code", "", li);
      code.textContent = row.rule;
      li.appendChild(document.createTextNode(" " + row.id + (row.other ? " × " + row.other : "") + ": " + row.reason));
    });
    body.insertBefore(section, body.firstChild);
  };

  /* The plugin's button, its box marked sp-fullscreen (print hides it). */
  SC.fullscreen = function (map) {
    var ctl = new L.Control.FullScreen({
      position: "topleft", forceSeparateButton: true,
      title: "全屏 Full screen", titleCancel: "退出全屏 Exit full screen"
    }).addTo(map);
    L.DomUtil.addClass(ctl.getContainer(), "sp-fullscreen");
    return ctl;
  };

  function formatLength(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + " km" : m.toFixed(0) + " m";
  }

  function formatArea(m2) {
    return m2 >= 1e6 ? (m2 / 1e6).toFixed(3) + " km²" : m2.toFixed(0) + " m²";
  }

  /* Area of a closed ring on a sphere (spherical excess, as Leaflet.draw does). */
  function sphericalArea(latlngs) {
    var d2r = Math.PI / 180, sum = 0, n = latlngs.length;
    for (var i = 0; i < n; i++) {
      var p1 = latlngs[i], p2 = latlngs[(i + 1) % n];
      sum += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs(sum * EARTH_R_M * EARTH_R_M / 2);
  }

  function pathLength(latlngs) {
    var total = 0;
    for (var i = 1; i < latlngs.length; i++) { total += latlngs[i - 1].distanceTo(latlngs[i]); }
    return total;
  }

  SC.measure = function (map) {
    var points = [], marks = L.layerGroup(), line = null, out = null, active = false;
    function show() {
      var text = "点击地图添加测点 Click the map to add points";
      if (points.length > 1) { text = "距离 Distance: " + formatLength(pathLength(points)); }
      if (points.length > 2) { text += "<br>面积 Area (closed): " + formatArea(sphericalArea(points)); }
      out.innerHTML = text + "<br><small>球面近似，非成果数据 spherical approximation, not a measure of record</small>";
      out.style.display = "block";
    }
    function add(e) {
      points.push(e.latlng);
      map.closePopup();
      L.circleMarker(e.latlng, { radius: 3, color: "#000", weight: 1, interactive: false }).addTo(marks);
      line.setLatLngs(points);
      show();
    }
    function start(a) {
      active = true; points = [];
      marks.clearLayers().addTo(map);
      line = L.polyline([], { color: "#000", weight: 2, dashArray: "4 4", interactive: false }).addTo(marks);
      map.getContainer().classList.add("sp-measuring");
      map.doubleClickZoom.disable();
      map.on("click", add);
      a.classList.add("sp-active");
      show();
    }
    function stop(a) {
      active = false;
      map.off("click", add);
      map.getContainer().classList.remove("sp-measuring");
      map.doubleClickZoom.enable();
      marks.remove();
      a.classList.remove("sp-active");
      out.style.display = "none";
    }
    return control(map, "topleft", function () {
      var wrap = L.DomUtil.create("div", "sp-measure");
      var bar = L.DomUtil.create("div", "leaflet-bar", wrap);
      button(bar, ICONS.measure, "测量距离和面积 Measure distance and area", function (a) {
        if (active) { stop(a); } else { start(a); }
      });
      out = L.DomUtil.create("div", "sp-panel sp-measure-out", wrap);
      out.style.display = "none";
      L.DomEvent.disableClickPropagation(wrap);
      return wrap;
    });
  };

  /* The plugin writes its text as HTML: the frame's name is escaped first. */
  function coordinates(frame, lng, lat) {
    var name = String(frame).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
    return "经度 lon " + lng + ", 纬度 lat " + lat + " (" + name + ")";
  }

  /* frame: the frame of the map's coordinates ("WGS84", or "GCJ-02" on AMap tiles). */
  SC.mouse = function (map, frame) {
    return L.control.mousePosition({
      position: "bottomleft",
      emptyString: coordinates(frame, "—", "—"),
      formatter: function (lng, lat) {
        return coordinates(frame, lng.toFixed(5) + "°", lat.toFixed(5) + "°");
      }
    }).addTo(map);
  };

  /* The layer control, expanded: names[0] label the base layers, names[1] the
   * overlays (already escaped HTML), in the order given. */
  SC.layers = function (map, names, baseLayers, overlays) {
    var ctl = L.control.layers(null, null, { collapsed: false });
    baseLayers.forEach(function (layer, i) { ctl.addBaseLayer(layer, names[0][i]); });
    overlays.forEach(function (layer, i) { ctl.addOverlay(layer, names[1][i]); });
    map._spLayerControl = ctl;
    return ctl.addTo(map);
  };

  /* The overview: the base map's tiles (opts.tiles, if any), the district outline
   * (outlineData, GeoJSON) and the current view, following the main map. */
  SC.minimap = function (map, opts, outlineData) {
    var layers = L.layerGroup();
    if (opts.tiles) { L.tileLayer(opts.tiles, opts.tileOptions).addTo(layers); }
    if (outlineData) {
      L.geoJSON(outlineData, {
        style: { color: "#252525", weight: 1, fill: false }, interactive: false
      }).addTo(layers);
    }
    return new L.Control.MiniMap(layers, {
      position: "bottomleft", width: 150, height: 130, zoomLevelOffset: -4,
      aimingRectOptions: { color: "#d7301f", weight: 1.5, fillOpacity: 0.1, interactive: false },
      shadowRectOptions: { color: "#000", weight: 1, opacity: 0, fillOpacity: 0, interactive: false }
    }).addTo(map);
  };

  SC.scale = function (map) {
    return L.control.scale({ imperial: false, maxWidth: 150 }).addTo(map);
  };

  /* Set once every layer is on the map and drawn in the page's font, its labels decluttered:
   * tests and benchmarks wait for it. */
  SC.ready = function (map) {
    map.whenReady(function () {
      SC.declutter(map);
      /* after the event's other handlers: Leaflet moves its labels on moveend too */
      var pending = false;
      map.on("zoomend moveend overlayadd overlayremove", function () {
        if (pending) { return; }
        pending = true;
        Promise.resolve().then(function () { pending = false; SC.declutter(map); });
      });
      SC.afterFonts(function () { SC.declutter(map); });
      fontsLoaded().then(function () {
        SC.declutter(map);
        requestAnimationFrame(function () {
          requestAnimationFrame(function () {
            window.spatialMapReadyMs = performance.now();
            document.documentElement.setAttribute("data-map-ready", "1");
          });
        });
      });
    });
  };

  SC.register = function (name, layer) {
    window.spatialLayers = window.spatialLayers || {};
    window.spatialLayers[name] = layer;
  };

  window.SpatialControls = SC;
}());
