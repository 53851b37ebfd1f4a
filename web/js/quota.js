// The quota bank (指标银行, "#/quota"), five tabs of one page, all read
// from /api/quota/... (src/http/api_quota.c):
//   #/quota            看板: the year's quota gap (cases' needs against what
//                      each division was given), idle quota, the landing
//                      rate of major projects, beside seed 000's figures
//                      (15%, 18.4%, 60%), per division, with a chart; and
//                      next year's allocation proposal from stock disposed
//   #/quota/balances   账户余额 by division and kind, and reconciliation
//   #/quota/movements  指标流水, each with its ledger entry verified in the
//                      browser (ledger.js)
//   #/quota/market     指标市场: listings with their bids, trades with their
//                      statements, caps used, ecological restoration funds
//   #/quota/enclaves   飞地园区: agreements, figures and settlements
// Amounts are integers in their kind's unit, money integer fen: the page
// shows yuan with two decimals. Codes (kinds, buckets, movement types,
// statuses) are shown by their names: the server's Chinese titles, or the
// dictionary's (web/i18n/<lang>/quota.json).

import { fetchJson, state as session } from './api.js';
import { t, has, currentLang, fmtInt, fmtShare, fmtTime } from './i18n.js';
import { verifyEntry, renderVerifyResult } from './ledger.js';
import { $, el, table } from './util.js';

const TABS = ['dashboard', 'balances', 'movements', 'market', 'enclaves'];

/** What the page shows, for the browser tests and the console. */
export const quotaState = { tab: null, kinds: {}, loaded: null, year: null };

let wired = false;
let chart = null;

// ---- Names for codes ----------------------------------------------------------------

function kindName(code) {
  if (currentLang() !== 'zh-CN' && has(`quotaKind.${code}`)) return t(`quotaKind.${code}`);
  return quotaState.kinds[code]?.title || (has(`quotaKind.${code}`) ? t(`quotaKind.${code}`) : code);
}
const unitName = (u) => (has(`quotaUnit.${u}`) ? t(`quotaUnit.${u}`) : u || '');
const bucketName = (b) => (has(`quotaBucket.${b}`) ? t(`quotaBucket.${b}`) : b);
const typeName = (code, title) => (currentLang() !== 'zh-CN' && has(`quotaType.${code}`) ? t(`quotaType.${code}`) : title || (has(`quotaType.${code}`) ? t(`quotaType.${code}`) : code));
const statusName = (s) => (has(`quotaStatus.${s}`) ? t(`quotaStatus.${s}`) : s);
const bidStatusName = (s) => (has(`quotaBid.${s}`) ? t(`quotaBid.${s}`) : s);

/** What a movement was for: its document, else the listing or project. */
function causeOf(x) {
  if (x.document) return x.document;
  if (x.cause_type === 'listing') return t('quota.causeListing', { id: x.cause_id });
  return x.cause_id || '—';
}
const partyName = (p) => (has(`quotaParty.${p}`) ? t(`quotaParty.${p}`) : p);

/** A division code with its level: "360781 (县级)". */
function divName(d) {
  if (!d) return '—';
  const level = d.length <= 2 ? 'province' : d.length <= 4 ? 'city' : 'county';
  return `${d} (${t(`quotaLevel.${level}`)})`;
}

const amount = (v, unit) => `${fmtInt(v)} ${unitName(unit)}`;

