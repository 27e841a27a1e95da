// The treemap of report.html, drawn from the report.json the page embeds,
// zoomed by a click and out again by the path above it. apportion, buildTree,
// squarify, layout, display and fill repeat apportion.go, tree.go,
// treemap.go, scene.go and color.go of package report operation for
// operation, so that this picture at its top is report.svg's (the browser
// test compares the two rectangle by rectangle). Everything from the model
// goes into the page as text or attribute values, never as markup.
(() => {
  'use strict';
  const SVGNS = 'http://www.w3.org/2000/svg';
  const HEADER = 18, MARGIN = 2, MIN_SHOWN = 0.5, TAR_HEADERS = '(tar headers)';
  const report = JSON.parse(document.getElementById('report-data').textContent);
  const box = document.getElementById('treemap');
  const crumbs = document.getElementById('crumbs');
  const tip = document.getElementById('tip');

  // color.go
  const LAYER_HUES = [212, 28, 150, 268, 350, 190, 48, 110];
  const layerHue = i => LAYER_HUES[i % LAYER_HUES.length];
  const moduleHue = i => (200 + 137.508 * i) % 360;
  function fill(hue, depth, grey) {
    let l = 0.5 + 0.07 * depth, s = 0.56 - 0.07 * depth;
    if (depth >= 4) {
      l = 0.6 + 0.08 * (depth - 4);
      s = 0.62;
    }
    return hsl(hue, grey ? 0.08 : s, Math.min(l, 0.9));
  }
  function hsl(h, s, l) {
    const c = (1 - Math.abs(2 * l - 1)) * s, hp = h / 60, x = c * (1 - Math.abs((hp % 2) - 1));
    let r = 0, g = 0, b = 0;
    switch (Math.trunc(hp)) {
      case 0: r = c; g = x; break;
      case 1: r = x; g = c; break;
      case 2: g = c; b = x; break;
      case 3: g = x; b = c; break;
      case 4: r = x; b = c; break;
      default: r = c; b = x;
    }
    const m = l - c / 2;
    return '#' + [r, g, b].map(v => Math.round((v + m) * 255).toString(16).padStart(2, '0')).join('');
  }

  // apportion.go: BigInt, because a binary's bytes times a layer's can
  // exceed what a double holds exactly.
  function apportion(whole, sizes) {
    const out = sizes.map(() => 0);
    let total = 0n, largest = -1;
    sizes.forEach((s, i) => {
      if (s > 0) {
        total += BigInt(s);
        if (largest < 0 || s > sizes[largest]) largest = i;
      }
    });
    if (whole <= 0 || largest < 0) return out;
    let sum = 0;
    sizes.forEach((s, i) => {
      if (s > 0) {
        out[i] = Number((BigInt(s) * BigInt(whole)) / total);
        sum += out[i];
      }
    });
    out[largest] += whole - sum;
    return out;
  }

  // tree.go
  const node = (kind, name, label, detail, size, color) =>
    ({ kind, name, label, detail, bytes: 0, size, fill: color, kids: [], parent: null });
  const other = (name, detail, hue, depth) => node('other', name, name, detail, 0, fill(hue, depth, true));
  function share(n, total, rest) {
    let sum = 0;
    for (const c of n.kids) sum += Math.max(c.size, 0);
    if (total > sum) {
      rest.size = total - sum;
      n.kids.push(rest);
    }
    apportion(n.bytes, n.kids.map(c => c.size)).forEach((b, i) => { n.kids[i].bytes = b; });
  }
  function buildTree(r) {
    const layers = r.image.layers;
    const root = node('image', r.target, 'image', `${r.target} ${r.platform}, ${layers.length} layers`, r.image.size, '');
    let sum = 0;
    for (const l of layers) sum += Math.max(l.compressed, 0);
    root.bytes = Math.max(r.image.compressed, sum);
    layers.forEach((l, i) => {
      const hue = layerHue(i);
      const ln = node('layer', `layer ${i + 1}`, `layer ${i + 1}` + (l.what ? ': ' + l.what : ''), l.what, l.size, fill(hue, 1, false));
      ln.bytes = Math.max(l.compressed, 0);
      let files = 0;
      for (const f of l.files) {
        const fn = node('file', f.path, baseName(f.path), f.path === TAR_HEADERS ? "tar headers and padding of the layer's entries" : 'mode ' + f.mode,
          f.size, fill(hue, 2, f.path === TAR_HEADERS));
        fn.bytes = Math.max(f.compressed, 0);
        if (f.binary >= 0 && f.binary < r.binaries.length) binaryParts(fn, r.binaries[f.binary], hue);
        files += fn.bytes;
        ln.kids.push(fn);
      }
      if (ln.bytes - files > 0) {
        const o = other('other', "compressed bytes of the layer that no file's share holds", hue, 2);
        o.bytes = ln.bytes - files;
        ln.kids.push(o);
      }
      root.kids.push(ln);
    });
    if (root.bytes - sum > 0) {
      const o = other('other', 'compressed bytes of the image that no layer holds', 0, 1);
      o.bytes = root.bytes - sum;
      root.kids.push(o);
    }
    return sorted(root);
  }
  function binaryParts(file, b, hue) {
    for (const p of b.parts) file.kids.push(node('part', p.name, p.name, p.what, p.bytes, fill(hue, 3, p.name === 'unattributed')));
    share(file, b.size, other('unattributed', 'bytes of the binary that no part explains', hue, 3));
    b.parts.forEach((p, i) => {
      if (p.name === 'code' && b.modules.length) codeModules(file.kids[i], b.modules);
    });
  }
  function codeModules(code, mods) {
    mods.forEach((m, i) => code.kids.push(node('module', m.path, m.path, m.version ? 'version ' + m.version : '', m.bytes, fill(moduleHue(i), 4, false))));
    share(code, code.size, other('unattributed code', 'code that the symbol table gives to no module', 0, 4));
    mods.forEach((m, i) => {
      const mn = code.kids[i], hue = moduleHue(i);
      for (const p of m.packages) mn.kids.push(node('package', p.path, packageLabel(p.path, m.path), 'in module ' + m.path, p.bytes, fill(hue, 5, false)));
      share(mn, m.bytes, other('other packages', 'code of the module in no package listed', hue, 5));
      m.packages.forEach((p, j) => {
        if (!p.functions || !p.functions.length) return;
        const pn = mn.kids[j];
        for (const f of p.functions) pn.kids.push(node('function', f.name, funcLabel(f.name), 'in package ' + p.path, f.bytes, fill(hue, 6, false)));
        share(pn, p.bytes, other('other functions', "the package's smaller functions", hue, 6));
      });
    });
  }
  function sorted(n) {
    n.kids.sort((a, b) => b.bytes - a.bytes); // stable, as sort.SliceStable
    for (const k of n.kids) {
      k.parent = n;
      sorted(k);
    }
    return n;
  }
  function baseName(p) {
    const t = p.replace(/\/+$/, ''), i = t.lastIndexOf('/');
    return i >= 0 && i < t.length - 1 ? t.slice(i + 1) : p;
  }
  const packageLabel = (pkg, mod) => (pkg.startsWith(mod + '/') ? pkg.slice(mod.length + 1) : pkg);
  function funcLabel(name) {
    const b = name.indexOf('['), head = b >= 0 ? name.slice(0, b) : name, pkg = head.lastIndexOf('/') + 1;
    const dot = head.indexOf('.', pkg);
    return name.slice(dot >= 0 ? dot + 1 : pkg);
  }

  // treemap.go
  function squarify(ws, r) {
    const out = [];
    let total = 0;
    for (const w of ws) total += w;
    if (total <= 0 || r.w <= 0 || r.h <= 0) return ws.map(() => ({ x: r.x, y: r.y, w: 0, h: 0 }));
    const scale = (r.w * r.h) / total;
    for (let i = 0; i < ws.length;) {
      const wide = r.w >= r.h, side = wide ? r.h : r.w;
      let sum = ws[i] * scale, lo = sum, hi = sum, worst = worstRatio(sum, lo, hi, side), j = i + 1;
      for (; j < ws.length; j++) {
        const a = ws[j] * scale, nlo = Math.min(lo, a), nhi = Math.max(hi, a), w = worstRatio(sum + a, nlo, nhi, side);
        if (w > worst) break;
        sum += a; lo = nlo; hi = nhi; worst = w;
      }
      const long = wide ? r.w : r.h;
      const thick = j === ws.length ? long : Math.min(sum / side, long);
      let at = 0;
      for (let k = i; k < j; k++) {
        const length = k === j - 1 ? side - at : (ws[k] * scale) / thick;
        out[k] = wide ? { x: r.x, y: r.y + at, w: thick, h: length } : { x: r.x + at, y: r.y, w: length, h: thick };
        at += length;
      }
      r = wide ? { x: r.x + thick, y: r.y, w: r.w - thick, h: r.h } : { x: r.x, y: r.y + thick, w: r.w, h: r.h - thick };
      i = j;
    }
    return out;
  }
  function worstRatio(sum, lo, hi, side) {
    const s2 = sum * sum, w2 = side * side;
    return Math.max((w2 * hi) / s2, s2 / (w2 * lo));
  }
  // A package's functions show only when zoomed into it or its module:
  // report.svg, like the page at its top, stops at packages.
  const kidsOf = (n, zoom) => (n.kind === 'package' && zoom.kind !== 'module' && zoom.kind !== 'package' ? [] : n.kids);
  function layout(root, r) {
    const out = [];
    const place = (n, r, depth) => {
      const p = { n, r, depth, open: false, inner: null };
      out.push(p);
      const kids = kidsOf(n, root).filter(k => k.bytes > 0);
      if (!kids.length) return;
      const [inner, open] = display(r, depth);
      if (!open) return;
      p.open = true;
      p.inner = inner;
      squarify(kids.map(k => k.bytes), inner).forEach((kr, i) => place(kids[i], kr, depth + 1));
    };
    place(root, r, 0);
    return out;
  }

  // scene.go
  function display(r, depth) {
    if (depth === 0) return [r, true];
    if (hasStrip(r)) return [{ x: r.x + MARGIN, y: r.y + HEADER, w: r.w - 2 * MARGIN, h: r.h - HEADER - MARGIN }, true];
    if (r.w >= 10 && r.h >= 10) return [{ x: r.x + 1, y: r.y + 1, w: r.w - 2, h: r.h - 2 }, true];
    return [r, false];
  }
  const hasStrip = r => r.w >= 60 && r.h >= 48;
  const shown = p => p.depth > 0 && p.r.w >= MIN_SHOWN && p.r.h >= MIN_SHOWN;
  const measure = document.createElement('canvas').getContext('2d');
  const font = getComputedStyle(document.body).fontFamily;
  function width(s, size, bold) {
    measure.font = `${bold ? 650 : 400} ${size}px ${font}`;
    return measure.measureText(s).width;
  }
  // scene.go's fit and shortForms
  function fit(label, kind, room, size, bold) {
    const forms = [label];
    if (kind === 'module' || kind === 'package' || kind === 'file') {
      for (let i = 0; i < label.length - 1; i++) if (label[i] === '/') forms.push('…/' + label.slice(i + 1));
    } else if (kind === 'function' && label.lastIndexOf(').') >= 0) {
      forms.push(label.slice(label.lastIndexOf(').') + 2));
    }
    for (const f of forms) if (width(f, size, bold) <= room) return f;
    const cs = Array.from(forms[forms.length - 1]);
    for (let k = cs.length - 1; k >= 3; k--) {
      const t = cs.slice(0, k).join('') + '…';
      if (width(t, size, bold) <= room) return t;
    }
    return '';
  }
  function labels(p, whole) {
    const { r, n } = p, size = human(n.bytes), pct = percent(n.bytes, whole), room = r.w - 8;
    if (p.open && p.depth > 0 && hasStrip(r)) {
      for (const t of [`${n.label} · ${size} · ${pct}`, `${n.label} · ${size}`]) {
        if (width(t, 11, true) <= room) return [{ x: r.x + 4, y: r.y + 13, size: 11, bold: true, text: t }];
      }
      const t = fit(n.label, n.kind, room, 11, true);
      return t ? [{ x: r.x + 4, y: r.y + 13, size: 11, bold: true, text: t }] : [];
    }
    if (p.open || r.h < 16 || r.w < 24) return [];
    let name = fit(n.label, n.kind, room, 12, true);
    if (!name) return [];
    if (r.h < 34) {
      if (name === n.label && width(`${name} ${size}`, 12, true) <= room) name += ' ' + size;
      return [{ x: r.x + 4, y: r.y + 13, size: 12, bold: true, text: name }];
    }
    const out = [{ x: r.x + 4, y: r.y + 16, size: 12, bold: true, text: name }];
    for (const t of [`${size} · ${pct}`, size]) {
      if (width(t, 11, false) <= room) return out.concat({ x: r.x + 4, y: r.y + 30, size: 11, bold: false, text: t });
    }
    return out;
  }

  // units.go
  function human(n) {
    if (n < 0) return '-' + human(-n);
    if (n < 1000) return n + ' B';
    let v = n;
    const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
    for (let i = 0; i < units.length; i++) {
      v /= 1000;
      if (v >= 999.5 && i < units.length - 1) continue;
      return v.toFixed(v >= 99.95 ? 0 : 1) + ' ' + units[i];
    }
  }
  function percent(part, whole) {
    if (whole <= 0 || part <= 0) return '0%';
    const p = (part * 100) / whole;
    return p < 0.05 ? '<0.1%' : p.toFixed(1) + '%';
  }
  const digits = n => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const num = v => { const s = v.toFixed(1); return s.endsWith('.0') ? s.slice(0, -2) : s; };

  // The picture, the path to where it is zoomed, the tooltip.
  const tree = buildTree(report);
  let zoom = tree, placed = [];
  function el(name, attrs, text) {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function render() {
    const w = Math.max(320, Math.floor(box.clientWidth));
    const h = Math.round(Math.min(640, Math.max(360, w * 0.56)));
    placed = layout(zoom, { x: 0, y: 0, w, h });
    const svg = el('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}` });
    const rects = el('g', {}), texts = el('g', {});
    placed.forEach((p, i) => {
      if (!shown(p)) return;
      const n = p.n;
      rects.append(el('rect', {
        x: num(p.r.x), y: num(p.r.y), width: num(p.r.w), height: num(p.r.h), fill: n.fill,
        'data-kind': n.kind, 'data-name': n.name, 'data-bytes': n.bytes, 'data-size': n.size, 'data-i': i,
      }));
      for (const l of labels(p, tree.bytes)) {
        texts.append(el('text', { x: num(l.x), y: num(l.y), 'font-size': l.size, class: l.bold ? 'head' : '' }, l.text));
      }
    });
    svg.append(rects, texts);
    box.replaceChildren(svg);
    renderCrumbs();
  }
  function renderCrumbs() {
    const path = [];
    for (let n = zoom; n; n = n.parent) path.unshift(n);
    crumbs.replaceChildren();
    path.forEach((n, i) => {
      if (i) crumbs.append(Object.assign(document.createElement('span'), { className: 'sep', textContent: '›' }));
      const name = i ? n.label : `${report.target} image`;
      if (n === zoom) {
        crumbs.append(Object.assign(document.createElement('span'), { className: 'here', textContent: `${name} · ${human(n.bytes)}` }));
      } else {
        const b = Object.assign(document.createElement('button'), { type: 'button', textContent: name });
        b.addEventListener('click', () => zoomTo(n));
        crumbs.append(b);
      }
    });
  }
  function zoomTo(n) {
    if (!n || n === zoom) return;
    zoom = n;
    hideTip();
    render();
  }
  const nodeAt = e => {
    const i = e.target instanceof SVGRectElement ? e.target.dataset.i : undefined;
    return i === undefined ? null : placed[+i];
  };
  // A click zooms into what was clicked, or, for a rectangle with nothing
  // inside, into the one around it.
  box.addEventListener('click', e => {
    const p = nodeAt(e);
    if (p) zoomTo(p.n.kids.some(k => k.bytes > 0) ? p.n : p.n.parent);
  });
  document.addEventListener('keydown', e => {
    if (e.key === 'Escape' && zoom.parent) zoomTo(zoom.parent);
  });
  box.addEventListener('mousemove', e => {
    const p = nodeAt(e);
    if (!p) return hideTip();
    showTip(p.n, e.clientX, e.clientY);
  });
  box.addEventListener('mouseleave', hideTip);
  let tipFor = null;
  function hideTip() {
    tip.hidden = true;
    tipFor = null;
  }
  function showTip(n, x, y) {
    if (tipFor !== n) {
      tipFor = n;
      const div = (cls, text) => Object.assign(document.createElement('div'), { className: cls, textContent: text });
      const rows = document.createElement('table');
      const row = (k, v) => {
        const tr = rows.insertRow();
        tr.insertCell().textContent = k;
        tr.insertCell().textContent = v;
      };
      const estimated = n.parent !== tree; // a layer's bytes are measured, its files' shared out
      row(estimated ? 'compressed (est.)' : 'compressed', `${human(n.bytes)} (${digits(n.bytes)} bytes)`);
      const inBinary = n.kind === 'part' || n.kind === 'module' || n.kind === 'package' || n.kind === 'function' ||
        (n.kind === 'other' && n.parent.kind !== 'layer');
      if (n.size > 0) row(inBinary ? 'in the binary' : 'uncompressed', `${human(n.size)} (${digits(n.size)} bytes)`);
      if (n.parent && n.parent !== tree) row(`of ${n.parent.label}`, percent(n.bytes, n.parent.bytes));
      row('of the image', percent(n.bytes, tree.bytes));
      tip.replaceChildren(div('t', `${n.kind === 'other' ? '' : n.kind + ' '}${n.name}`));
      if (n.detail) tip.append(div('d', n.detail));
      tip.append(rows);
      if (n.kids.some(k => k.bytes > 0) && n !== zoom) tip.append(div('d', 'click to zoom in'));
    }
    tip.hidden = false;
    const pad = 14, tw = tip.offsetWidth, th = tip.offsetHeight;
    tip.style.left = Math.min(x + pad, window.innerWidth - tw - 4) + 'px';
    tip.style.top = (y + pad + th > window.innerHeight ? y - th - pad : y + pad) + 'px';
  }
  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  });
  render();
})();
