import type { MeshSnapshot } from './snapshot.js';

/**
 * The status page as one self-contained HTML document: semantic tables with captions and header
 * scopes, text (not colour alone) for every state, system fonts, high contrast, no script, no
 * auto-refresh (WCAG 2.2.1); a plain link reloads it.
 */
export function renderStatusPage(snapshot: MeshSnapshot): string {
  const serviceRows = snapshot.services.length
    ? snapshot.services
        .map(
          (s) => `<tr><th scope="row">${esc(s.name)}</th><td>${esc(s.description)}</td>
<td class="${s.health === 'SERVING' ? 'ok' : 'bad'}">${esc(s.health)}</td><td>${esc(s.runs)}</td><td><code>${esc(s.grpcAddress)}</code></td>
<td>${s.httpUrl ? `<a href="${esc(s.httpUrl)}">${esc(s.httpUrl)}</a>` : '—'}</td>
<td>${list(s.publishes)}</td><td>${list(s.consumes)}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="8">No services are registered yet.</td></tr>';
  const topicRows = snapshot.topics
    .map(
      (
        t,
      ) => `<tr><th scope="row"><code>${esc(t.name)}</code></th><td>${esc(t.owner)}</td><td><code>${esc(t.messageType)}</code></td>
<td class="num">${t.partitions}</td><td class="num">${t.retained}</td><td class="num">${t.appended}</td><td>${esc(t.description)}</td></tr>`,
    )
    .join('\n');
  const deadLetters = snapshot.deadLetterTopics.length
    ? `<ul>${snapshot.deadLetterTopics.map((t) => `<li><code>${esc(t.name)}</code>: ${t.retained} message(s) waiting</li>`).join('')}</ul>`
    : '<p>No dead-letter topics: no consumer has given up on a message.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mobility mesh status</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 1.5rem; color: #111; background: #fff; }
  table { border-collapse: collapse; margin: 0 0 2rem; width: 100%; }
  caption { text-align: left; font-weight: 600; padding: .5rem 0; }
  th, td { border: 1px solid #767676; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  thead th { background: #e8e8e8; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #0a5d00; font-weight: 600; } .bad { color: #a00000; font-weight: 600; }
  a:focus, a:hover { outline: 3px solid #1a5fb4; }
  @media (prefers-color-scheme: dark) {
    body { color: #f2f2f2; background: #121212; } thead th { background: #2a2a2a; }
    .ok { color: #7fd67a; } .bad { color: #ff8a80; } th, td { border-color: #8a8a8a; }
  }
</style>
</head>
<body>
<header>
<h1>Mobility mesh status</h1>
<p>Mode: event bus <strong>${esc(snapshot.mode.bus)}</strong>, storage <strong>${esc(snapshot.mode.storage)}</strong>,
hot state <strong>${esc(snapshot.mode.hotState)}</strong>. Taken at <time datetime="${esc(snapshot.generatedAt)}">${esc(snapshot.generatedAt)}</time>.
<a href="/">Refresh</a> · <a href="/status.json">Same data as JSON</a></p>
</header>
<main>
<table>
<caption>Services (${snapshot.services.length})</caption>
<thead><tr><th scope="col">Service</th><th scope="col">Purpose</th><th scope="col">gRPC health</th><th scope="col">Runs</th><th scope="col">gRPC address</th><th scope="col">HTTP</th><th scope="col">Publishes</th><th scope="col">Consumes</th></tr></thead>
<tbody>
${serviceRows}
</tbody>
</table>
<table>
<caption>Topics of the contract catalogue (${snapshot.topics.length})</caption>
<thead><tr><th scope="col">Topic</th><th scope="col">Owner</th><th scope="col">Message</th><th scope="col" class="num">Partitions</th><th scope="col" class="num">Retained</th><th scope="col" class="num">Appended</th><th scope="col">Meaning</th></tr></thead>
<tbody>
${topicRows}
</tbody>
</table>
<h2>Dead letters</h2>
${deadLetters}
</main>
</body>
</html>
`;
}

function list(items: readonly string[]): string {
  return items.length ? items.map((item) => `<code>${esc(item)}</code>`).join('<br>') : '—';
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
