// A browsable API reference rendered on the server from the route table (no CDN, no build step).
import Handlebars from 'handlebars';
import type { RegisteredRoute } from './route';

const template = Handlebars.compile(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenCIS API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1d2733}
h1{margin-bottom:.2rem} .m{display:inline-block;width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0a6} .post{color:#06c} .patch{color:#b60} table{border-collapse:collapse;width:100%}
td{padding:.35rem .5rem;border-top:1px solid #e3e7ec;vertical-align:top} code{font-size:13px}
.perm{color:#6b7785;font-size:13px} h2{margin-top:2rem;text-transform:capitalize}
</style></head><body>
<h1>OpenCIS API</h1>
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are
<code>{"error":{"code","message","field"}}</code>. The machine-readable document is
<a href="/api/openapi.json">/api/openapi.json</a>.</p>
{{#each groups}}<h2>{{@key}}</h2><table>
{{#each this}}<tr><td><span class="m {{method}}">{{method}}</span><code>{{path}}</code></td>
<td>{{summary}}<div class="perm">{{#if permission}}needs <code>{{permission}}</code>{{else}}public{{/if}}</div></td></tr>
{{/each}}</table>{{/each}}
</body></html>`);

export function docsPage(routes: RegisteredRoute[]): string {
  const groups: Record<string, RegisteredRoute[]> = {};
  for (const r of routes) (groups[r.tag] ??= []).push(r);
  return template({ groups });
}
