// Where a webhook may point: the address ranges refused, https only, and hosts that resolve to loopback.
import t from 'tap'
import { checkWebhookUrl, forbiddenAddress } from '../../../src/webhooks/url-guard.js'

const strict = { allowHttp: false, allowPrivate: false }

t.test('loopback, private, link-local and unspecified addresses are refused, each named', async t => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['fc00::1', 'private'], ['fd12::1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['8.8.8.8', undefined], ['172.32.0.1', undefined], ['2001:4860:4860::8888', undefined], ['::ffff:8.8.8.8', undefined]
  ]
  for (const [address, reason] of cases) t.equal(forbiddenAddress(address), reason, address)
})

t.test('https only, unless http is allowed', async t => {
  await t.rejects(checkWebhookUrl('http://93.184.215.14/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /https/ })
  await t.rejects(checkWebhookUrl('ftp://93.184.215.14/hook', { ...strict, allowHttp: true }), { code: 'WEBHOOK_URL_FORBIDDEN' })
  t.ok(await checkWebhookUrl('http://93.184.215.14/hook', { ...strict, allowHttp: true }))
  t.ok(await checkWebhookUrl('https://93.184.215.14/hook', strict))
  await t.rejects(checkWebhookUrl('https://user:pw@93.184.215.14/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /credentials/ })
  await t.rejects(checkWebhookUrl('no url', strict), { code: 'VALIDATION_FAILED', errors: [{ path: '/url' }] })
})

t.test('a host is resolved: localhost is refused as loopback; literals too; WEBHOOK_ALLOW_PRIVATE allows them', async t => {
  await t.rejects(checkWebhookUrl('https://localhost/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /loopback/ })
  await t.rejects(checkWebhookUrl('https://127.0.0.1:8443/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /loopback/ })
  await t.rejects(checkWebhookUrl('https://[::1]/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /loopback/ })
  await t.rejects(checkWebhookUrl('https://169.254.169.254/latest/meta-data', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /link-local/ })
  await t.rejects(checkWebhookUrl('https://10.0.0.8/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /private/ })
  await t.rejects(checkWebhookUrl('https://[::]/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /unspecified/ })
  await t.rejects(checkWebhookUrl('https://does-not-exist.invalid/hook', strict), { code: 'WEBHOOK_URL_FORBIDDEN', message: /does not resolve/ })
  t.ok(await checkWebhookUrl('https://localhost/hook', { ...strict, allowPrivate: true }))
})
