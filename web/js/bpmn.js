// bpmn-js for the case pages (the navigated viewer: the process diagram
// with pan and zoom) and the process modeler, from the project's
// node_modules through /vendor/ (its prebuilt bundles and stylesheets):
// nothing comes from the internet. The bundles are classic scripts that
// each set globalThis.BpmnJS; they are loaded one at a time, on first use
// only (the modeler is large), and each constructor is kept here so that
// loading one does not replace the other.

const DIST = '/vendor/bpmn-js/dist';
const STYLES = [`${DIST}/assets/diagram-js.css`, `${DIST}/assets/bpmn-js.css`, `${DIST}/assets/bpmn-font/css/bpmn.css`];

const loaded = {};
let chain = Promise.resolve(); // one bundle at a time: they share the global

function addStyles() {
  for (const href of STYLES) {
    if (document.querySelector(`link[href="${href}"]`)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
}

function loadBundle(file) {
  const run = () =>
    new Promise((resolve, reject) => {
      const before = globalThis.BpmnJS;
      const script = document.createElement('script');
      script.src = `${DIST}/${file}`;
      script.onload = () => {
        const ctor = globalThis.BpmnJS;
        globalThis.BpmnJS = before;
        if (typeof ctor === 'function') resolve(ctor);
        else reject(new Error(`${file}: BpmnJS missing`));
      };
      script.onerror = () => reject(new Error(`${file}: failed to load`));
      document.head.append(script);
    });
  const p = chain.then(run);
  chain = p.catch(() => {});
  return p;
}

/** The navigated viewer's constructor (shows a diagram, pan and zoom). */
export function viewerClass() {
  addStyles();
  if (!loaded.viewer) loaded.viewer = loadBundle('bpmn-navigated-viewer.production.min.js');
  return loaded.viewer;
}

/** The modeler's constructor (palette, context pad, editing). */
export function modelerClass() {
  addStyles();
  if (!loaded.modeler) loaded.modeler = loadBundle('bpmn-modeler.production.min.js');
  return loaded.modeler;
}

/** Markers of the case page's diagram, styled in app.css. */
export const MARK = { current: 'lg-current', done: 'lg-done', end: 'lg-end', error: 'lg-error' };
