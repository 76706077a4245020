import { useCallback, useMemo, useState } from 'react';
import {
  CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import { api, type AgentCost, type CostPoint } from '../api';
import { Spinner, Updated } from '../components/StatusBadge';
import { useToast } from '../components/Toasts';
import { credits, tokens } from '../format';
import { useLocation, useTitle } from '../router';
import { usePolling } from '../usePolling';

const COLORS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#65a30d', '#9333ea', '#475569'];
const RANGES: Record<string, { label: string; ms: number; bucket: string }> = {
  '1h': { label: 'Last hour', ms: 3_600_000, bucket: '1m' },
  '24h': { label: 'Last 24 hours', ms: 86_400_000, bucket: '1h' },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, bucket: '1h' },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000, bucket: '1d' },
};

/** For a datetime-local input: local time, minutes. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function AnalyticsPage() {
  useTitle('Cost analytics');
  const toast = useToast();
  // ?range=1h|24h|7d|30d opens the page on that range (a link to it, a bookmark)
  const asked = useLocation().search.get('range') ?? '';
  const initial = RANGES[asked] ? asked : '24h';
  const [preset, setPreset] = useState(initial);
  const [from, setFrom] = useState(() => localInput(Date.now() - RANGES[initial].ms));
  const [to, setTo] = useState('');
  const [model, setModel] = useState('');
  const [bucket, setBucket] = useState(RANGES[initial].bucket);
  const [live, setLive] = useState(true);
  const [rows, setRows] = useState<AgentCost[] | null>(null);
  const [series, setSeries] = useState<CostPoint[]>([]);
  const [models, setModels] = useState<string[]>([]);
  const [loading, setLoading] = useState(false);

  const range = useCallback(() => {
    const fromMs = preset === 'custom' ? new Date(from).getTime() : Date.now() - RANGES[preset].ms;
    const toMs = preset === 'custom' && to ? new Date(to).getTime() : Date.now();
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs + 60_000).toISOString(), model: model || undefined };
  }, [preset, from, to, model]);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const r = range();
      return await Promise.all([api.agentCosts(r), api.costSeries({ ...r, bucket })]);
    } finally {
      setLoading(false);
    }
  }, [range, bucket]);
  // Both at once, drawn together: one render of the table and both charts (two cost a second long task).
  const show = useCallback(([costs, points]: [AgentCost[], CostPoint[]]) => {
    setRows(costs);
    setSeries(points);
    setModels((m) => [...new Set([...m, ...points.map((p) => p.model).filter(Boolean)])].sort());
  }, []);
  const { updated } = usePolling(load, show, (e) => toast.show('error', `Analytics: ${(e as Error).message}`),
    { live });

  async function exportCsv() {
    try {
      const blob = await api.agentCostsCsv(range());
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'agent-costs.csv';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      toast.show('error', `Export failed: ${(e as Error).message}`);
    }
  }

  const total = rows?.reduce((s, r) => s + r.totalCostMicros, 0) ?? 0;
  const colorOf = useMemo(() => {
    const map = new Map<string, string>();
    [...(rows ?? []).map((r) => r.agent), ...series.map((p) => p.agent)].forEach((a) => {
      if (!map.has(a)) map.set(a, COLORS[map.size % COLORS.length]);
    });
    return map;
  }, [rows, series]);
  const { points, agents } = useMemo(() => pivot(series), [series]);

  return (
    <div className="stack">
      <div className="row wrap between">
        <h1>Fleet cost analytics</h1>
        <div className="row wrap">
          {loading && <Spinner label="Loading costs" />}
          <Updated at={updated} />
          <button type="button" onClick={exportCsv}>Export to CSV</button>
        </div>
      </div>
      <div className="row wrap filters">
        <label>
          Range
          <select value={preset} onChange={(e) => {
            setPreset(e.target.value);
            if (RANGES[e.target.value]) setBucket(RANGES[e.target.value].bucket);
          }}>
            {Object.entries(RANGES).map(([k, r]) => <option key={k} value={k}>{r.label}</option>)}
            <option value="custom">Custom</option>
          </select>
        </label>
        {preset === 'custom' && (
          <>
            <label>From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
            <label>To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} /></label>
          </>
        )}
        <label>
          Model
          <select value={model} onChange={(e) => setModel(e.target.value)}>
            <option value="">All models</option>
            {models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          Bucket
          <select value={bucket} onChange={(e) => setBucket(e.target.value)}>
            <option value="1m">minute</option>
            <option value="1h">hour</option>
            <option value="1d">day</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live refresh
        </label>
      </div>

      <div className="grid2">
        <figure className="card chart" aria-label="Cost by agent (pie chart); the table lists the same numbers">
          <figcaption>Cost by agent</figcaption>
          {rows && rows.length > 0 ? (
            <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
              <PieChart>
                <Pie data={rows} dataKey="totalCostMicros" nameKey="agent" innerRadius="45%" outerRadius="80%" isAnimationActive={false}>
                  {rows.map((r) => <Cell key={r.agent} fill={colorOf.get(r.agent)} />)}
                </Pie>
                <Tooltip formatter={(v) => `${credits(Number(v))} credits`} />
              </PieChart>
            </ResponsiveContainer>
          ) : (
            <p className="muted">No costs in this range.</p>
          )}
        </figure>
        <figure className="card chart" aria-label="Cost over time per agent (line chart)">
          <figcaption>Cost over time per agent</figcaption>
          {points.length > 0 ? (
            <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
              <LineChart data={points}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="label" minTickGap={24} />
                <YAxis tickFormatter={(v) => credits(Number(v))} width={56} />
                <Tooltip formatter={(v) => `${credits(Number(v))} credits`} />
                <Legend />
                {agents.map((a) => (
                  <Line key={a} type="monotone" dataKey={a} stroke={colorOf.get(a)} dot={false} isAnimationActive={false} />
                ))}
              </LineChart>
            </ResponsiveContainer>
          ) : (
            <p className="muted">No costs in this range.</p>
          )}
        </figure>
      </div>

      <table className="table responsive costs">
        <caption>Cost per agent{model ? ` on ${model}` : ''} (the top 3 highlighted)</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col" className="num">Total cost (credits)</th>
            <th scope="col" className="num">Share</th>
            <th scope="col" className="num">Tokens</th>
            <th scope="col" className="num">Steps</th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((r, i) => (
            <tr key={r.agent} className={i < 3 && r.totalCostMicros > 0 ? 'top' : undefined} data-top={i < 3 ? i + 1 : undefined}>
              <td data-label="Agent">
                <span className="swatch" style={{ background: colorOf.get(r.agent) }} aria-hidden="true" />
                {r.agent}
                {i < 3 && r.totalCostMicros > 0 && <span className="rank">top {i + 1}</span>}
              </td>
              <td data-label="Total cost" className="num">{credits(r.totalCostMicros)}</td>
              <td data-label="Share" className="num">{Number(r.percentage).toFixed(2)} %</td>
              <td data-label="Tokens" className="num">{tokens(r.promptTokens + r.outputTokens + r.thinkingTokens)}</td>
              <td data-label="Steps" className="num">{r.steps}</td>
            </tr>
          ))}
          {rows && rows.length === 0 && <tr><td colSpan={5} className="muted">Nothing in this range.</td></tr>}
        </tbody>
        {rows && rows.length > 0 && (
          <tfoot>
            <tr><th scope="row">Total</th><td className="num">{credits(total)}</td><td className="num">100 %</td><td /><td /></tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}

/** cost-series rows (bucket, agent, model) to one point per bucket with a value per agent. */
export function pivot(series: CostPoint[]): { points: Record<string, number | string>[]; agents: string[] } {
  const byBucket = new Map<string, Record<string, number | string>>();
  const agents = new Set<string>();
  for (const p of series) {
    agents.add(p.agent);
    let point = byBucket.get(p.bucketStart);
    if (!point) {
      const d = new Date(p.bucketStart);
      point = { bucket: p.bucketStart, label: d.toLocaleString([], { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }) };
      byBucket.set(p.bucketStart, point);
    }
    point[p.agent] = ((point[p.agent] as number) ?? 0) + p.costMicros;
  }
  const points = [...byBucket.values()].sort((a, b) => String(a.bucket).localeCompare(String(b.bucket)));
  return { points, agents: [...agents].sort() };
}
