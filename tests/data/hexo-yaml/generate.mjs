// Writes expected.json: for every case in cases.json, what js-yaml returns for its YAML text
// when hexo-front-matter (the parser Hexo uses for front matter) calls it, encoded with explicit
// types so that the Python test can tell "1" from 1, 1 from 1.0, and null from "null".
//
//   cd tests/data/hexo-yaml && npm ci && node generate.mjs
//
// What is recorded, and why:
// - "expected": js-yaml's load() of hexo-front-matter's escape(text) with no options, which is
//   exactly what hexo-front-matter's parseYAML() does (dist/front_matter.js, lines 64-69 and
//   78-88). The js-yaml module is the one hexo-front-matter itself resolves, not a copy.
// - "hexo", only where it differs from "expected": what hexo-front-matter's parse() keeps of the
//   same text wrapped in '---' lines (without _content), or {"ignored": true} when it drops the
//   front matter (parse() keeps objects only). parse() also shifts top-level Dates by the local
//   time zone offset; this script pins TZ=UTC, where that shift is zero.

import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'

// Date.prototype.toString (used when a date is a mapping key) and hexo-front-matter's time zone
// shift both read the local time zone: pin it so that expected.json is the same everywhere.
process.env.TZ = 'UTC'
if (new Date(2022, 5, 21).getTimezoneOffset() !== 0) {
  console.error('could not switch to TZ=UTC; run: TZ=UTC node generate.mjs')
  process.exit(1)
}

const require = createRequire(import.meta.url)
const fm = require('hexo-front-matter')
// Resolve js-yaml from hexo-front-matter's own folder: the instance Hexo's parser really uses.
const requireFromFm = createRequire(require.resolve('hexo-front-matter'))
const yaml = requireFromFm('js-yaml')
const versions = {
  node: process.version,
  'hexo-front-matter': require('hexo-front-matter/package.json').version,
  'js-yaml': requireFromFm('js-yaml/package.json').version
}

// JavaScript has one number type, so the loaded value cannot say whether js-yaml resolved
// `1.0` as a float or `1` as an int. A second load with the same schema, except that int and
// float construct Number objects tagged through a WeakMap, tells which; the tagged result is
// only consulted for that, never for the value itself.
const numberTags = new WeakMap()
function tagged (type, name) {
  return new yaml.Type(type.tag, {
    kind: 'scalar',
    resolve: type.resolve,
    construct (data) {
      const boxed = new Number(type.construct(data)) // eslint-disable-line no-new-wrappers
      numberTags.set(boxed, name)
      return boxed
    }
  })
}
const TAGGED_SCHEMA = yaml.DEFAULT_SCHEMA.extend({
  implicit: [tagged(yaml.types.int, 'int'), tagged(yaml.types.float, 'float')]
})

function encodeNumber (value, shadow) {
  let kind = shadow instanceof Number ? numberTags.get(shadow) : undefined
  const inferred = kind === undefined
  if (inferred) kind = Number.isInteger(value) ? 'int' : 'float'
  let encoded
  if (Number.isNaN(value)) encoded = 'NaN'
  else if (value === Infinity) encoded = 'Infinity'
  else if (value === -Infinity) encoded = '-Infinity'
  else if (Object.is(value, -0)) encoded = '-0'
  else if (kind === 'int' && !Number.isSafeInteger(value)) {
    // JSON numbers past 2**53 are rounded by readers: give the double's exact decimal value.
    encoded = BigInt(value).toString()
  } else encoded = value
  const result = { [kind]: encoded }
  if (inferred) result.inferred = true
  return result
}

function encode (value, shadow, seen = new Set()) {
  if (value === undefined) return { undefined: null }
  if (value === null) return { null: null }
  if (typeof value === 'string') return { str: value }
  if (typeof value === 'boolean') return { bool: value }
  if (typeof value === 'number') return encodeNumber(value, shadow)
  if (value instanceof Date) {
    return { date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() }
  }
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') }
  if (seen.has(value)) return { circular: true }
  seen.add(value)
  try {
    const pick = (key) => (shadow !== null && typeof shadow === 'object' ? shadow[key] : undefined)
    if (Array.isArray(value)) {
      return { seq: value.map((item, index) => encode(item, pick(index), seen)) }
    }
    if (Object.getPrototypeOf(value) === Object.prototype) {
      // Object.keys order is the order Hexo sees: integer-like keys first, ascending.
      return { map: Object.keys(value).map((key) => [key, encode(value[key], pick(key), seen)]) }
    }
  } finally {
    seen.delete(value)
  }
  throw new Error('cannot encode ' + Object.prototype.toString.call(value))
}

function loadAsHexo (text, schema) {
  const options = schema ? { schema } : undefined
  return yaml.load(fm.escape(text), options)
}

function run (text) {
  try {
    const value = loadAsHexo(text)
    let shadow
    try {
      shadow = loadAsHexo(text, TAGGED_SCHEMA)
    } catch {
      shadow = undefined
    }
    return encode(value, shadow)
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error
    const result = { error: error.reason }
    if (error.mark) result.mark = { line: error.mark.line, column: error.mark.column }
    return result
  }
}

function hexoParse (text) {
  const wrapped = '---\n' + text + (text.endsWith('\n') ? '' : '\n') + '---\n'
  try {
    const data = fm.parse(wrapped)
    if (Object.keys(data).length === 1 && '_content' in data && data._content === wrapped) {
      return { ignored: true }
    }
    delete data._content
    let shadow
    try {
      shadow = fm.parse(wrapped, { schema: TAGGED_SCHEMA })
    } catch {
      shadow = undefined
    }
    return encode(data, shadow)
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error
    return { error: error.reason }
  }
}

// Arguments, both optional: the cases to read and the file to write (for one-off checks of
// other inputs; the defaults are the checked-in files).
const [casesPath = new URL('./cases.json', import.meta.url), outputPath =
  new URL('./expected.json', import.meta.url)] = process.argv.slice(2)
const cases = JSON.parse(readFileSync(casesPath, 'utf8'))
const names = new Set()
const results = cases.map(({ name, yaml: text, note }) => {
  if (names.has(name)) throw new Error('duplicate case name ' + name)
  names.add(name)
  const entry = { name, yaml: text }
  if (note) entry.note = note
  entry.expected = run(text)
  const hexo = hexoParse(text)
  if (JSON.stringify(hexo) !== JSON.stringify(entry.expected)) entry.hexo = hexo
  return entry
})

const output = { generator: 'generate.mjs', versions, cases: results }
writeFileSync(outputPath, JSON.stringify(output, null, 1) + '\n')
console.log(`wrote ${outputPath}: ${results.length} cases, ${JSON.stringify(versions)}`)
