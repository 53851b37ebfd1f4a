// Small DOM helpers shared by the pages.

/** document.getElementById */
export const $ = (id) => document.getElementById(id);

/** Creates an element: el('td', {className: 'num', dataset: {key: 'x'}}, 'text', child...). */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'className') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** A table: headers (strings) and rows (arrays of cells: string, Node, or
 *  {text, className, dataset}). */
export function table(headers, rows, props = {}) {
  const thead = el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h))));
  const tbody = el(
    'tbody',
    {},
    rows.map((r) => {
      const cells = Array.isArray(r) ? r : r.cells;
      const tr = el('tr', Array.isArray(r) ? {} : r.props || {});
      for (const c of cells) {
        if (c && typeof c === 'object' && !(c instanceof Node)) tr.append(el('td', { className: c.className, dataset: c.dataset }, c.text ?? ''));
        else tr.append(el('td', {}, c ?? ''));
      }
      return tr;
    }),
  );
  return el('table', props, thead, tbody);
}
