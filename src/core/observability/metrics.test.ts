import { describe, expect, it } from 'vitest';
import { createProcessMetrics } from './metrics.ts';

describe('createProcessMetrics', () => {
  it('counts requests and observes durations by service, method, route and status', async () => {
    const m = createProcessMetrics({ defaultMetrics: false });
    const labels = {
      service: 'identity',
      method: 'GET',
      route: '/v3/users/:user_id',
      status: '200',
    };
    m.httpRequests.inc(labels);
    m.httpRequests.inc(labels);
    m.httpDuration.observe(labels, 0.003);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'strata_http_requests_total{service="identity",method="GET",route="/v3/users/:user_id",status="200"} 2',
    );
    expect(text).toContain(
      'strata_http_request_duration_seconds_bucket{le="0.005",service="identity",method="GET",route="/v3/users/:user_id",status="200"} 1',
    );
    expect(text).toContain(
      'strata_http_request_duration_seconds_bucket{le="0.0025",service="identity",method="GET",route="/v3/users/:user_id",status="200"} 0',
    );
  });

  it('reports database pools at scrape time', async () => {
    const m = createProcessMetrics({ defaultMetrics: false });
    let idle = 3;
    m.watchDbPool('compute', () => ({ size: 5, idle, waiting: 0 }));
    expect(await m.registry.metrics()).toContain(
      'strata_db_pool_connections{service="compute",state="idle"} 3',
    );
    idle = 1;
    const text = await m.registry.metrics();
    expect(text).toContain('strata_db_pool_connections{service="compute",state="idle"} 1');
    expect(text).toContain('strata_db_pool_connections{service="compute",state="open"} 5');
    expect(text).toContain('strata_db_pool_connections{service="compute",state="waiting"} 0');
  });

  it('keeps registries apart and prefixes default metrics', async () => {
    const a = createProcessMetrics();
    const b = createProcessMetrics({ defaultMetrics: false });
    a.httpRequests.inc({ service: 's', method: 'GET', route: '/', status: '200' });
    expect(await a.registry.metrics()).toContain('strata_process_cpu_seconds_total');
    const bText = await b.registry.metrics();
    expect(bText).not.toContain('strata_process_cpu_seconds_total');
    expect(bText).not.toContain('status="200"');
  });
});
