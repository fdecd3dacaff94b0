// The request histogram gives the same Prometheus samples as prom-client's Histogram for the same observations.
import { Histogram, Registry } from 'prom-client'
import t from 'tap'
import { RequestHistogram } from '../../../plugins/app/request-histogram.js'

const BUCKETS = [0.001, 0.01, 0.1, 1]
const OBSERVATIONS: Array<[{ method: string, route: string, status_code: number }, number]> = [
  [{ method: 'GET', route: '/a', status_code: 200 }, 0.0005],
  [{ method: 'GET', route: '/a', status_code: 200 }, 0.001],
  [{ method: 'GET', route: '/a', status_code: 200 }, 0.05],
  [{ method: 'GET', route: '/a', status_code: 404 }, 0.2],
  [{ method: 'POST', route: '/b', status_code: 201 }, 7]
]

/** Sample lines, labels sorted, so that label order does not matter. */
function samples (text: string): string[] {
  return text.split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => {
    const match = /^(\w+)(?:\{(.*)\})? (.+)$/.exec(line)
    if (match === null) throw new Error(`not a sample: ${line}`)
    return `${match[1]}{${(match[2] ?? '').split(',').sort().join(',')}} ${match[3]}`
  }).sort()
}

t.test('same samples, help and type as prom-client', async t => {
  const reference = new Registry()
  const histogram = new Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers: [reference] })
  const registry = new Registry()
  const fast = new RequestHistogram('x_seconds', 'help text', BUCKETS, registry)
  for (const [labels, value] of OBSERVATIONS) {
    histogram.observe(labels, value)
    const key = `${labels.method} ${labels.route} ${labels.status_code}`
    fast.observe(fast.find(key) ?? fast.add(key, labels), value)
  }
  const expected = await reference.metrics()
  const actual = await registry.metrics()
  t.same(samples(actual), samples(expected))
  t.equal(actual.split('\n').slice(0, 2).join('\n'), '# HELP x_seconds help text\n# TYPE x_seconds histogram')
  t.match(actual, /x_seconds_bucket\{.*le="\+Inf".*\} 3\n/)

  registry.resetMetrics()
  t.notOk(samples(await registry.metrics()).some(line => !line.endsWith(' 0')), 'reset zeroes every sample')
})
