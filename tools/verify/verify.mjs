/*
 * The landgov ledger verifier that needs nothing of landgov: it checks
 * that an entry of a bureau's approval ledger (区块链存证) is in the log a
 * signed checkpoint commits to. Plain JavaScript over the browser's (or
 * node's) WebCrypto: SHA-256 and Ed25519, nothing else.
 *
 * What it checks, and against which specifications:
 *   - the checkpoint: a C2SP signed note (https://c2sp.org/signed-note)
 *     whose text is a C2SP checkpoint (https://c2sp.org/tlog-checkpoint),
 *     signed by the Ed25519 key you trust (key id = SHA-256(name || "\n" ||
 *     0x01 || key)[:4]); a witness cosignature (type 0x04,
 *     https://c2sp.org/tlog-cosignature) can be checked the same way;
 *   - the entry: leaf hash SHA-256(0x00 || entry) and its inclusion proof
 *     up to the checkpoint's root (RFC 9162, section 2.1.3.2);
 *   - optionally, a consistency proof between two checkpoints (RFC 9162,
 *     section 2.1.4.2).
 *
 * Written as a classic script that also loads as an ES module, so that the
 * page (verify.html) works when opened straight from disk: everything is
 * on globalThis.LandgovVerify.
 */
(function () {
  'use strict';
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  const te = new TextEncoder();

  class VerifyError extends Error {}
  const fail = (msg) => {
    throw new VerifyError(msg);
  };

  function b64decode(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4)
      fail(`"${String(s).slice(0, 60)}" 不是标准 base64`);
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64encode(b) {
    let s = '';
    for (const x of b) s += String.fromCharCode(x);
    return btoa(s);
  }
  function concat(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  async function sha256(...parts) {
    if (!subtle) fail('此环境没有 WebCrypto (crypto.subtle); 请用 https 或本地文件打开');
    return new Uint8Array(await subtle.digest('SHA-256', concat(...parts)));
  }

  /* RFC 9162 2.1.1 */
  const leafHash = (entry) =>
    sha256(new Uint8Array([0]), typeof entry === 'string' ? te.encode(entry) : entry);
  const nodeHash = (l, r) => sha256(new Uint8Array([1]), l, r);

  /* RFC 9162 2.1.3.2 */
  async function verifyInclusion(index, size, leaf, proof, root) {
    index = BigInt(index);
    size = BigInt(size);
    if (index >= size) fail(`条目序号 ${index} 不在大小为 ${size} 的树中`);
    let fn = index,
      sn = size - 1n,
      r = leaf;
    for (const p of proof) {
      if (sn === 0n) fail('包含证明过长');
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n)
          while ((fn & 1n) === 0n && fn !== 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail('包含证明过短');
    if (!equal(r, root)) fail('由条目和包含证明算出的根哈希与检查点的根哈希不符: 条目不在此日志中, 或已被改动');
  }

  /* RFC 9162 2.1.4.2 */
  async function verifyConsistency(size1, size2, root1, root2, proof) {
    size1 = BigInt(size1);
    size2 = BigInt(size2);
    if (size2 < size1) fail('新树比旧树小');
    if (size1 === size2) {
      if (proof.length) fail('大小相同的两棵树的一致性证明应为空');
      if (!equal(root1, root2)) fail('大小相同的两棵树根哈希不同: 日志分叉');
      return;
    }
    if (size1 === 0n) {
      if (proof.length) fail('从空树出发的一致性证明应为空');
      return;
    }
    if (!proof.length) fail('一致性证明为空');
    const c = (size1 & (size1 - 1n)) === 0n ? [root1, ...proof] : [...proof];
    let fn = size1 - 1n,
      sn = size2 - 1n;
    while ((fn & 1n) === 1n) {
      fn >>= 1n;
      sn >>= 1n;
    }
    let fr = c[0],
      sr = c[0];
    for (const x of c.slice(1)) {
      if (sn === 0n) fail('一致性证明过长');
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(x, fr);
        sr = await nodeHash(x, sr);
        if ((fn & 1n) === 0n)
          while ((fn & 1n) === 0n && fn !== 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
      } else {
        sr = await nodeHash(sr, x);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail('一致性证明过短');
    if (!equal(fr, root1)) fail('一致性证明与旧检查点不符: 日志分叉');
    if (!equal(sr, root2)) fail('新检查点不是旧检查点的延续 (分叉), 或一致性证明有误');
  }

  /* Verifier keys: "<name>+<key id hex>+<base64(type || key)>". */
  async function keyId(name, type, pub) {
    const h = await sha256(te.encode(name), new Uint8Array([0x0a, type]), pub);
    return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  }
  async function parseVkey(vkey) {
    const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+(.+)$/.exec(String(vkey).trim());
    if (!m) fail('公钥格式不对: 应为 名称+8位十六进制编号+base64 公钥');
    const raw = b64decode(m[3]);
    if (raw.length !== 33) fail('公钥长度不对 (应为 1 字节类型 + 32 字节 Ed25519 公钥)');
    const type = raw[0];
    if (type !== 0x01 && type !== 0x04) fail(`不支持的签名类型 0x${type.toString(16)}`);
    const pub = raw.slice(1);
    const id = await keyId(m[1], type, pub);
    if (id !== parseInt(m[2], 16)) fail('公钥编号与公钥本身不符');
    return { name: m[1], type, id, pub };
  }

  async function ed25519Verify(pub, sig, msg) {
    let key;
    try {
      key = await subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      fail('此浏览器的 WebCrypto 不支持 Ed25519 (需要 Chromium 137+、Firefox 129+、Safari 17+ 或 node 20+)');
    }
    return subtle.verify({ name: 'Ed25519' }, key, sig, msg);
  }

  /* Parses a checkpoint note and checks the signature of vkey on it. */
  async function openCheckpoint(note, vkey) {
    const k = await parseVkey(vkey);
    if (typeof note !== 'string' || !note.endsWith('\n')) fail('检查点不是以换行结束的签名文本');
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) fail('检查点含有换行以外的控制字符');
    const sep = note.lastIndexOf('\n\n');
    if (sep <= 0) fail('检查点缺少正文与签名之间的空行');
    const text = note.slice(0, sep + 1);
    const lines = text.split('\n');
    if (lines.length < 4) fail('检查点正文少于三行 (名称、大小、根哈希)');
    const [origin, sizeStr, rootB64] = lines;
    if (!origin) fail('检查点第 1 行 (日志名称) 为空');
    if (!/^(0|[1-9][0-9]{0,18})$/.test(sizeStr)) fail(`检查点第 2 行 "${sizeStr}" 不是树大小`);
    const root = b64decode(rootB64);
    if (root.length !== 32) fail('检查点第 3 行不是 32 字节的根哈希');
    if (k.type === 0x01 && origin !== k.name) fail(`检查点来自日志 ${origin}, 而公钥属于 ${k.name}`);
    const textBytes = te.encode(text);
    let found = false;
    for (const line of note.slice(sep + 2).split('\n').slice(0, -1)) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) fail(`签名行格式不对: "${line.slice(0, 60)}"`);
      const sig = b64decode(m[2]);
      if (sig.length < 4) fail('签名过短');
      const id = ((sig[0] << 24) | (sig[1] << 16) | (sig[2] << 8) | sig[3]) >>> 0;
      if (m[1] !== k.name || id !== k.id) continue; /* other keys' signatures are ignored */
      found = true;
      let ok;
      if (k.type === 0x01) {
        ok = sig.length === 68 && (await ed25519Verify(k.pub, sig.slice(4), textBytes));
      } else {
        let t = 0n;
        for (let i = 4; i < 12; i++) t = (t << 8n) | BigInt(sig[i]);
        const msg = concat(te.encode(`cosignature/v1\ntime ${t}\n`), textBytes);
        ok = sig.length === 76 && (await ed25519Verify(k.pub, sig.slice(12), msg));
      }
      if (!ok) fail(`检查点上 ${k.name} 的签名无效: 检查点被改动, 或不是此密钥所签`);
    }
    if (!found) fail(`检查点上没有 ${k.name} 的签名`);
    return { origin, size: BigInt(sizeStr), root, text };
  }

  /* Checks an inclusion bundle (landgov ledger prove N --json, or
   * GET /api/ledger/entries/{n}) against a key you trust. */
  async function verifyBundle(bundle, trustedVkey) {
    if (typeof bundle === 'string') bundle = JSON.parse(bundle);
    if (!bundle || typeof bundle.entry !== 'string') fail('证明包中没有条目 (entry)');
    if (!bundle.checkpoint) fail('证明包中没有签名的检查点 (checkpoint)');
    const cp = await openCheckpoint(bundle.checkpoint, trustedVkey);
    if (BigInt(bundle.size) !== cp.size) fail('证明包的树大小与检查点不符');
    const leaf = await leafHash(bundle.entry);
    if (bundle.leaf_hash && b64encode(leaf) !== bundle.leaf_hash) fail('条目内容与证明包中的叶哈希不符');
    const proof = (bundle.proof || []).map(b64decode);
    if (proof.some((p) => p.length !== 32)) fail('证明中有不是 32 字节的哈希');
    await verifyInclusion(bundle.index, cp.size, leaf, proof, cp.root);
    let entry = null;
    try {
      entry = JSON.parse(bundle.entry);
    } catch (e) {
      entry = null;
    }
    return { origin: cp.origin, size: cp.size, index: BigInt(bundle.index), entry };
  }

  globalThis.LandgovVerify = {
    VerifyError,
    leafHash,
    nodeHash,
    verifyInclusion,
    verifyConsistency,
    parseVkey,
    openCheckpoint,
    verifyBundle,
    b64decode,
    b64encode,
  };
})();
