/// The dashboard's one page: HTML, CSS and a script that polls `/api/dashboard` and draws
/// it (charts as inline SVG). Self-contained — no CDN, no font, nothing fetched but the
/// host's own JSON — so it works on a host without internet.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Synod dashboard</title>
        <style>
        :root { --fg:#1d2330; --muted:#6b7280; --line:#e5e7eb; --bg:#f7f8fa; --card:#fff;
                --ok:#15803d; --bad:#b91c1c; --miss:#a16207; }
        * { box-sizing: border-box; }
        body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
        header { display:flex; align-items:baseline; gap:1.5em; padding:12px 20px; background:#111827; color:#f9fafb; }
        header h1 { font-size:18px; margin:0; }
        header span { color:#cbd5e1; }
        main { padding:16px 20px; display:grid; gap:16px; }
        section.subnet { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
        section.subnet h2 { margin:0 0 6px; font-size:16px; }
        .facts { color:var(--muted); display:flex; flex-wrap:wrap; gap:0 1.4em; margin-bottom:8px; }
        .grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap:14px; }
        h3 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:10px 0 4px; }
        table { border-collapse:collapse; width:100%; font-variant-numeric: tabular-nums; }
        th, td { text-align:left; padding:3px 8px 3px 0; border-bottom:1px solid var(--line); vertical-align:top; }
        th { font-weight:600; color:var(--muted); font-size:12px; }
        td.num, th.num { text-align:right; }
        .valid { color:var(--ok); } .invalid { color:var(--bad); } .missing { color:var(--miss); }
        .rejected, .rolled-back, .suspect { color:var(--bad); }
        .note { color:var(--muted); margin:2px 0; } .note.bad { color:var(--bad); }
        code { font-size:12px; }
        svg { width:100%; height:150px; background:#fbfbfc; border:1px solid var(--line); border-radius:4px; }
        .legend { display:flex; flex-wrap:wrap; gap:0 10px; font-size:12px; color:var(--muted); }
        .legend i { display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }
        .bar { display:inline-block; height:8px; background:#6366f1; border-radius:2px; vertical-align:middle; }
        #error { color:var(--bad); padding:0 20px; }
        </style>
        </head>
        <body data-state="loading">
        <header><h1>Synod</h1><span id="head">connecting…</span><span id="updated"></span></header>
        <div id="error"></div>
        <main id="subnets"></main>
        <script>
        "use strict";
        const colors = ["#2563eb","#dc2626","#16a34a","#d97706","#7c3aed","#0891b2","#db2777","#4b5563","#65a30d","#9333ea"];
        const el = (tag, attrs = {}, ...children) => {
          const node = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
          for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
          return node;
        };
        const short = k => k.length > 14 ? k.slice(0, 6) + "…" + k.slice(-4) : k;
        const num = (x, d = 4) => x === null || x === undefined ? "–" : Number(x).toFixed(d);
        const tao = rao => (rao / 1e9).toFixed(3) + " τ";
        const bytes = b => b >= 1048576 ? (b / 1048576).toFixed(1) + " MiB" : b >= 1024 ? (b / 1024).toFixed(1) + " KiB" : b + " B";

        function table(headers, rows, cls) {
          const t = el("table", cls ? {class: cls} : {});
          t.append(el("thead", {}, el("tr", {}, ...headers.map(h => el("th", h.num ? {class: "num"} : {}, h.label || h)))));
          const body = el("tbody");
          for (const r of rows) body.append(el("tr", {}, ...r.map((c, i) => {
            const td = el("td", headers[i].num ? {class: "num"} : {});
            td.append(c instanceof Node ? c : document.createTextNode(String(c)));
            return td;
          })));
          t.append(body);
          return t;
        }

        // One line per UID over the epochs; the y axis from 0 to the largest value.
        function chart(kind, epochs) {
          const box = el("div", {class: "chart chart-" + kind});
          const uids = Math.max(0, ...epochs.map(e => e[kind].length));
          // Shares are fractions of 1: the axis goes a little above the largest, to 1 at most.
          const max = Math.min(1, Math.max(1e-9, ...epochs.flatMap(e => e[kind])) * 1.25);
          const ns = "http://www.w3.org/2000/svg";
          const svg = document.createElementNS(ns, "svg");
          svg.setAttribute("viewBox", "0 0 400 150");
          svg.setAttribute("preserveAspectRatio", "none");
          const legend = el("div", {class: "legend"});
          for (let uid = 0; uid < uids; uid++) {
            const values = epochs.map(e => e[kind][uid] || 0);
            if (!values.some(v => v > 0)) continue;
            const color = colors[uid % colors.length];
            const n = Math.max(1, epochs.length - 1);
            const points = values.map((v, i) => `${(i / n * 396 + 2).toFixed(1)},${(146 - v / max * 140).toFixed(1)}`);
            if (points.length === 1) points.push(points[0].replace(/^[^,]+/, "398"));
            const line = document.createElementNS(ns, "polyline");
            line.setAttribute("points", points.join(" "));
            line.setAttribute("fill", "none");
            line.setAttribute("stroke", color);
            line.setAttribute("stroke-width", "2");
            line.setAttribute("vector-effect", "non-scaling-stroke");
            line.setAttribute("data-uid", uid);
            svg.append(line);
            const i = el("i"); i.style.background = color;
            legend.append(el("span", {}, i, "uid " + uid + " " + num(values[values.length - 1], 3)));
          }
          const first = epochs.length ? epochs[0].block : "–", last = epochs.length ? epochs[epochs.length - 1].block : "–";
          box.append(el("h3", {}, kind + " per UID · blocks " + first + "–" + last + " · axis 0–" + num(max, 3)), svg, legend);
          return box;
        }

        function subnet(s) {
          const st = s.status, cost = st.cost;
          const sec = el("section", {class: "subnet", "data-netuid": st.netuid});
          const running = st.running ? st.running.sha256.slice(0, 12) + " (" + st.running.outcome + ")" : "none";
          sec.append(el("h2", {}, "subnet " + st.netuid + " · " + st.name));
          sec.append(el("div", {class: "facts"},
            el("span", {}, "plugin " + (st.plugin || "–")), el("span", {}, "running " + running),
            el("span", {}, st.uids + " UIDs, " + st.serving + " serving"), el("span", {}, "tempo " + st.tempo),
            el("span", {}, st.epochs + " epochs"), el("span", {}, "emitted " + tao(st.emitted_rao)),
            el("span", {class: "cost"}, "CPU " + num(cost.cpu_seconds_per_epoch) + " s/epoch · " + num(cost.joules_per_epoch, 3) + " J/epoch")));
          for (const note of st.notes) {
            const bad = /rejected|rolled back|quarantined|refused/.test(note);
            sec.append(el("div", {class: bad ? "note bad" : "note"}, note));
          }
          const grid = el("div", {class: "grid"});
          grid.append(chart("incentive", s.epochs), chart("dividends", s.epochs));

          const validators = s.activity.validators.map(v => v.hotkey);
          const miners = el("div", {class: "miners"}, el("h3", {}, "miners · last answer to each validator"));
          miners.append(table(["uid", "hotkey", ...validators.map(short)], s.activity.miners.map(m => [
            m.uid, short(m.hotkey), ...validators.map(v => {
              const a = m.answers.find(x => x.validator === v);
              if (!a) return "–";
              const span = el("span", {class: a.outcome, title: a.reason || a.status},
                a.outcome + (a.latency_seconds != null ? " " + (a.latency_seconds * 1000).toFixed(0) + " ms" : "") + " · " + num(a.score, 3));
              return span;
            })])));
          grid.append(miners);

          const weights = el("div", {class: "validators"}, el("h3", {}, "validators · last weights"));
          weights.append(table(["validator", {label: "block", num: true}, "outcome", "weights"], s.activity.validators.map(v => {
            const cell = el("div");
            for (const w of v.weights) {
              const bar = el("span", {class: "bar"}); bar.style.width = Math.max(1, w.weight * 80) + "px";
              cell.append(el("div", {}, "uid " + w.uid + " ", bar, " " + num(w.weight, 3)));
            }
            return [short(v.hotkey), v.block, v.outcome, cell];
          })));
          grid.append(weights);

          const costs = el("div", {class: "costs"}, el("h3", {}, "cost · " + cost.epochs + " epochs · " + num(cost.cpu_seconds, 3) + " CPU s · " + num(cost.joules, 2) + " J"));
          costs.append(table(["hook", {label: "calls", num: true}, {label: "CPU s", num: true}, {label: "ms/call", num: true},
            {label: "instructions", num: true}, {label: "peak memory", num: true}],
            cost.hooks.map(h => [h.hook, h.calls, num(h.cpu_seconds), num(h.cpu_seconds_per_call * 1000, 3), h.instructions, bytes(h.peak_memory_bytes)])));
          const a = cost.answers;
          costs.append(el("div", {class: "facts"},
            el("span", {}, a.answered + " answers, " + a.missing + " missing"),
            el("span", {}, "latency " + (a.mean_latency_seconds != null ? (a.mean_latency_seconds * 1000).toFixed(1) + " ms mean" : "–")),
            el("span", {}, "mean " + (a.mean_bytes != null ? bytes(Math.round(a.mean_bytes)) : "–")),
            el("span", {}, num(a.joules_per_answer, 5) + " J/answer")));
          grid.append(costs);

          const versions = el("div", {class: "versions"}, el("h3", {}, "plugin versions · newest first"));
          versions.append(table(["at", "outcome", "sha256", "why"], st.versions.slice().reverse().slice(0, 12).map(v =>
            [v.at.replace("T", " ").replace("Z", ""), el("span", {class: v.outcome}, v.outcome), el("code", {}, v.sha256.slice(0, 12)), v.message])));
          grid.append(versions);
          sec.append(grid);
          return sec;
        }

        let refreshes = 0;
        async function refresh() {
          try {
            // `#netuid=1,5` in the address shows those subnets only (a host of many subnets).
            const chosen = (location.hash.match(/netuid=([0-9,]+)/) || [])[1];
            const response = await fetch("/api/dashboard" + (chosen ? "?netuid=" + chosen : ""), {cache: "no-store"});
            if (!response.ok) throw new Error("HTTP " + response.status);
            const data = await response.json();
            document.getElementById("head").textContent = "block " + data.head + " · " + data.subnets.length + " subnets";
            document.getElementById("updated").textContent = "updated " + data.generated_at;
            document.getElementById("subnets").replaceChildren(...data.subnets.map(subnet));
            document.getElementById("error").textContent = "";
            document.body.dataset.state = "live";
            document.body.dataset.head = data.head;
            document.body.dataset.refreshes = ++refreshes;
          } catch (e) {
            document.getElementById("error").textContent = "cannot reach the host: " + e.message + " (retrying)";
            document.body.dataset.state = "offline";
          }
        }
        refresh();
        setInterval(refresh, 2000);
        window.addEventListener("hashchange", refresh);
        </script>
        </body>
        </html>
        """#
}
