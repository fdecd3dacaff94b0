// A Prometheus histogram for the per-request metric: observing bumps one slot of an array; prom-client reads it at scrape time.
import type { Metric, Registry } from 'prom-client'

type Labels = Record<string, string | number>

/** One label set: per-bucket counts (not cumulative; the last slot is +Inf), sum and count. */
export interface HistogramSeries {
  readonly labels: Labels
  readonly counts: Float64Array
  sum: number
  count: number
}

interface Sample {
  value: number
  labels: Labels
  metricName: string
}

/**
 * prom-client's Histogram hashes the label object, checks every label name and looks buckets up by string key on
 * each observe(), about as long as the rest of a small request's bookkeeping. This one is handed the series once
 * (callers keep it) and only finds the bucket; it registers as an ordinary metric, so the text format is the same
 * (cumulative buckets up to `+Inf`, `_sum` and `_count`).
 */
export class RequestHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series = new Map<string, HistogramSeries>()

  constructor (
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry
  ) {
    registry.registerMetric(this as unknown as Metric)
  }

  /** The series known by `key` (one string per label set), if it was added. */
  find (key: string): HistogramSeries | undefined {
    return this.series.get(key)
  }

  /** Adds the series of a label set under `key`. */
  add (key: string, labels: Labels): HistogramSeries {
    const series = { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
    this.series.set(key, series)
    return series
  }

  /** Counts `value` in the first bucket whose upper bound it does not exceed, as prom-client does. */
  observe (series: HistogramSeries, value: number): void {
    const buckets = this.buckets
    let i = 0
    while (i < buckets.length && value > buckets[i]) i++
    series.counts[i]++
    series.sum += value
    series.count++
  }

  reset (): void {
    for (const series of this.series.values()) {
      series.counts.fill(0)
      series.sum = 0
      series.count = 0
    }
  }

  /** What prom-client's registry reads: the samples of every series. */
  async get (): Promise<{ name: string, help: string, type: string, aggregator: string, values: Sample[] }> {
    const values: Sample[] = []
    const bucketName = `${this.name}_bucket`
    for (const series of this.series.values()) {
      let cumulative = 0
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += series.counts[i]
        values.push({ value: cumulative, labels: { ...series.labels, le: this.buckets[i] }, metricName: bucketName })
      }
      values.push({ value: series.count, labels: { ...series.labels, le: '+Inf' }, metricName: bucketName })
      values.push({ value: series.sum, labels: series.labels, metricName: `${this.name}_sum` })
      values.push({ value: series.count, labels: series.labels, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}
