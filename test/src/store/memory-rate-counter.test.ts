// The memory rate counter beyond the contract: fixed windows by the injected clock, and expired windows swept without losing live ones.
import t from 'tap'
import { MemoryStore } from '../../../src/store/memory-store.js'
import { rateCount } from '../../helpers/store-contract.js'

function counterOn (clock: () => number): ReturnType<MemoryStore['openRateCounter']> {
  return new MemoryStore({ clock }).openRateCounter({ nameSpace: 'rl:', onError: err => { throw err } })
}

t.test('a window starts with its first request, keeps its length, and a new one starts once it ended', async t => {
  let now = 1_000_000
  const counter = counterOn(() => now)
  t.same(await rateCount(counter, 'acme', 1000), { current: 1, ttl: 1000 })
  t.same(await rateCount(counter, 'acme', 1000), { current: 2, ttl: 1000 })
  now += 400
  t.same(await rateCount(counter, 'acme', 5000), { current: 3, ttl: 600 }, 'a longer window asked later does not stretch this one')
  now += 599
  t.same(await rateCount(counter, 'acme', 1000), { current: 4, ttl: 1 })
  now += 1
  t.same(await rateCount(counter, 'acme', 1000), { current: 1, ttl: 1000 }, 'the window ended: a new one')
})

t.test('counts answer inside increment', async t => {
  const counter = counterOn(Date.now)
  let answered = false
  counter.increment('acme', 1000, () => { answered = true })
  t.equal(answered, true)
})

t.test('sweeping expired windows keeps every live count exact', async t => {
  let now = 1_000_000
  const counter = counterOn(() => now)
  const short = Array.from({ length: 3000 }, (_, i) => `short-${i}`)
  for (const key of short) await rateCount(counter, key, 1000)
  t.equal((await rateCount(counter, 'long', 1_000_000)).current, 1)
  t.equal((await rateCount(counter, 'short-0', 1000)).current, 2)

  now += 1000
  // New keys grow the table past its sweep threshold: the expired short windows go, the live one stays.
  const fresh = Array.from({ length: 5000 }, (_, i) => `fresh-${i}`)
  const freshCounts = await Promise.all(fresh.map(async key => await rateCount(counter, key, 1000)))
  t.ok(freshCounts.every(count => count.current === 1 && count.ttl === 1000))
  t.same(await rateCount(counter, 'long', 1_000_000), { current: 2, ttl: 999_000 }, 'the live window survived the sweeps')
  t.same(await rateCount(counter, 'short-0', 1000), { current: 1, ttl: 1000 }, 'an expired window starts over')
  t.equal((await rateCount(counter, 'fresh-4999', 1000)).current, 2)
})
