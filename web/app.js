// The landgov web client's shell: the top navigation (工作台 / 一张图 /
// 合规审查 / 审批案件 / 指标银行 / 存证核验 / 流程建模 and 系统管理 for administrators /
// 进度查询), hash routing between the pages ("#/map", "#/check/12",
// "#/cases/3", "#/ledger/5"), the language switch and the account. Each
// page is a module under js/ with a show(param) that builds
// it the first time and refreshes it after; pages live in the one
// document, so the map keeps its view when someone looks at a report and
// comes back.
//
// The pages are for logged-in staff: the shell asks /api/session first and
// shows a login form when nobody is logged in (or the session ended); the
// public progress page ("#/progress") is the one page anyone may see
// without logging in.

import { ensureLogin, hideLogin, loadSession, logout, state as session } from './js/api.js';
import { addModuleDict, initI18n, setLang, currentLang, t, has } from './js/i18n.js';
import { mapState, show as showMap } from './js/map.js';
import { checkState, show as showCheck } from './js/check.js';
import { casesState, show as showCases } from './js/cases.js';
import { show as showLedger } from './js/ledger.js';
import { show as showDashboard } from './js/dashboard.js';
import { modelerState, show as showModeler } from './js/modeler.js';
import { progressState, show as showProgress } from './js/progress.js';
import { adminState, show as showAdmin } from './js/admin.js';
import { stockState, show as showStock } from './js/stock.js';
import { quotaState, show as showQuota } from './js/quota.js';
import { monitorState, show as showMonitor } from './js/monitor.js';
import { industryState, show as showIndustry } from './js/industry.js';
import { consolState, show as showConsol } from './js/consol.js';
import { $ } from './js/util.js';

const PAGES = {
  dashboard: { show: showDashboard, title: 'nav.dashboard' },
  map: { show: showMap, title: 'nav.map' },
  check: { show: showCheck, title: 'nav.check' },
  cases: { show: showCases, title: 'nav.cases' },
  stock: { show: showStock, title: 'nav.stock' },
  quota: { show: showQuota, title: 'nav.quota' },
  monitor: { show: showMonitor, title: 'nav.monitor' },
  industry: { show: showIndustry, title: 'nav.industry' },
  consol: { show: showConsol, title: 'nav.consol' },
  ledger: { show: showLedger, title: 'nav.ledger' },
  modeler: { show: showModeler, title: 'nav.modeler' },
  admin: { show: showAdmin, title: 'nav.admin' },
  progress: { show: showProgress, title: 'nav.progress', public: true },
};
const DEFAULT_PAGE = 'dashboard';

let current = null;

function parseHash() {
  const m = /^#\/([a-z]+)(?:\/([^/?#]+))?/.exec(location.hash);
  if (m && PAGES[m[1]]) return { page: m[1], param: m[2] ? decodeURIComponent(m[2]) : undefined };
  return { page: DEFAULT_PAGE, param: undefined };
}

function setTitle() {
  // The One Map keeps the application's own title (bookmarks, tests).
  const app = t('app.title');
  document.title = current && current !== 'map' && current !== DEFAULT_PAGE ? `${t(PAGES[current].title)} · ${app}` : app;
}

/** Shows the page the hash names. focus: move focus to its heading (when
 *  the user navigated, so that keyboard and screen-reader users land on
 *  the new content). */
async function route({ focus = false } = {}) {
  const { page, param } = parseHash();
  if (!PAGES[page].public && !session.user) {
    // A staff page: log in first, then show whatever the address is then.
    $('status').textContent = t('login.please');
    await ensureLogin();
    return route({ focus });
  }
  if (PAGES[page].public && !session.user) hideLogin();
  current = page;
  document.body.dataset.page = page; // print styles differ by page
  for (const name of Object.keys(PAGES)) {
    const section = $(`page-${name}`);
    section.hidden = name !== page;
    const link = document.querySelector(`.nav a[data-page="${name}"]`);
    if (name === page) link?.setAttribute('aria-current', 'page');
    else link?.removeAttribute('aria-current');
  }
  setTitle();
  if (focus) $(`page-${page}`).querySelector('h2')?.focus();
  await PAGES[page].show(param);
}

function showUser() {
  const u = session.user;
  let role = u?.role_title;
  if (u && currentLang() !== 'zh-CN' && has(`roleName.${u.role}`)) role = t(`roleName.${u.role}`);
  $('user').textContent = u ? `${u.name || u.login} · ${role}${u.division ? ` · ${u.division}` : ''}` : '';
  $('logout').hidden = !u;
  $('login-open').hidden = Boolean(u);
  // The modeler is for those who may deploy processes.
  const admin = session.can?.process?.admin;
  $('nav-modeler').hidden = !u || !admin || admin === 'none';
  // The administration page is for those who administer accounts.
  const users = session.can?.user?.admin;
  $('nav-admin').hidden = !u || !users || users === 'none';
}

function wireShell() {
  $('logout').addEventListener('click', logout);
  $('login-open').addEventListener('click', () => ensureLogin().then(() => route()).catch(report));
  $('lang-toggle').addEventListener('click', () => setLang(currentLang() === 'zh-CN' ? 'en' : 'zh-CN'));
  // The skip link moves focus without touching the hash (the router's).
  $('skip-link').addEventListener('click', (evt) => {
    evt.preventDefault();
    const page = $(`page-${current || DEFAULT_PAGE}`);
    (page.querySelector('h2') || $('main')).focus();
  });
  document.addEventListener('landgov:user', showUser);
  const langButton = () => ($('lang-toggle').lang = currentLang() === 'zh-CN' ? 'en' : 'zh-CN');
  langButton();
  document.addEventListener('landgov:lang', () => {
    showUser();
    setTitle();
    langButton();
  });
  // After a new login (the session had ended), the page reloads its data.
  document.addEventListener('landgov:login', () => route().catch(report));
  window.addEventListener('hashchange', () => {
    if (!/^#\//.test(location.hash) && location.hash) return;
    route({ focus: true }).catch(report);
  });
}

function report(err) {
  console.error(err);
  $('status').textContent = t('error.page', { message: err.message });
}

// Pages whose strings are in dictionaries of their own (web/i18n/<lang>/<module>.json).
for (const m of ['stock', 'quota', 'monitor', 'industry', 'consol']) addModuleDict(m);

async function main() {
  await initI18n();
  wireShell();
  try {
    await loadSession();
  } catch (err) {
    $('status').textContent = t('error.connect', { message: err.message });
    throw err;
  }
  showUser();
  // route() asks for a login unless the page is public.
  await route();
}

// For the browser tests and for poking around in the console: the One
// Map's state (layers, OpenLayers layers, the map) as before, with the
// session and the check page beside it.
const state = mapState;
Object.defineProperty(state, 'user', { get: () => session.user, enumerable: true, configurable: true });
state.check = checkState;
state.cases = casesState;
state.modeler = modelerState;
state.progress = progressState;
state.admin = adminState;
state.stock = stockState;
state.quota = quotaState;
state.monitor = monitorState;
state.industry = industryState;
state.consol = consolState;
globalThis.landgov = {
  state,
  session,
  setLang,
  route,
  ready: main().catch((err) => {
    report(err);
    throw err;
  }),
};
