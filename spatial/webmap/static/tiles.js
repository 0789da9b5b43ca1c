/* The toolkit's vector-tile layer: a planner layer too large for GeoJSON, drawn from a PMTiles
 * archive by protomaps-leaflet (vendored), styled by class like the GeoJSON layers.
 *
 * The archive is either embedded in the page (base64 in a <script type="application/octet-stream">
 * element, read through pmtiles' FileSource: no request at all) or a file beside the page, read
 * with HTTP range requests (`spatial serve DIR`). Every value from the planner's data (field
 * names, values, the layer's name) arrives through the page's data block and is escaped here
 * before it reaches a popup. Written by spatial/webmap/tiles.py.
 */
(function () {
  "use strict";
  var ST = {};

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* The bytes of an archive embedded in the page as base64. */
  ST.embeddedBytes = function (elementId) {
    var text = document.getElementById(elementId).textContent.trim();
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  };

  /* A pmtiles reader: over the embedded bytes (a File in memory), or over a URL beside the page. */
  ST.archive = function (source) {
    if (source.url) return new pmtiles.PMTiles(source.url);
    var file = new File([ST.embeddedBytes(source.element)], source.name);
    return new pmtiles.PMTiles(new pmtiles.FileSource(file));
  };

  function styleOf(o, f) {
    return o.styles[f.props.s] || o.styles.other || {};
  }

  function paintRule(o) {
    var rule = { dataLayer: o.dataLayer };
    var strokeFrom = o.strokeFrom;
    if (o.shape === "point") {
      rule.symbolizer = new protomapsL.CircleSymbolizer({
        radius: function (z, f) { return styleOf(o, f).radius || 4; },
        fill: function (z, f) { return styleOf(o, f).fillColor; },
        opacity: function (z, f) { return styleOf(o, f).fillOpacity; },
        stroke: "#ffffff",
        width: 1,
      });
    } else if (o.shape === "line") {
      rule.symbolizer = new protomapsL.LineSymbolizer({
        color: function (z, f) { return styleOf(o, f).color; },
        width: function (z, f) { return styleOf(o, f).weight; },
        opacity: function (z, f) { return styleOf(o, f).opacity; },
      });
    } else {
      /* edges only from the zoom where most parcels are several pixels wide (tiles.py
       * stroke_zoom); below, fills alone; never on the low zooms' class cells (`merged`),
       * whose edges would grey every 2-px cell */
      rule.symbolizer = new protomapsL.PolygonSymbolizer({
        fill: function (z, f) { return styleOf(o, f).fillColor; },
        opacity: function (z, f) { return styleOf(o, f).fillOpacity; },
        stroke: function (z, f) { return styleOf(o, f).color; },
        width: function (z, f) {
          return z >= strokeFrom && !f.props.merged ? styleOf(o, f).weight : 0;
        },
        perFeature: true,
      });
    }
    return rule;
  }

  /* A polygon's label at the mean of its outer ring's vertices (protomaps-leaflet would put it
   * at the ring's first vertex, on an edge shared with the neighbours), only when it fits in the
   * polygon's box on screen; lines and points as protomaps-leaflet places them. Its box for
   * protomaps-leaflet's collisions holds its white halo and a pixel of air: no two labels touch. */
  var LABEL_MIN_PX = 12;  /* the labels' font size, CSS px: a lower parcel is not measured */
  var LABEL_GAP_PX = 3.5;  /* the halo's half width (2.5 px) and a pixel between labels */
  function CentredLabel(options, idField) {
    this.inner = new protomapsL.CenteredTextSymbolizer(options);
    this.idField = idField;
    this.placed = {};
  }
  CentredLabel.prototype.place = function (layout, geom, feature) {
    var ring = geom[0];
    if (ring.length < 4) return this.inner.place(layout, geom, feature);
    var x = 0, y = 0, n = ring.length - 1;
    var box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (var i = 0; i < n; i++) {
      x += ring[i].x; y += ring[i].y;
      box.minX = Math.min(box.minX, ring[i].x); box.maxX = Math.max(box.maxX, ring[i].x);
      box.minY = Math.min(box.minY, ring[i].y); box.maxY = Math.max(box.maxY, ring[i].y);
    }
    if (box.maxY - box.minY < LABEL_MIN_PX) return undefined;
    var centre = ring[0].clone();
    centre.x = x / n;
    centre.y = y / n;
    var placed = this.inner.place(layout, [[centre]], feature);
    if (!placed) return undefined;
    var label = placed[0].bboxes[0];
    if (label.maxX - label.minX > box.maxX - box.minX) return undefined;
    /* a parcel cut by a tile's edge comes in two pieces: one label, on the first piece it fits */
    var id = this.idField ? feature.props[this.idField] : undefined;
    if (id !== undefined) {
      var key = layout.zoom + ":" + id;  /* per zoom's labeller (layout.index): a new one starts over */
      if (this.placed[key] === layout.index) return undefined;
      this.placed[key] = layout.index;
    }
    placed[0].bboxes = placed[0].bboxes.map(function (b) {
      return { minX: b.minX - LABEL_GAP_PX, minY: b.minY - LABEL_GAP_PX,
        maxX: b.maxX + LABEL_GAP_PX, maxY: b.maxY + LABEL_GAP_PX };
    });
    return placed;
  };

  /* Labels are drawn in the page's own font (font.py embeds Noto Sans SC, subset to the page's
   * characters; the labels' are in the layer's description, tiles.py label_chars). */
  var LABEL_FAMILY = "'Noto Sans SC', sans-serif";
  var LABEL_PX = 12;

  /* A canvas draws in the fonts loaded when a tile is drawn, and the font of a page loads only
   * when something asks for it: once it has the labels' glyphs, lay the labels out again (their
   * widths change) and redraw the tiles, so no label keeps a fallback's boxes. */
  function redrawLabelsWithTheFont(layer, o) {
    if (!o.labelField || !document.fonts || !document.fonts.load) return;
    document.fonts.load(LABEL_PX + "px " + LABEL_FAMILY, (o.labelChars || "") + "A")
      .then(function (faces) {
        if (!faces.length) return;
        layer.clearLayout();
        layer.rerenderTiles();
      });
  }

  function labelRules(o) {
    if (!o.labelField) return [];
    return [{
      dataLayer: o.dataLayer,
      minzoom: o.labelFrom,
      symbolizer: new CentredLabel({
        labelProps: [o.labelField],
        fontFamily: LABEL_FAMILY,
        fontSize: LABEL_PX,
        fill: "#252525",
        stroke: "#ffffff",
        width: 2.5,
      }, o.fields[0] === o.labelField ? undefined : o.fields[0]),
    }];
  }

  function popupHtml(o, props) {
    var rows = ["<b>" + escapeHtml(o.title) + "</b>"];
    o.fields.forEach(function (name) {
      if (props[name] === undefined || props[name] === null) return;
      /* the planner's own name of the id field (BSM), the class's legend line (code and name) */
      var text = escapeHtml((o.fieldNames || {})[name] || name) + ": " + escapeHtml(props[name]);
      var named = name === o.styleField && props.s !== "other" && o.classLabels[props.s];
      if (named) text = escapeHtml(o.classLabels[props.s]);
      rows.push(text);
    });
    return '<div class="sp-tile-popup">' + rows.join("<br>") + "</div>";
  }

  /* The features of this layer under a point (lon/lat), from the tile drawn there; below the
   * parcel zoom, cells merged by class (`merged`, see tiles.py class_cells) are no parcel. */
  ST.featuresAt = function (layer, latlng) {
    var found = [];
    layer.queryTileFeaturesDebug(latlng.lng, latlng.lat).forEach(function (picked) {
      picked.forEach(function (p) { if (!p.feature.props.merged) found.push(p.feature); });
    });
    return found;
  };

  /* Add html under an open popup's own content through Leaflet's public API: the popup's
   * content (text, element or a function of its layer, as bindPopup takes) is wrapped while it is
   * open and given back when it closes, so the next feature's popup is its own again. */
  function appendToPopup(popup, html) {
    var original = popup.getContent();
    popup.setContent(function (source) {
      var base = typeof original === "function" ? original(source) : original;
      if (!(base instanceof HTMLElement)) return String(base) + html;
      var box = document.createElement("div");
      box.appendChild(base);
      box.insertAdjacentHTML("beforeend", html);
      return box;
    });
    popup.once("remove", function () { popup.setContent(original); });
  }

  /* A click on the map opens the parcel's fields. A click on a vector layer above (a zone)
   * opens that layer's popup and goes no further (Leaflet stops it): the parcel's fields are
   * then added under that popup's own, so one click shows both. */
  function bindClick(map, layer, o) {
    function parcelHtml(latlng) {
      if (!map.hasLayer(layer)) return null;
      var features = ST.featuresAt(layer, latlng);
      return features.length ? popupHtml(o, features[features.length - 1].props) : null;
    }
    map.on("click", function (e) {
      var html = parcelHtml(e.latlng);
      if (!html) return;
      var popup = L.popup({ maxWidth: 320 }).setLatLng(e.latlng).setContent(html);
      popup.spatialTiles = true;
      popup.openOn(map);
    });
    map.on("popupopen", function (e) {
      if (e.popup.spatialTiles) return;
      var html = parcelHtml(e.popup.getLatLng());
      if (html) appendToPopup(e.popup, '<hr class="sp-tile-rule">' + html);
    });
  }

  /* A map folder opened from disk: the browser reads no byte range of a file, so say how to open it. */
  function askForServer(map) {
    var note = L.control({ position: "bottomleft" });
    note.onAdd = function () {
      var box = L.DomUtil.create("div", "sp-panel sp-tiles-note");
      box.textContent = "地块瓦片需经本机服务打开：spatial serve 此文件夹。 " +
        "The parcels are read over HTTP: run `spatial serve FOLDER` and open the address it prints.";
      return box;
    };
    note.addTo(map);
  }

  /* The tiled layer, added to the map; `o` is the layer's description from tiles.py. */
  ST.layer = function (map, o) {
    if (o.source.url && window.location.protocol === "file:") askForServer(map);
    map.createPane(o.pane).style.zIndex = o.zIndex;
    var layer = protomapsL.leafletLayer({
      url: ST.archive(o.source),
      pane: o.pane,
      paintRules: [paintRule(o)],
      labelRules: labelRules(o),
      maxDataZoom: o.maxZoom,
      minZoom: 0,
      maxZoom: 22,
      attribution: "",
    });
    layer.once("load", function () {
      window.spatialTilesReadyMs = performance.now();
      document.documentElement.setAttribute("data-tiles-ready", "1");
    });
    bindClick(map, layer, o);
    redrawLabelsWithTheFont(layer, o);
    return layer;
  };

  window.SpatialTiles = ST;
}());