/** Yuan with two decimals from integer fen, exactly (no floating point). */
export function yuan(fen) {
  if (fen === null || fen === undefined) return '—';
  const neg = fen < 0;
  const a = BigInt(Math.abs(fen));
  const whole = (a / 100n).toLocaleString(currentLang());
  const cents = String(a % 100n).padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${cents}`;
}

const num = (text) => ({ text, className: 'num' });

function may(resource, action) {
  const v = session.can?.[resource]?.[action];
  return Boolean(v) && v !== 'none';
}

function card(id, titleKey, ...children) {
  return el('section', { className: 'card quota-card', id, dataset: { card: titleKey } }, el('h3', {}, t(titleKey)), ...children);
}

function errorBox(err) {
  return el('p', { className: 'error', role: 'alert' }, err.message);
}

// ---- Tabs --------------------------------------------------------------------------------

function renderTabs() {
  const nav = $('quota-tabs');
  nav.textContent = '';
  for (const tab of TABS) {
    const href = tab === 'dashboard' ? '#/quota' : `#/quota/${tab}`;
    nav.append(el('a', { href, className: `quota-tab${quotaState.tab === tab ? ' current' : ''}`, dataset: { tab }, 'aria-current': quotaState.tab === tab ? 'page' : undefined }, t(`quota.tab.${tab}`)));
  }
}

async function loadKinds() {
  if (Object.keys(quotaState.kinds).length) return;
  const r = await fetchJson('/api/quota/kinds');
  for (const k of r.kinds) quotaState.kinds[k.code] = k;
}

function thisYear() {
  return Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
}

// ---- 看板 -----------------------------------------------------------------------------------

function gauge(id, titleKey, value, reference, better) {
  const ok = value === null || value === undefined ? null : better === 'low' ? value <= reference : value >= reference;
  return el(
    'div',
    { className: `quota-gauge${ok === false ? ' warn' : ''}`, id, dataset: { value: value === null || value === undefined ? '' : String(value) } },
    el('div', { className: 'quota-gauge-title' }, t(titleKey)),
    el('div', { className: 'quota-gauge-value' }, value === null || value === undefined ? '—' : fmtShare(value, 1)),
    el('div', { className: 'hint' }, t('quota.reference', { value: fmtShare(reference, 1) })),
  );
}

async function showDashboard(body) {
  const year = quotaState.year || thisYear();
  const [d, p] = await Promise.all([
    fetchJson(`/api/quota/dashboard?year=${year}`),
    fetchJson(`/api/quota/proposal?year=${year}`).catch(() => null),
  ]);
  quotaState.loaded = d;
  const years = [];
  for (let y = thisYear(); y >= thisYear() - 3; y--) years.push(y);
  const pick = el('select', { id: 'quota-year', 'aria-label': t('quota.year') }, years.map((y) => el('option', { value: String(y), selected: y === year }, String(y))));
  pick.addEventListener('change', () => {
    quotaState.year = Number(pick.value);
    show('dashboard').catch((err) => console.error(err));
  });
  const tot = d.total || {};
  const refs = d.references || {};
  const gauges = el(
    'div',
    { className: 'quota-gauges' },
    gauge('quota-gap', 'quota.gap', tot.gap_rate, refs.gap ?? 0.15, 'low'),
    gauge('quota-idle', 'quota.idle', tot.idle_rate, refs.idle ?? 0.184, 'low'),
    gauge('quota-landing', 'quota.landing', tot.landing_rate, refs.landing ?? 0.6, 'high'),
  );
  const facts = el(
    'dl',
    { className: 'facts quota-facts' },
    el('dt', {}, t('quota.need')), el('dd', { dataset: { field: 'need' } }, amount(tot.need_m2, 'm2')),
    el('dt', {}, t('quota.allocated')), el('dd', { dataset: { field: 'allocated' } }, amount(tot.allocated_m2, 'm2')),
    el('dt', {}, t('quota.consumedYear')), el('dd', {}, amount(tot.consumed_m2, 'm2')),
    el('dt', {}, t('quota.gapM2')), el('dd', { dataset: { field: 'gap' } }, amount(tot.gap_m2, 'm2')),
    el('dt', {}, t('quota.idleM2')), el('dd', {}, amount(tot.idle_m2, 'm2')),
    el('dt', {}, t('quota.major')), el('dd', {}, t('quota.majorOf', { landed: fmtInt(tot.major_landed), cases: fmtInt(tot.major_cases), yuan: fmtInt((d.major_investment_yuan || 0) / 1e8) })),
  );
  const rows = (d.divisions || []).map((r) => ({
    props: { dataset: { division: r.division } },
    cells: [divName(r.division), num(fmtInt(r.need_m2)), num(fmtInt(r.allocated_m2)), num(fmtInt(r.consumed_m2)), num(fmtInt(r.reserved_m2)),
      { text: `${fmtInt(r.gap_m2)}${r.gap_rate ? ` (${fmtShare(r.gap_rate, 1)})` : ''}`, className: `num${r.gap_m2 > 0 ? ' quota-short' : ''}` },
      num(`${fmtInt(r.idle_m2)}${r.idle_rate !== null && r.idle_rate !== undefined ? ` (${fmtShare(r.idle_rate, 1)})` : ''}`),
      num(`${fmtInt(r.major_landed)} / ${fmtInt(r.major_cases)}`)],
  }));
  const divTable = rows.length
    ? table([t('quota.division'), t('quota.need'), t('quota.allocated'), t('quota.consumedYear'), t('quota.reservedCases'), t('quota.gapM2'), t('quota.idleM2'), t('quota.majorShort')], rows, { className: 'data', id: 'quota-dash-table' })
    : el('p', { className: 'empty' }, t('quota.noYear'));
  const chartBox = el('div', { id: 'quota-chart', className: 'chart quota-chart', role: 'img', 'aria-label': t('quota.chart') });
  body.append(
    el('div', { className: 'quota-bar' }, el('label', {}, `${t('quota.year')} `, pick), el('span', { className: 'hint' }, t('quota.unitNote'))),
    card('quota-dash-summary', 'quota.dashTitle', gauges, facts, el('p', { className: 'hint' }, d.definitions || '')),
    card('quota-dash-divisions', 'quota.byDivision', divTable, rows.length ? chartBox : ''),
    card('quota-proposal', 'quota.proposal', proposalBox(p)),
  );
  if (rows.length) drawChart(d).catch((err) => console.error(err));
}

