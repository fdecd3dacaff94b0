// The first syntax error of JSON text, as a line, a column and an offset; valid JSON has none.
import t from 'tap'
import { jsonSyntaxError } from '../../src/json-syntax.js'

t.test('valid JSON has no syntax error', async t => {
  for (const text of ['{}', ' [ ] ', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"b":{}}', '"s"', '0', '\n{\n"a" : 1\n}\n']) {
    t.equal(jsonSyntaxError(text), undefined, text)
    t.doesNotThrow(() => JSON.parse(text), 'and JSON.parse agrees')
  }
})

t.test('the first error is located by line, column and offset', async t => {
  t.strictSame(jsonSyntaxError('{"sub": u}'), { offset: 8, line: 1, column: 9, message: "unexpected 'u'" })
  t.strictSame(jsonSyntaxError('{"id":"acme",\n "name": "A" "profile":"smooch"}'), { offset: 27, line: 2, column: 14, message: 'unexpected \'"\'' })
  t.strictSame(jsonSyntaxError('{"a":1'), { offset: 6, line: 1, column: 7, message: 'unexpected end of input' })
  t.strictSame(jsonSyntaxError('{userId:1}'), { offset: 1, line: 1, column: 2, message: "unexpected 'u'" })
  t.strictSame(jsonSyntaxError('[1,]'), { offset: 3, line: 1, column: 4, message: "unexpected ']'" })
  t.strictSame(jsonSyntaxError('{"a":"x\ny"}'), { offset: 7, line: 1, column: 8, message: 'unexpected "\\n"' })
  t.strictSame(jsonSyntaxError('{"a":01}'), { offset: 6, line: 1, column: 7, message: "unexpected '1'" })
  t.strictSame(jsonSyntaxError('{"a":"\\x"}'), { offset: 7, line: 1, column: 8, message: "unexpected 'x'" })
  t.strictSame(jsonSyntaxError('{} {}'), { offset: 3, line: 1, column: 4, message: "unexpected '{'" })
  t.strictSame(jsonSyntaxError(''), { offset: 0, line: 1, column: 1, message: 'unexpected end of input' })
})
