/**
 * A single-page view for maintenance leads: every asset's health, its latest values and active
 * alarms, and the newest work orders with their delivery state. No build step; it polls the API.
 */
export function dashboardHtml(siteName: string): string {
  const title = siteName.replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · cbm-gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;justify-content:space-between;align-items:center}h1{font-size:18px;margin:0}
main{display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px}
section{background:#fff;border-radius:6px;padding:12px;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.ok{color:#1a7f37}.warning{color:#9a6700}.alarm{color:#cf222e;font-weight:600}.p1,.p2{color:#cf222e}.bad{color:#999}
</style></head><body>
<header><h1>${title}: asset health</h1><div id="health"></div></header>
<main><section><h2>Assets</h2><table id="assets"><thead><tr><th>Asset</th><th>Health</th><th>Values</th><th>Active alarms</th></tr></thead><tbody></tbody></table></section>
<section><h2>Work orders</h2><table id="orders"><thead><tr><th>Created</th><th>P</th><th>Asset</th><th>Title</th><th>Delivery</th><th>CMMS</th></tr></thead><tbody></tbody></table></section></main>
<script>
const esc=s=>String(s??'').replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const fmt=v=>typeof v==='number'?(Math.round(v*100)/100):v;
async function refresh(){
  const [assets,orders,health]=await Promise.all([fetch('/api/assets').then(r=>r.json()),fetch('/api/work-orders?limit=20').then(r=>r.json()),fetch('/api/health').then(r=>r.json())]);
  document.querySelector('#health').innerHTML='<small class="'+(health.status==='ok'?'ok':'warning')+'">gateway '+esc(health.status)+(health.reasons&&health.reasons.length?': '+health.reasons.map(esc).join('; '):'')+'</small>';
  document.querySelector('#assets tbody').innerHTML=assets.map(a=>'<tr data-asset="'+esc(a.id)+'"><td><b>'+esc(a.name)+'</b><br><small>'+esc(a.path)+(a.serialNumber?' · S/N '+esc(a.serialNumber):'')+'</small></td><td class="'+a.health+'">'+a.health+'</td><td>'+a.tags.map(t=>'<span class="'+(t.quality==='Bad'?'bad':'')+'">'+esc(t.name)+': '+(t.value===null?'—':esc(fmt(t.value))+' '+esc(t.unit))+'</span>').join('<br>')+'</td><td>'+(a.alarms||a.activeAlarms).map(x=>'<span class="p'+x.priority+'">P'+x.priority+' '+esc(x.name)+' <small>('+esc(x.state||'active')+(x.chattering?', chattering':'')+')</small></span>').join('<br>')+'</td></tr>').join('');
  document.querySelector('#orders tbody').innerHTML=orders.map(o=>'<tr><td>'+esc(o.createdAt.replace('T',' ').slice(0,19))+'</td><td class="p'+o.priority+'">'+o.priority+'</td><td>'+esc(o.asset.name)+'</td><td>'+esc(o.title)+'</td><td>'+(o.deliveries.length?'':'<small>no target</small>')+o.deliveries.map(d=>'<span class="'+(d.state==='failed'||d.state==='dead'?'alarm':'')+'">'+esc(d.target)+': '+d.state+' ('+d.attempts+')</span>'+(d.lastError&&d.state!=='delivered'?'<br><small>'+esc(d.lastError).slice(0,80)+'</small>':'')).join('<br>')+'</td><td>'+esc(o.status||'')+'</td></tr>').join('');
}
refresh();setInterval(refresh,2000);
</script></body></html>`;
}
