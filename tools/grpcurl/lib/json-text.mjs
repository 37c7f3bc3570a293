// JSON text handling that JSON.parse/JSON.stringify can't do for protobuf:
//  - request data may hold several concatenated JSON values (one per streamed message);
//  - number literals must keep their exact text so int64 values beyond 2^53 survive;
//  - object key order must be preserved on output, including integer-like map keys.
// Parsed objects are Maps, numbers are JsonNumber; output objects are Maps as well.

export class JsonNumber {
  constructor(text) {
    this.text = text;
  }

  valueOf() {
    return Number(this.text);
  }

  toString() {
    return this.text;
  }
}

export class JsonSyntaxError extends Error {}

const NUMBER_PATTERN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE_PATTERN = /[ \t\n\r]*/y;

/** Parses zero or more whitespace-separated JSON values. */
export function parseJsonStream(text) {
  const parser = new JsonParser(text);
  const values = [];
  for (parser.skipWhitespace(); !parser.atEnd(); parser.skipWhitespace()) {
    values.push(parser.parseValue());
  }
  return values;
}

class JsonParser {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  atEnd() {
    return this.pos >= this.text.length;
  }

  skipWhitespace() {
    WHITESPACE_PATTERN.lastIndex = this.pos;
    WHITESPACE_PATTERN.exec(this.text);
    this.pos = WHITESPACE_PATTERN.lastIndex;
  }

  fail(message) {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.pos}: ${message}`);
  }

  parseValue() {
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === '{') return this.parseObject();
    if (ch === '[') return this.parseArray();
    if (ch === '"') return this.parseString();
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.parseNumber();
    for (const [literal, value] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return value;
      }
    }
    return this.fail(ch === undefined ? 'unexpected end of input' : `unexpected character '${ch}'`);
  }

  parseObject() {
    const object = new Map();
    this.pos++; // '{'
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.expect(':');
      object.set(key, this.parseValue());
      if (this.expectOneOf(',}') === '}') return object;
    }
  }

  parseArray() {
    const array = [];
    this.pos++; // '['
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return array;
    }
    for (;;) {
      array.push(this.parseValue());
      if (this.expectOneOf(',]') === ']') return array;
    }
  }

  parseString() {
    // Find the closing quote, then let JSON.parse handle escapes and surrogate pairs.
    let end = this.pos + 1;
    while (end < this.text.length && this.text[end] !== '"') {
      end += this.text[end] === '\\' ? 2 : 1;
    }
    if (end >= this.text.length) this.fail('unterminated string');
    const literal = this.text.slice(this.pos, end + 1);
    try {
      const value = JSON.parse(literal);
      this.pos = end + 1;
      return value;
    } catch {
      return this.fail(`invalid string ${literal}`);
    }
  }

  parseNumber() {
    NUMBER_PATTERN.lastIndex = this.pos;
    const match = NUMBER_PATTERN.exec(this.text);
    if (!match) this.fail('invalid number');
    this.pos = NUMBER_PATTERN.lastIndex;
    return new JsonNumber(match[0]);
  }

  expect(ch) {
    this.skipWhitespace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  expectOneOf(chars) {
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === undefined || !chars.includes(ch)) this.fail(`expected one of '${chars}'`);
    this.pos++;
    return ch;
  }
}

/** Pretty-prints with two-space indentation, the layout grpcurl produces. */
export function stringifyJson(value, indent = '') {
  if (value instanceof Map) {
    if (value.size === 0) return '{}';
    const inner = indent + '  ';
    const members = [...value].map(([key, member]) => `${inner}${JSON.stringify(key)}: ${stringifyJson(member, inner)}`);
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((element) => inner + stringifyJson(element, inner)).join(',\n')}\n${indent}]`;
  }
  return JSON.stringify(value);
}
