// The page's languages: 简体中文 by default, English on request. Every
// string the page itself shows comes from one dictionary per language
// (web/i18n/zh-CN.json, web/i18n/en.json), by key; "{name}" in a string is
// replaced by the value given. Elements of the static page name their key
// in data-i18n (text) or data-i18n-attr ("aria-label:key; title:key").
//
// The choice is remembered in localStorage, and <html lang> follows it so
// that screen readers and fonts pick the right language. What the server
// says (layer titles, error messages, report texts) is Chinese and is
// shown as it comes.

export const LANGS = ['zh-CN', 'en'];
const STORE_KEY = 'landgov.lang';
const dicts = {};
let lang = 'zh-CN';
// Modules with dictionaries of their own (web/i18n/<lang>/<module>.json,
// registered by app.js before the first load): each page's strings sit
// in its own file, merged into the language's dictionary.
const modules = new Set();
const loaded = {};

async function fetchJson(p) {
  const r = await fetch(p, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
  return r.json();
}

async function load(l) {
  if (!dicts[l]) dicts[l] = await fetchJson(`i18n/${l}.json`);
  loaded[l] ??= new Set();
  for (const m of modules) {
    if (loaded[l].has(m)) continue;
    Object.assign(dicts[l], await fetchJson(`i18n/${l}/${m}.json`));
    loaded[l].add(m);
  }
  return dicts[l];
}

/** Registers a module whose strings are in web/i18n/<lang>/<name>.json. */
export function addModuleDict(name) {
  modules.add(name);
}

export function currentLang() {
  return lang;
}

/** The string for key in the current language (falling back to Chinese,
 *  then to the key itself, so that a missing entry shows and is found). */
export function t(key, vars) {
  let s = dicts[lang]?.[key] ?? dicts['zh-CN']?.[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

/** Whether the dictionary has key (for optional translations of codes). */
export function has(key) {
  return key in (dicts[lang] || {});
}

/** Applies the dictionary to the static elements under root. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Switches the language: loads its dictionary, relabels the page, tells
 *  the pages (event "landgov:lang") so that they redraw what they made. */
export async function setLang(l, { remember = true } = {}) {
  if (!LANGS.includes(l)) l = 'zh-CN';
  await load('zh-CN');
  await load(l);
  lang = l;
  document.documentElement.lang = l;
  if (remember) {
    try {
      localStorage.setItem(STORE_KEY, l);
    } catch {
      /* private windows may refuse storage; the choice lasts the visit */
    }
  }
  applyI18n();
  document.dispatchEvent(new CustomEvent('landgov:lang', { detail: l }));
}

export async function initI18n() {
  let l = 'zh-CN';
  try {
    l = localStorage.getItem(STORE_KEY) || 'zh-CN';
  } catch {
    /* see setLang */
  }
  await setLang(l, { remember: false });
}

/** Numbers as the language writes them, with exactly `digits` decimals. */
export function fmtNum(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Number(v).toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtInt(v) {
  if (v === null || v === undefined) return '—';
  return Number(v).toLocaleString(lang);
}

/** A percentage of a share in [0, 1]. */
export function fmtShare(v, digits = 2) {
  if (v === null || v === undefined) return '—';
  return `${fmtNum(v * 100, digits)}%`;
}

/** An ISO 8601 UTC time, in the viewer's time zone. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang, { hour12: false });
}