function proposalBox(p) {
  if (!p) return el('p', { className: 'empty' }, t('quota.noProposal'));
  const rows = (p.counties || []).map((c) => ({
    props: { dataset: { division: c.division } },
    cells: [divName(c.division), num(fmtInt(c.unsupplied_digested_m2)), num(fmtInt(c.idle_disposed_m2)), t(`quota.source.${c.source === 'stock' ? 'stock' : 'recorded'}`), num(fmtInt(c.proposed_m2))],
  }));
  return el(
    'div',
    {},
    el('p', { className: 'hint' }, t('quota.proposalIntro', { year: p.year, next: p.for_year, r1: p.rates?.unsupplied_digested ?? '', r2: p.rates?.idle_disposed ?? '' })),
    rows.length
      ? table([t('quota.county'), t('quota.unsupplied'), t('quota.idleDisposed'), t('quota.figuresSource'), t('quota.proposed')], rows, { className: 'data', id: 'quota-proposal-table' })
      : el('p', { className: 'empty' }, t('quota.noFigures')),
    rows.length ? el('p', {}, t('quota.proposalTotal', { total: fmtInt(p.total_m2) })) : '',
  );
}

async function drawChart(d) {
  const echarts = await import('echarts');
  const box = $('quota-chart');
  if (!box) return;
  if (chart) chart.dispose();
  chart = echarts.init(box, null, { renderer: 'svg' });
  const divs = d.divisions.map((r) => r.division);
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 72, right: 16, top: 24, bottom: 48 },
    xAxis: { type: 'category', data: divs.map(divName) },
    yAxis: { type: 'value', name: unitName('m2') },
    series: [
      { name: t('quota.need'), type: 'bar', data: d.divisions.map((r) => r.need_m2), itemStyle: { color: '#b71c1c' }, barMaxWidth: 28 },
      { name: t('quota.allocated'), type: 'bar', data: d.divisions.map((r) => r.allocated_m2), itemStyle: { color: '#1f4e79' }, barMaxWidth: 28 },
      { name: t('quota.consumedYear'), type: 'bar', data: d.divisions.map((r) => r.consumed_m2), itemStyle: { color: '#6a8caf' }, barMaxWidth: 28 },
    ],
  });
}

