#!/usr/bin/env node
/*
 * Command-line front of the standalone verifier (verify.mjs), for node 20
 * and later:
 *   node tools/verify/cli.mjs --key 'name+id+base64' bundle.json
 * bundle.json is what `landgov ledger prove N --json` prints or
 * GET /api/ledger/entries/{n} returns. The key must come from a channel
 * you trust, not from the bundle. Exit status 0 when the entry is proven.
 */
import { readFileSync } from 'node:fs';
import './verify.mjs';

const V = globalThis.LandgovVerify;
const args = process.argv.slice(2);
const k = args.indexOf('--key');
const key = k >= 0 ? args[k + 1] : null;
const file = args.filter((a, i) => a !== '--key' && i !== k + 1)[0];
if (!key || !file) {
  console.error('用法: node cli.mjs --key 公钥 证明包.json');
  process.exit(2);
}
try {
  const r = await V.verifyBundle(readFileSync(file, 'utf8'), key);
  console.log(`已核验: 日志 ${r.origin} 的第 ${r.index} 号条目包含在大小为 ${r.size} 的已签名检查点中`);
  if (r.entry) console.log(JSON.stringify(r.entry, null, 2));
} catch (e) {
  console.error(`核验失败: ${e.message}`);
  process.exit(1);
}
