/* report.js — the tables of pop3scan's HTML report: findings, services and changes, drawn from
 * the JSON block the page carries (src/report/report_html.c writes it; docs/report.md describes
 * it), a page of rows at a time, searchable and sortable over every record.
 *
 * Every string from the data is put into the page with textContent, never as markup, so no
 * server text can become an element or a script here. The page's Content-Security-Policy admits
 * this script by its hash and nothing else.
 */
(function () {
  'use strict';
  var node = document.getElementById('p3s-data');
  if (!node) return;
  var D = JSON.parse(node.textContent);
  var S = D.s, STATES = D.states, SEVS = D.sevs;
  var PAGE = 100;
  /* the columns of a record row (D.r) and of a change (D.c) */
  var TARGET = 0, IP = 1, PORT = 2, TLS = 3, STATE = 4, CONF = 5, GREETING = 6, PRODUCT = 7,
    PCONF = 8, TLSV = 9, DETAIL = 10, FSET = 11, MAXSEV = 12, CONNECT = 13, TOTAL = 14,
    STARTED = 15;
  var C_KIND = 0, C_TARGET = 1, C_IP = 2, C_PORT = 3, C_TLS = 4, C_OLD = 5, C_NEW = 6, C_NOTE = 7;
  var PCONF_NAMES = ['', 'guess', 'likely', 'certain'];

  function str(i) { return i >= 0 ? S[i] : ''; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function hostPort(target, ip, port, tls) {
    var host = ip >= 0 ? S[ip] : S[target];
    var s = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
    if (port) s += ':' + port;
    if (tls) s += ' tls';
    return s;
  }

  function addrOf(row) { return hostPort(row[TARGET], row[IP], row[PORT], row[TLS]); }

  /* The service cell: the address and port, and the target as named when it differs. */
  function addrCell(td, target, ip, port, tls) {
    td.appendChild(el('span', 'addr', hostPort(target, ip, port, tls)));
    if (ip >= 0 && S[target] !== S[ip]) td.appendChild(el('span', 'target', S[target]));
  }

  function sevBadge(sev) { return el('span', 'sev sev-' + SEVS[sev], SEVS[sev]); }

  function productText(row) {
    if (row[PRODUCT] < 0) return '';
    var c = PCONF_NAMES[row[PCONF]];
    return (c && c !== 'certain' ? c + ': ' : '') + S[row[PRODUCT]];
  }

  /* ---- findings, one item per finding of every record ---------------------------------- */
  var nF = 0, r, k;
  for (r = 0; r < D.r.length; r++)
    if (D.r[r][FSET] >= 0) nF += D.fs[D.r[r][FSET]].length / 2;
  var fRec = new Int32Array(nF), fDef = new Int32Array(nF), fEv = new Int32Array(nF);
  for (r = 0, nF = 0; r < D.r.length; r++) {
    var fs = D.r[r][FSET] >= 0 ? D.fs[D.r[r][FSET]] : [];
    for (k = 0; k < fs.length; k += 2, nF++) {
      fRec[nF] = r;
      fDef[nF] = fs[k];
      fEv[nF] = fs[k + 1];
    }
  }
  function defSev(f) { return D.fd[fDef[f]][1]; }
  function defId(f) { return str(D.fd[fDef[f]][0]); }

  /* ---- search text ------------------------------------------------------------------- */
  /* The strings of a record's details, once per distinct details (records share them). */
  var detailText = [];
  function collect(v, out) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (v && typeof v === 'object')
      for (var key in v) if (Object.prototype.hasOwnProperty.call(v, key)) collect(v[key], out);
  }
  function detailOf(d) {
    if (detailText[d] === undefined) {
      var out = [];
      collect(D.d[d], out);
      detailText[d] = out.join('\n').toLowerCase();
    }
    return detailText[d];
  }
  /* The words of a record's findings, once per distinct set. */
  var fsetText = [];
  function findingsOf(k) {
    if (fsetText[k] === undefined) {
      var fs = D.fs[k], out = [];
      for (var i = 0; i < fs.length; i += 2) {
        var d = D.fd[fs[i]];
        out.push(SEVS[d[1]], str(d[0]), str(d[2]), str(d[3]), str(fs[i + 1]));
      }
      fsetText[k] = out.join('\n').toLowerCase();
    }
    return fsetText[k];
  }
  function findingIds(row) {
    if (row[FSET] < 0) return '';
    var fs = D.fs[row[FSET]], ids = [];
    for (var i = 0; i < fs.length; i += 2) ids.push(str(D.fd[fs[i]][0]));
    return ids.join(' ');
  }

  function terms(input) {
    return input.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
  }

  /* ---- a table: filter, sort, show a page at a time ---------------------------------- */
  function Table(id, o) {
    this.id = id;
    this.o = o;
    this.table = document.getElementById(id + '-table');
    this.tbody = this.table.tBodies[0];
    this.search = document.getElementById(id + '-search');
    this.select = document.getElementById(id + '-select');
    this.count = document.getElementById(id + '-count');
    this.more = document.getElementById(id + '-more');
    this.all = document.getElementById(id + '-all');
    this.texts = new Array(o.n);
    this.sortKey = o.sortKey || null;
    this.sortDir = o.sortDir || 1;
    this.view = [];
    this.shown = PAGE;
    this.heads = Array.prototype.map.call(this.table.tHead.rows[0].cells, function (th) {
      return th.textContent;
    });
    var t = this;
    o.options.forEach(function (opt) {
      var e = el('option', null, opt[1]);
      e.value = opt[0];
      t.select.appendChild(e);
    });
    this.select.value = o.options[0][0];
    this.search.addEventListener('input', function () { t.apply(); });
    this.select.addEventListener('change', function () { t.apply(); });
    this.more.addEventListener('click', function () { t.shown += PAGE; t.render(); });
    this.all.addEventListener('click', function () { t.shown = t.view.length; t.render(); });
    Array.prototype.forEach.call(this.table.tHead.rows[0].cells, function (th) {
      th.querySelector('button').addEventListener('click', function () {
        var key = th.getAttribute('data-key');
        t.sortDir = t.sortKey === key ? -t.sortDir : 1;
        t.sortKey = key;
        t.apply();
      });
    });
  }

  Table.prototype.text = function (i) {
    if (this.texts[i] === undefined) this.texts[i] = this.o.text(i).toLowerCase();
    return this.texts[i];
  };

  Table.prototype.apply = function () {
    var t0 = performance.now(), o = this.o, want = terms(this.search), sel = this.select.value;
    var out = [];
    for (var i = 0; i < o.n; i++) {
      if (!o.pass(i, sel)) continue;
      var ok = true;
      for (var w = 0; w < want.length && ok; w++)
        ok = this.text(i).indexOf(want[w]) >= 0 || (o.more && o.more(i, want[w]));
      if (ok) out.push(i);
    }
    var key = this.sortKey, dir = this.sortDir, cmp = key && o.cmp[key];
    if (cmp) out.sort(function (a, b) { return dir * cmp(a, b) || a - b; });
    var t = this;
    Array.prototype.forEach.call(this.table.tHead.rows[0].cells, function (th) {
      var k = th.getAttribute('data-key');
      th.setAttribute('aria-sort', k !== key ? 'none' : dir > 0 ? 'ascending' : 'descending');
    });
    this.view = out;
    this.shown = PAGE;
    this.render();
    t.table.setAttribute('data-ms', (performance.now() - t0).toFixed(1));
  };

  Table.prototype.render = function () {
    var frag = document.createDocumentFragment(), n = Math.min(this.shown, this.view.length);
    for (var k = 0; k < n; k++) this.o.render(this.view[k], frag);
    /* each cell names its column: on a phone the rows become cards without a header row */
    for (var tr = frag.firstChild; tr; tr = tr.nextSibling)
      if (tr.className !== 'detail')
        for (var c = 0; c < tr.cells.length; c++) tr.cells[c].setAttribute('data-label', this.heads[c]);
    this.tbody.textContent = '';
    this.tbody.appendChild(frag);
    this.count.textContent = this.view.length + ' of ' + this.o.n + ' ' + this.o.noun;
    this.count.setAttribute('data-count', String(this.view.length));
    this.count.setAttribute('data-total', String(this.o.n));
    var left = this.view.length - n;
    this.more.hidden = left <= 0;
    this.all.hidden = left <= PAGE;
    this.more.textContent = 'Show ' + Math.min(PAGE, left) + ' more';
    this.all.textContent = 'Show all ' + this.view.length;
  };

  function byNumber(f) { return function (a, b) { return f(a) - f(b); }; }
  function byText(f) { return function (a, b) { var x = f(a), y = f(b); return x < y ? -1 : x > y ? 1 : 0; }; }

  /* ---- a record in full -------------------------------------------------------------- */
  var LABELS = {
    confidence: 'POP3 confidence', service: 'Service', greeting_truncated: 'Greeting cut',
    capabilities: 'Capabilities before TLS', capabilities_tls: 'Capabilities under TLS',
    sasl: 'SASL before TLS', sasl_tls: 'SASL under TLS', stls: 'STLS', tls: 'TLS',
    tls_error: 'TLS error', product: 'Product', ntlm: 'NTLM', plaintext_login: 'Cleartext login',
    unsolicited: 'Unsolicited lines', findings_withheld: 'Findings withheld', error: 'Error',
    certificate: 'Certificate', versions: 'Versions', injection: 'Injection check',
    evidence: 'Evidence', sources: 'Sources', conflict: 'Conflict', sans: 'Names',
    not_before: 'Not before', not_after: 'Not after', key_type: 'Key', key_bits: 'Key bits',
    sha256: 'SHA-256', self_signed: 'Self-signed', trusted: 'Trusted', verify_error: 'Verify error',
    name_matches: 'Name matches', cipher_bits: 'Cipher bits', cleartext_after_ok: 'Cleartext after +OK',
    cpe: 'CPE', os: 'OS', host: 'Host name', rule: 'Rule', note: 'Note'
  };
  function label(key) {
    if (LABELS[key]) return LABELS[key];
    var s = key.replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function value(v) {
    if (v === null || v === undefined) return el('span', 'none', '\u2014');
    if (typeof v === 'boolean') return el('span', v ? 'yes' : 'no', v ? 'yes' : 'no');
    if (typeof v === 'number') return el('span', 'num', String(v));
    if (typeof v === 'string') return el('span', 'sv', v);
    if (Array.isArray(v)) {
      if (v.length === 0) return el('span', 'none', '(none)');
      var list = el('ul', 'vals');
      v.forEach(function (x) {
        var li = el('li');
        li.appendChild(value(x));
        list.appendChild(li);
      });
      return list;
    }
    var dl = el('dl', 'rec');
    Object.keys(v).forEach(function (key) {
      dl.appendChild(el('dt', null, label(key)));
      var dd = el('dd');
      dd.appendChild(value(v[key]));
      dl.appendChild(dd);
    });
    return dl;
  }

  function record(i) {
    var row = D.r[i], box = el('div', 'record'), dl = el('dl', 'rec');
    function add(name, node) {
      dl.appendChild(el('dt', null, name));
      var dd = el('dd');
      dd.appendChild(typeof node === 'string' ? el('span', 'sv', node) : node);
      dl.appendChild(dd);
    }
    add('Target', S[row[TARGET]]);
    add('Address', row[IP] >= 0 ? S[row[IP]] : '\u2014');
    add('Port', (row[PORT] || '\u2014') + (row[TLS] ? ' (implicit TLS)' : ' (plain)'));
    add('State', STATES[row[STATE]] + (row[CONF] ? ', ' + ['', 'probable', 'confirmed'][row[CONF]] : ''));
    add('Greeting', row[GREETING] >= 0 ? value(S[row[GREETING]]) : value(null));
    var det = D.d[row[DETAIL]];
    Object.keys(det).forEach(function (key) { add(label(key), value(det[key])); });
    if (row[FSET] >= 0) {
      var fs = D.fs[row[FSET]], list = el('ul', 'vals');
      for (var k = 0; k < fs.length; k += 2) {
        var d = D.fd[fs[k]], li = el('li');
        li.appendChild(sevBadge(d[1]));
        li.appendChild(el('code', 'fid', str(d[0])));
        li.appendChild(document.createTextNode(' ' + str(d[2])));
        if (fs[k + 1] >= 0) {
          li.appendChild(el('br'));
          li.appendChild(el('span', 'sv', S[fs[k + 1]]));
        }
        list.appendChild(li);
      }
      add('Findings', list);
    } else {
      add('Findings', value([]));
    }
    if (row.length > STARTED && D.t0 !== undefined)
      add('Started', new Date(D.t0 + row[STARTED]).toISOString());
    add('Timing', (row[CONNECT] !== null ? 'connect ' + row[CONNECT] + ' ms, ' : '') +
      (row[TOTAL] !== null ? 'total ' + row[TOTAL] + ' ms' : ''));
    box.appendChild(dl);
    return box;
  }

  /* ---- the three tables -------------------------------------------------------------- */
  var services, findings, changes;

  function stateOptions() {
    var counts = STATES.map(function () { return 0; });
    D.r.forEach(function (row) { counts[row[STATE]]++; });
    var opts = [];
    if (counts[0]) opts.push(['pop3', 'POP3 services (' + counts[0] + ')']);
    opts.push(['all', 'All records (' + D.r.length + ')']);
    STATES.forEach(function (s, i) { if (i && counts[i]) opts.push([s, s + ' (' + counts[i] + ')']); });
    return opts;
  }

  var open = {}; /* services shown in full, by row */
  function serviceRow(i, frag) {
    var row = D.r[i], tr = el('tr'), td = el('td', 'c-addr');
    var btn = el('button', 'expand', open[i] ? '\u25be' : '\u25b8');
    btn.type = 'button';
    btn.setAttribute('aria-expanded', open[i] ? 'true' : 'false');
    btn.setAttribute('aria-label', 'Full record of ' + addrOf(row));
    btn.addEventListener('click', function () {
      if (open[i]) delete open[i]; else open[i] = true;
      services.render();
    });
    td.appendChild(btn);
    addrCell(td, row[TARGET], row[IP], row[PORT], row[TLS]);
    tr.appendChild(td);
    tr.appendChild(el('td', 'c-state', STATES[row[STATE]] + (row[CONF] === 2 ? '' : row[CONF] === 1 ? ' (probable)' : '')));
    tr.appendChild(el('td', 'c-product', productText(row)));
    tr.appendChild(el('td', 'c-tls', str(row[TLSV])));
    var f = el('td', 'c-sev');
    if (row[MAXSEV]) {
      f.appendChild(sevBadge(row[MAXSEV] - 1));
      f.appendChild(document.createTextNode(' ' + D.fs[row[FSET]].length / 2));
    }
    tr.appendChild(f);
    tr.appendChild(el('td', 'c-greeting sv', str(row[GREETING])));
    frag.appendChild(tr);
    if (open[i]) {
      var dtr = el('tr', 'detail'), dtd = el('td');
      dtd.colSpan = 6;
      dtd.appendChild(record(i));
      dtr.appendChild(dtd);
      frag.appendChild(dtr);
    }
  }

  services = new Table('s', {
    n: D.r.length, noun: 'records', options: stateOptions(),
    pass: function (i, sel) { return sel === 'all' || STATES[D.r[i][STATE]] === sel; },
    text: function (i) {
      var row = D.r[i];
      return [addrOf(row), S[row[TARGET]], STATES[row[STATE]], productText(row),
        str(row[GREETING]), str(row[TLSV]), findingIds(row)].join('\n');
    },
    more: function (i, word) {
      var row = D.r[i];
      return detailOf(row[DETAIL]).indexOf(word) >= 0 ||
        (row[FSET] >= 0 && findingsOf(row[FSET]).indexOf(word) >= 0);
    },
    cmp: {
      addr: function (a, b) { return a - b; },
      state: byNumber(function (i) { return D.r[i][STATE]; }),
      product: byText(function (i) { return productText(D.r[i]).toLowerCase(); }),
      tls: byText(function (i) { return str(D.r[i][TLSV]); }),
      sev: byNumber(function (i) { return D.r[i][MAXSEV]; }),
      greeting: byText(function (i) { return str(D.r[i][GREETING]); })
    },
    render: serviceRow
  });

  function showService(i) {
    services.search.value = addrOf(D.r[i]);
    services.select.value = 'all';
    open[i] = true;
    services.apply();
    services.table.scrollIntoView();
  }

  findings = new Table('f', {
    n: nF, noun: 'findings', sortKey: 'sev', sortDir: -1,
    options: [['all', 'All severities']].concat([3, 2, 1, 0].map(function (s) {
      return [String(s), SEVS[s] + ' only'];
    })),
    pass: function (f, sel) { return sel === 'all' || String(defSev(f)) === sel; },
    text: function (f) {
      var d = D.fd[fDef[f]], row = D.r[fRec[f]];
      return [SEVS[d[1]], str(d[0]), str(d[2]), addrOf(row), S[row[TARGET]], str(fEv[f])].join('\n');
    },
    cmp: {
      sev: byNumber(defSev),
      id: byText(defId),
      addr: byNumber(function (f) { return fRec[f]; }),
      evidence: byText(function (f) { return str(fEv[f]); }),
      remediation: byText(function (f) { return str(D.fd[fDef[f]][3]); })
    },
    render: function (f, frag) {
      var d = D.fd[fDef[f]], row = D.r[fRec[f]], tr = el('tr'), td;
      td = el('td', 'c-sev');
      td.appendChild(sevBadge(d[1]));
      tr.appendChild(td);
      td = el('td', 'c-id');
      td.appendChild(el('code', 'fid', str(d[0])));
      td.appendChild(el('span', 'title', str(d[2])));
      tr.appendChild(td);
      td = el('td', 'c-addr');
      var go = el('button', 'link');
      go.type = 'button';
      go.title = 'Show this service';
      addrCell(go, row[TARGET], row[IP], row[PORT], row[TLS]);
      go.addEventListener('click', function () { showService(fRec[f]); });
      td.appendChild(go);
      tr.appendChild(td);
      tr.appendChild(el('td', 'c-evidence sv', str(fEv[f])));
      tr.appendChild(el('td', 'c-remediation', str(d[3])));
      frag.appendChild(tr);
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll('button.kind'), function (b) {
    b.addEventListener('click', function () {
      findings.search.value = b.getAttribute('data-fid');
      findings.select.value = 'all';
      findings.apply();
      findings.table.scrollIntoView();
    });
  });

  if (document.getElementById('c-table')) {
    var kinds = {};
    D.c.forEach(function (c) { kinds[S[c[C_KIND]]] = (kinds[S[c[C_KIND]]] || 0) + 1; });
    changes = new Table('c', {
      n: D.c.length, noun: 'changes',
      options: [['all', 'All changes']].concat(Object.keys(kinds).sort().map(function (k) {
        return [k, k + ' (' + kinds[k] + ')'];
      })),
      pass: function (i, sel) { return sel === 'all' || S[D.c[i][C_KIND]] === sel; },
      text: function (i) {
        var c = D.c[i];
        return [S[c[C_KIND]], hostPort(c[C_TARGET], c[C_IP], c[C_PORT], c[C_TLS]), S[c[C_TARGET]],
          str(c[C_OLD]), str(c[C_NEW]), str(c[C_NOTE])].join('\n');
      },
      cmp: {
        kind: byText(function (i) { return S[D.c[i][C_KIND]]; }),
        addr: function (a, b) { return a - b; },
        old: byText(function (i) { return str(D.c[i][C_OLD]); }),
        new: byText(function (i) { return str(D.c[i][C_NEW]); }),
        note: byText(function (i) { return str(D.c[i][C_NOTE]); })
      },
      render: function (i, frag) {
        var c = D.c[i], tr = el('tr'), td = el('td', 'c-addr');
        tr.appendChild(el('td', 'c-kind', S[c[C_KIND]]));
        addrCell(td, c[C_TARGET], c[C_IP], c[C_PORT], c[C_TLS]);
        tr.appendChild(td);
        tr.appendChild(el('td', 'c-old sv', str(c[C_OLD])));
        tr.appendChild(el('td', 'c-new sv', str(c[C_NEW])));
        tr.appendChild(el('td', 'c-note sv', str(c[C_NOTE])));
        frag.appendChild(tr);
      }
    });
    changes.apply();
  }
  findings.apply();
  services.apply();
  document.documentElement.setAttribute('data-ready', performance.now().toFixed(1));
})();