// ---- 账户余额 -----------------------------------------------------------------------------

async function showBalances(body) {
  const b = await fetchJson('/api/quota/balances');
  quotaState.loaded = b;
  const rows = b.accounts.map((a) => ({
    props: { dataset: { division: a.division, kind: a.kind } },
    cells: [divName(a.division), kindName(a.kind), unitName(a.unit), num(fmtInt(a.available)), num(fmtInt(a.reserved)), num(fmtInt(a.consumed)), num(fmtInt(a.produced))],
  }));
  const recBox = el('div', { id: 'quota-reconcile-result', role: 'status' });
  const recButton = el('button', { type: 'button', id: 'quota-reconcile' }, t('quota.reconcile'));
  recButton.addEventListener('click', async () => {
    recBox.textContent = t('quota.reconciling');
    try {
      const r = await fetchJson('/api/quota/reconcile');
      recBox.textContent = '';
      recBox.append(
        el('p', { className: r.ok ? 'quota-ok' : 'error', dataset: { ok: String(r.ok) } }, t(r.ok ? 'quota.reconcileOk' : 'quota.reconcileBad', { accounts: fmtInt(r.accounts), movements: fmtInt(r.movements), entries: fmtInt(r.ledger_entries) })),
        r.differences.length ? el('ul', {}, r.differences.map((x) => el('li', {}, x.text))) : '',
      );
    } catch (err) {
      recBox.textContent = '';
      recBox.append(errorBox(err));
    }
  });
  body.append(
    card('quota-balances', 'quota.balances',
      el('p', { className: 'hint' }, t('quota.balancesIntro')),
      rows.length ? table([t('quota.division'), t('quota.kind'), t('quota.unit'), t('quota.bucket.available'), t('quota.bucket.reserved'), t('quota.bucket.consumed'), t('quota.bucket.produced')], rows, { className: 'data', id: 'quota-balances-table' }) : el('p', { className: 'empty' }, t('quota.noAccounts'))),
    card('quota-reconcile-card', 'quota.reconcileTitle', el('p', { className: 'hint' }, t('quota.reconcileIntro')), recButton, recBox),
  );
}

// ---- 指标流水 -----------------------------------------------------------------------------

async function verifyMovement(button, index) {
  const tr = button.closest('tr');
  let out = tr.nextElementSibling;
  if (!out || !out.classList.contains('verify-row')) {
    out = el('tr', { className: 'verify-row' }, el('td', { colSpan: 9 }, el('div', { className: 'verify-result', role: 'status' })));
    tr.after(out);
  }
  const box = out.querySelector('.verify-result');
  box.textContent = t('ledger.verifying');
  button.disabled = true;
  try {
    renderVerifyResult(box, await verifyEntry(index));
  } catch (err) {
    renderVerifyResult(box, null, err);
  } finally {
    button.disabled = false;
  }
}

function side(s) {
  return `${divName(s.division)} · ${bucketName(s.bucket)}`;
}

async function showMovements(body, before = 0, into = null) {
  const m = await fetchJson(`/api/quota/movements?limit=50${before ? `&before=${before}` : ''}`);
  if (!into) quotaState.loaded = m;
  const rows = m.movements.map((x) => {
    const verify = Number.isInteger(x.ledger_index)
      ? el('button', { type: 'button', className: 'verify', dataset: { index: String(x.ledger_index) }, onclick: (e) => verifyMovement(e.currentTarget, x.ledger_index) }, t('quota.verify'))
      : '—';
    return {
      props: { dataset: { id: String(x.id), type: x.type } },
      cells: [String(x.id), fmtTime(x.at), typeName(x.type, x.type_title), kindName(x.kind), num(amount(x.amount, x.unit)), side(x.debit), side(x.credit), causeOf(x), verify],
    };
  });
  const more = m.next_before
    ? el('button', { type: 'button', id: 'quota-more', onclick: (e) => {
      e.currentTarget.remove();
      showMovements(body, m.next_before, body.querySelector('#quota-movements-table tbody')).catch((err) => console.error(err));
    } }, t('quota.more'))
    : '';
  if (into) {
    const tb = table([], rows).querySelector('tbody');
    for (const tr of [...tb.children]) into.append(tr);
    if (more) into.closest('section').append(more);
    return;
  }
  body.append(card('quota-movements', 'quota.movements',
    el('p', { className: 'hint' }, t('quota.movementsIntro')),
    rows.length ? table([t('quota.no'), t('quota.time'), t('quota.type'), t('quota.kind'), t('quota.amount'), t('quota.debit'), t('quota.credit'), t('quota.document'), t('quota.ledger')], rows, { className: 'data', id: 'quota-movements-table' }) : el('p', { className: 'empty' }, t('quota.noMovements')),
    more));
}

// ---- 指标市场 -----------------------------------------------------------------------------

async function showMarket(body) {
  const year = thisYear();
  const [l, tr, caps, funds] = await Promise.all([
    fetchJson('/api/quota/listings'),
    fetchJson('/api/quota/trades'),
    fetchJson(`/api/quota/caps?year=${year}`),
    fetchJson('/api/quota/funds'),
  ]);
  quotaState.loaded = { listings: l.listings, trades: tr.trades, caps: caps.caps, funds: funds.funds };
  const listingRows = [];
  for (const x of l.listings) {
    listingRows.push({
      props: { dataset: { id: String(x.id), status: x.status } },
      cells: [String(x.id), divName(x.seller), kindName(x.kind), num(amount(x.amount, x.unit)), num(fmtInt(x.remaining)), num(`${yuan(x.reserve_price_fen)} / ${unitName(x.unit)}`),
        el('span', { className: `badge quota-status-${x.status}` }, statusName(x.status)), x.note || ''],
    });
    for (const b of x.bids || []) {
      listingRows.push({
        props: { className: 'quota-bid', dataset: { bid: String(b.id), status: b.status } },
        cells: ['', `↳ ${t('quota.bidBy', { buyer: divName(b.buyer) })}`, '', num(amount(b.amount, x.unit)), '', num(`${yuan(b.unit_price_fen)} / ${unitName(x.unit)}`), el('span', { className: `badge quota-status-${b.status}` }, bidStatusName(b.status)), b.note || ''],
      });
    }
  }
  const tradeRows = tr.trades.map((x) => ({
    props: { dataset: { id: String(x.id) } },
    cells: [String(x.id), fmtTime(x.settled_at), divName(x.seller), divName(x.buyer), kindName(x.kind), num(amount(x.amount, x.unit)), num(yuan(x.unit_price_fen)), num(yuan(x.total_fen)),
      num(`${yuan(x.compensation_fen)} (${(x.compensation_bp / 100).toFixed(2)}%)`), num(yuan(x.seller_net_fen)),
      el('span', {}, el('a', { href: `/api/quota/trades/${x.id}/statement`, target: '_blank', rel: 'noopener', className: 'quota-statement' }, t('quota.print')), ' ', el('a', { href: `/api/quota/trades/${x.id}/statement?format=xlsx` }, 'Excel'))],
  }));
  const capRows = caps.caps.map((c) => ({
    props: { dataset: { division: c.division, kind: c.kind } },
    cells: [divName(c.division), kindName(c.kind), num(`${fmtInt(c.bought)} / ${c.caps?.buyer_year === null || c.caps?.buyer_year === undefined ? t('quota.noCap') : fmtInt(c.caps.buyer_year)}`),
      num(`${fmtInt(c.sold)} / ${c.caps?.seller_year === null || c.caps?.seller_year === undefined ? t('quota.noCap') : fmtInt(c.caps.seller_year)}`),
      num(c.caps?.per_trade === null || c.caps?.per_trade === undefined ? t('quota.noCap') : fmtInt(c.caps.per_trade))],
  }));
  const fundBlocks = funds.funds.map((f) => el(
    'div',
    { className: 'quota-fund', dataset: { division: f.division } },
    el('p', {}, el('strong', {}, divName(f.division)), ' ', t('quota.fundLine', { receipts: yuan(f.receipts_fen), spending: yuan(f.spending_fen), balance: yuan(f.balance_fen) })),
    table([t('quota.time'), t('quota.fundType'), t('quota.yuan'), t('quota.fundFor')], f.entries.map((e) => [fmtTime(e.at), t(`quota.fund.${e.type}`), num(yuan(e.amount_fen)), e.project || (e.trade_id ? t('quota.fromTrade', { id: e.trade_id }) : '') || e.note || '']), { className: 'data' }),
  ));
  body.append(
    card('quota-listings', 'quota.listings', el('p', { className: 'hint' }, t('quota.listingsIntro')),
      listingRows.length ? table([t('quota.no'), t('quota.seller'), t('quota.kind'), t('quota.listed'), t('quota.remaining'), t('quota.reservePrice'), t('quota.status'), t('quota.note')], listingRows, { className: 'data', id: 'quota-listings-table' }) : el('p', { className: 'empty' }, t('quota.noListings'))),
    card('quota-trades', 'quota.trades', el('p', { className: 'hint' }, t('quota.tradesIntro')),
      tradeRows.length ? table([t('quota.no'), t('quota.time'), t('quota.seller'), t('quota.buyer'), t('quota.kind'), t('quota.amount'), t('quota.unitPrice'), t('quota.total'), t('quota.compensation'), t('quota.net'), t('quota.statement')], tradeRows, { className: 'data', id: 'quota-trades-table' }) : el('p', { className: 'empty' }, t('quota.noTrades')),
      el('p', {}, el('a', { href: `/api/quota/statements?year=${year}`, target: '_blank', rel: 'noopener', id: 'quota-year-statement' }, t('quota.yearStatement', { year })), ' · ', el('a', { href: `/api/quota/statements?year=${year}&format=xlsx` }, 'Excel'))),
    card('quota-caps', 'quota.caps', el('p', { className: 'hint' }, t('quota.capsIntro', { year })),
      capRows.length ? table([t('quota.division'), t('quota.kind'), t('quota.boughtCap'), t('quota.soldCap'), t('quota.perTrade')], capRows, { className: 'data', id: 'quota-caps-table' }) : el('p', { className: 'empty' }, t('quota.noCaps'))),
    card('quota-funds', 'quota.funds', el('p', { className: 'hint' }, t('quota.fundsIntro')), fundBlocks.length ? fundBlocks : el('p', { className: 'empty' }, t('quota.noFunds'))),
  );
}

// ---- 飞地园区 -----------------------------------------------------------------------------

async function showEnclaves(body) {
  const list = await fetchJson('/api/quota/enclaves');
  const full = await Promise.all(list.enclaves.map((e) => fetchJson(`/api/quota/enclaves/${e.id}`)));
  quotaState.loaded = full;
  if (!full.length) {
    body.append(card('quota-enclaves', 'quota.enclaves', el('p', { className: 'empty' }, t('quota.noEnclaves'))));
    return;
  }
  for (const e of full) {
    const shares = (e.shares || []).map((s) => el('li', {}, t(s.to_year === null || s.to_year === undefined ? 'quota.shareOpen' : 'quota.shareYears', { from: s.from_year, to: s.to_year, source: s.source, host: s.host })));
    const costs = Object.entries(e.costs || {}).map(([k, v]) => el('li', {}, `${k}: ${partyName(v)}`));
    const settlements = (e.settlements || []).map((s) => ({
      props: { dataset: { year: String(s.year) } },
      cells: [String(s.year), `${s.source_share}:${s.host_share}`, num(yuan(s.tax_fen)), num(yuan(s.source_tax_fen)), num(yuan(s.host_tax_fen)), num(yuan(s.gdp_fen)), num(yuan(s.source_gdp_fen)), num(yuan(s.host_gdp_fen)), t(`quota.source.${s.figures_source === 'industry' ? 'industry' : 'recorded'}`)],
    }));
    const figures = (e.figures || []).filter((f) => !(e.settlements || []).some((s) => s.year === f.year)).map((f) => [String(f.year), num(yuan(f.tax_fen)), num(yuan(f.gdp_fen)), f.enterprises === null ? '—' : fmtInt(f.enterprises)]);
    body.append(card(`quota-enclave-${e.id}`, 'quota.enclave',
      el('h4', { className: 'quota-enclave-name' }, e.name),
      el('dl', { className: 'facts' },
        el('dt', {}, t('quota.source')), el('dd', {}, divName(e.source)),
        el('dt', {}, t('quota.host')), el('dd', {}, divName(e.host)),
        el('dt', {}, t('quota.quotaFrom')), el('dd', { dataset: { field: 'quota_from' } }, t(`quota.from.${e.quota_from}`)),
        el('dt', {}, t('quota.period')), el('dd', {}, e.end_year ? `${e.start_year}–${e.end_year}` : t('quota.since', { year: e.start_year })),
        el('dt', {}, t('quota.agreementNo')), el('dd', {}, e.agreement_no || '—'),
        el('dt', {}, t('quota.agreementFile')), el('dd', {}, e.file_id ? t('quota.filed', { id: e.file_id }) : '—'),
        el('dt', {}, t('quota.parkLayer')), el('dd', {}, e.park_layer ? el('a', { href: '#/map' }, e.park_layer) : '—'),
      ),
      el('div', { className: 'quota-two' },
        el('div', {}, el('h4', {}, t('quota.shares')), el('ul', {}, shares)),
        el('div', {}, el('h4', {}, t('quota.costs')), costs.length ? el('ul', {}, costs) : el('p', { className: 'empty' }, '—'))),
      el('h4', {}, t('quota.settlements')),
      settlements.length ? table([t('quota.yearCol'), t('quota.ratio'), t('quota.tax'), t('quota.sourceTax'), t('quota.hostTax'), t('quota.gdp'), t('quota.sourceGdp'), t('quota.hostGdp'), t('quota.figuresSource')], settlements, { className: 'data quota-settlements' }) : el('p', { className: 'empty' }, t('quota.noSettlements')),
      figures.length ? el('div', {}, el('h4', {}, t('quota.pendingFigures')), table([t('quota.yearCol'), t('quota.tax'), t('quota.gdp'), t('quota.enterprises')], figures, { className: 'data' })) : '',
      (e.cases || []).length ? el('p', { className: 'hint' }, t('quota.parkCases', { codes: e.cases.map((c) => c.code).join('、') })) : '',
    ));
  }
}

// ---- The page ------------------------------------------------------------------------------

function wire() {
  if (wired) return;
  wired = true;
  document.addEventListener('landgov:lang', () => {
    if (!$('page-quota').hidden) show(quotaState.tab === 'dashboard' ? undefined : quotaState.tab).catch((err) => console.error(err));
  });
}

export async function show(param) {
  wire();
  const tab = TABS.includes(param) ? param : 'dashboard';
  quotaState.tab = tab;
  renderTabs();
  const body = $('quota-body');
  body.textContent = '';
  body.dataset.tab = tab;
  if (!may('quota', 'read')) {
    body.append(el('p', { className: 'empty', id: 'quota-denied' }, t('quota.denied')));
    body.dataset.ready = tab;
    return;
  }
  body.setAttribute('aria-busy', 'true');
  try {
    await loadKinds();
    if (tab === 'dashboard') await showDashboard(body);
    else if (tab === 'balances') await showBalances(body);
    else if (tab === 'movements') await showMovements(body);
    else if (tab === 'market') await showMarket(body);
    else await showEnclaves(body);
  } catch (err) {
    body.append(errorBox(err));
  } finally {
    body.removeAttribute('aria-busy');
    body.dataset.ready = tab;
  }
}
