// The proto3 JSON mapping (https://protobuf.dev/programming-guides/json/) over decoded messages
// from wire.mjs, matching what grpcurl's Go implementation prints and accepts: lowerCamelCase
// names (proto names accepted too), 64-bit integers as strings, enums by name, bytes as base64,
// and the special forms of the well-known types (Timestamp, Duration, Any, Struct, ...).
//
// Conversions are synchronous. When an Any names a type that isn't loaded yet, the pool throws
// MissingTypeError; run conversions through pool.withMissingTypesLoaded() to fetch and retry.

import { FieldType } from './descriptors.mjs';
import { JsonNumber } from './json-text.mjs';
import { decodeMessage, defaultScalarValue, encodeMessage, isDefaultScalarValue } from './wire.mjs';

export class ProtoJsonError extends Error {}

export const WRAPPER_TYPES = new Set([
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);

/** Types whose JSON form is not an object of fields; inside an Any they go under "value". */
const CUSTOM_JSON_TYPES = new Set([
  ...WRAPPER_TYPES, 'google.protobuf.Any', 'google.protobuf.Timestamp', 'google.protobuf.Duration',
  'google.protobuf.FieldMask', 'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
  'google.protobuf.Empty',
]);

const NULL_VALUE_ENUM = 'google.protobuf.NullValue';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

// Valid ranges from google/protobuf/timestamp.proto and duration.proto.
const MIN_TIMESTAMP_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315576000000n;
const MAX_FLOAT32 = 3.4028234663852886e38;

const INTEGER_LIMITS = {
  [FieldType.INT32]: [-(2n ** 31n), 2n ** 31n - 1n], [FieldType.SINT32]: [-(2n ** 31n), 2n ** 31n - 1n],
  [FieldType.SFIXED32]: [-(2n ** 31n), 2n ** 31n - 1n], [FieldType.UINT32]: [0n, 2n ** 32n - 1n],
  [FieldType.FIXED32]: [0n, 2n ** 32n - 1n], [FieldType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [FieldType.SINT64]: [-(2n ** 63n), 2n ** 63n - 1n], [FieldType.SFIXED64]: [-(2n ** 63n), 2n ** 63n - 1n],
  [FieldType.UINT64]: [0n, 2n ** 64n - 1n], [FieldType.FIXED64]: [0n, 2n ** 64n - 1n],
};
const SIXTY_FOUR_BIT_TYPES = new Set([FieldType.INT64, FieldType.SINT64, FieldType.SFIXED64, FieldType.UINT64, FieldType.FIXED64]);

export class ProtoJsonCodec {
  /**
   * @param {import('./descriptors.mjs').DescriptorPool} pool
   * @param {{emitDefaults?: boolean, keepProtoNames?: boolean, allowUnknownFields?: boolean}} options
   */
  constructor(pool, { emitDefaults = false, keepProtoNames = false, allowUnknownFields = false } = {}) {
    this.pool = pool;
    this.emitDefaults = emitDefaults;
    this.keepProtoNames = keepProtoNames;
    this.allowUnknownFields = allowUnknownFields;
  }

  // -------------------------------------------------------------------------------------------
  // Message -> JSON (objects are Maps, printed with stringifyJson)

  toJson(messageType, message) {
    switch (messageType.fullName) {
      case 'google.protobuf.Any': return this.#anyMessageToJson(message);
      case 'google.protobuf.Timestamp': return formatTimestamp(message.seconds ?? 0n, message.nanos ?? 0);
      case 'google.protobuf.Duration': return formatDuration(message.seconds ?? 0n, message.nanos ?? 0);
      case 'google.protobuf.FieldMask': return (message.paths ?? []).map(formatFieldMaskPath).join(',');
      case 'google.protobuf.Struct': return this.#structToJson(messageType, message);
      case 'google.protobuf.ListValue': return this.#listValueToJson(messageType, message);
      case 'google.protobuf.Value': return this.#valueToJson(messageType, message);
      default: break;
    }
    if (WRAPPER_TYPES.has(messageType.fullName)) {
      const valueField = messageType.fieldByName('value');
      return this.#singularToJson(valueField, message.value ?? defaultScalarValue(valueField));
    }

    const json = new Map();
    for (const field of messageType.fields) {
      const key = this.keepProtoNames ? field.name : field.jsonName;
      const value = message[field.name];
      if (value !== undefined && !isUnpopulated(field, value)) {
        json.set(key, this.#fieldToJson(field, value));
      } else if (this.emitDefaults && !field.oneof) {
        json.set(key, this.#unpopulatedFieldToJson(field));
      }
    }
    return json;
  }

  /** Renders an Any given as its parts (used for error details as well as Any fields). */
  anyToJson(typeUrl, valueBytes) {
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const messageType = this.pool.lookupMessage(typeName);
    if (!messageType) {
      // Same fallback as grpcurl: keep the payload visible rather than failing the whole output.
      return new Map([
        ['@type', typeUrl],
        ['@error', `${typeName} is not recognized; see @value for raw binary message data`],
        ['@value', Buffer.from(valueBytes).toString('base64')],
      ]);
    }
    const content = this.toJson(messageType, decodeMessage(messageType, valueBytes));
    if (CUSTOM_JSON_TYPES.has(typeName)) return new Map([['@type', typeUrl], ['value', content]]);
    return new Map([['@type', typeUrl], ...content]);
  }

  #anyMessageToJson(message) {
    if (!message.type_url && !message.value?.length) return new Map();
    return this.anyToJson(message.type_url ?? '', message.value ?? new Uint8Array(0));
  }

  /** JSON for one value of a field (an element, for repeated fields). */
  singularValueToJson(field, value) {
    return this.#singularToJson(field, value);
  }

  #fieldToJson(field, value) {
    if (field.isMap) {
      const valueField = field.mapValueField;
      const entries = [...value].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new Map(entries.map(([key, entryValue]) => [String(key), this.#singularToJson(valueField, entryValue)]));
    }
    if (field.isRepeated) return value.map((element) => this.#singularToJson(field, element));
    return this.#singularToJson(field, value);
  }

  /** -emit-defaults output for an absent field, following Go's protojson EmitUnpopulated. */
  #unpopulatedFieldToJson(field) {
    if (field.isMap) return new Map();
    if (field.isRepeated) return [];
    if (field.isMessage) return null;
    if (field.file.syntax === 'proto2') return null;
    return this.#singularToJson(field, defaultScalarValue(field));
  }

  #singularToJson(field, value) {
    switch (field.type) {
      case FieldType.MESSAGE:
      case FieldType.GROUP:
        return this.toJson(field.messageType, value);
      case FieldType.ENUM:
        if (field.typeName === NULL_VALUE_ENUM) return null;
        return field.enumType?.valueByNumber(value)?.name ?? value;
      case FieldType.BYTES:
        return Buffer.from(value).toString('base64');
      case FieldType.FLOAT:
        return formatFloatingPoint(Number.isFinite(value) ? shortestFloat32(value) : value);
      case FieldType.DOUBLE:
        return formatFloatingPoint(value);
      default:
        return typeof value === 'bigint' ? value.toString() : value;
    }
  }

  #structToJson(structType, message) {
    const valueType = structType.fieldByName('fields').mapValueField.messageType;
    const entries = [...(message.fields ?? new Map())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new Map(entries.map(([key, value]) => [key, this.#valueToJson(valueType, value)]));
  }

  #listValueToJson(listType, message) {
    const valueType = listType.fieldByName('values').messageType;
    return (message.values ?? []).map((value) => this.#valueToJson(valueType, value));
  }

  #valueToJson(valueType, message) {
    if (message.struct_value !== undefined) return this.#structToJson(valueType.fieldByName('struct_value').messageType, message.struct_value);
    if (message.list_value !== undefined) return this.#listValueToJson(valueType.fieldByName('list_value').messageType, message.list_value);
    if (message.number_value !== undefined) {
      if (!Number.isFinite(message.number_value)) throw new ProtoJsonError(`google.protobuf.Value cannot hold ${message.number_value}`);
      return message.number_value;
    }
    return message.string_value ?? message.bool_value ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // JSON (as parsed by parseJsonStream) -> message

  fromJson(messageType, json) {
    switch (messageType.fullName) {
      case 'google.protobuf.Any': return this.#anyFromJson(json);
      case 'google.protobuf.Timestamp': return parseTimestamp(expectString(json, messageType));
      case 'google.protobuf.Duration': return parseDuration(expectString(json, messageType));
      case 'google.protobuf.FieldMask': return { paths: parseFieldMask(expectString(json, messageType)) };
      case 'google.protobuf.Struct': return this.#structFromJson(messageType, json);
      case 'google.protobuf.ListValue': return this.#listValueFromJson(messageType, json);
      case 'google.protobuf.Value': return this.#valueFromJson(messageType, json);
      default: break;
    }
    if (WRAPPER_TYPES.has(messageType.fullName)) {
      return { value: this.#singularFromJson(messageType.fieldByName('value'), json) };
    }
    if (!(json instanceof Map)) throw new ProtoJsonError(`expected a JSON object for message ${messageType.fullName}`);

    const message = {};
    for (const [key, value] of json) {
      const field = messageType.fieldByJsonKey(key);
      if (!field) {
        if (this.allowUnknownFields) continue;
        throw new ProtoJsonError(`message type ${messageType.fullName} has no known field named ${key}`);
      }
      if (field.name in message) throw new ProtoJsonError(`field ${field.fullName} is set more than once`);
      // null means "not set", except where null is itself a value (google.protobuf.Value/NullValue).
      if (value === null && !acceptsNull(field)) continue;
      const otherMember = field.realOneof?.fields.find((member) => member !== field && member.name in message);
      if (otherMember) throw new ProtoJsonError(`oneof ${field.realOneof.fullName} is already set by field ${otherMember.name}`);
      message[field.name] = this.#fieldFromJson(field, value);
    }
    return message;
  }

  #fieldFromJson(field, json) {
    if (field.isMap) {
      if (!(json instanceof Map)) throw new ProtoJsonError(`expected a JSON object for map field ${field.fullName}`);
      const keyField = field.mapKeyField;
      const valueField = field.mapValueField;
      return new Map([...json].map(([key, value]) => [
        parseMapKey(keyField, key),
        this.#singularFromJson(valueField, value),
      ]));
    }
    if (field.isRepeated) {
      if (!Array.isArray(json)) throw new ProtoJsonError(`expected a JSON array for repeated field ${field.fullName}`);
      return json.map((element) => this.#singularFromJson(field, element));
    }
    return this.#singularFromJson(field, json);
  }

  #singularFromJson(field, json) {
    if (json === null && !acceptsNull(field)) throw new ProtoJsonError(`field ${field.fullName} cannot be null here`);
    switch (field.type) {
      case FieldType.MESSAGE:
      case FieldType.GROUP:
        return this.fromJson(field.messageType, json);
      case FieldType.ENUM:
        return parseEnum(field, json);
      case FieldType.BOOL:
        if (typeof json !== 'boolean') throw invalidValue(field, json);
        return json;
      case FieldType.STRING:
        if (typeof json !== 'string') throw invalidValue(field, json);
        return json;
      case FieldType.BYTES:
        return parseBase64(field, json);
      case FieldType.FLOAT:
      case FieldType.DOUBLE:
        return parseFloatingPoint(field, json);
      default:
        return parseInteger(field, json);
    }
  }

  #anyFromJson(json) {
    if (!(json instanceof Map)) throw new ProtoJsonError('expected a JSON object for google.protobuf.Any');
    if (json.size === 0) return {};
    const typeUrl = json.get('@type');
    if (typeof typeUrl !== 'string') throw new ProtoJsonError('google.protobuf.Any JSON is missing its "@type"');
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const messageType = this.pool.lookupMessage(typeName);
    if (!messageType) throw new ProtoJsonError(`unable to resolve type "${typeUrl}" used in google.protobuf.Any`);

    const content = new Map([...json].filter(([key]) => key !== '@type'));
    const message = CUSTOM_JSON_TYPES.has(typeName)
      ? this.fromJson(messageType, content.get('value') ?? null)
      : this.fromJson(messageType, content);
    return { type_url: typeUrl.includes('/') ? typeUrl : TYPE_URL_PREFIX + typeUrl, value: encodeMessage(messageType, message) };
  }

  #structFromJson(structType, json) {
    if (!(json instanceof Map)) throw new ProtoJsonError('expected a JSON object for google.protobuf.Struct');
    const valueType = structType.fieldByName('fields').mapValueField.messageType;
    return { fields: new Map([...json].map(([key, value]) => [key, this.#valueFromJson(valueType, value)])) };
  }

  #listValueFromJson(listType, json) {
    if (!Array.isArray(json)) throw new ProtoJsonError('expected a JSON array for google.protobuf.ListValue');
    const valueType = listType.fieldByName('values').messageType;
    return { values: json.map((element) => this.#valueFromJson(valueType, element)) };
  }

  #valueFromJson(valueType, json) {
    if (json === null) return { null_value: 0 };
    if (json instanceof JsonNumber) return { number_value: Number(json.text) };
    if (typeof json === 'string') return { string_value: json };
    if (typeof json === 'boolean') return { bool_value: json };
    if (Array.isArray(json)) return { list_value: this.#listValueFromJson(valueType.fieldByName('list_value').messageType, json) };
    return { struct_value: this.#structFromJson(valueType.fieldByName('struct_value').messageType, json) };
  }
}

// ---------------------------------------------------------------------------------------------
// Scalars

function isUnpopulated(field, value) {
  if (field.isMap) return value.size === 0;
  if (field.isRepeated) return value.length === 0;
  return !field.hasPresence && isDefaultScalarValue(field, value);
}

function acceptsNull(field) {
  return !field.isRepeated && (field.typeName === 'google.protobuf.Value' || field.typeName === NULL_VALUE_ENUM);
}

function formatFloatingPoint(value) {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** The shortest decimal that rounds to the same float32, as Go prints float fields (0.1, not 0.10000000149011612). */
function shortestFloat32(value) {
  for (let precision = 1; precision < 17; precision++) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function invalidValue(field, json) {
  const shown = json instanceof Map ? '{...}' : Array.isArray(json) ? '[...]' : JSON.stringify(json instanceof JsonNumber ? Number(json.text) : json);
  return new ProtoJsonError(`invalid value for ${describeFieldType(field)} field ${field.fullName}: ${shown}`);
}

function describeFieldType(field) {
  const name = Object.entries(FieldType).find(([, number]) => number === field.type)?.[0].toLowerCase();
  return field.type === FieldType.ENUM ? `enum ${field.typeName}` : name;
}

const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function parseInteger(field, json, type = field.type) {
  const text = json instanceof JsonNumber ? json.text : typeof json === 'string' ? json : undefined;
  if (text === undefined || !NUMERIC_TEXT.test(text)) throw invalidValue(field, json);
  let value;
  if (/^-?\d+$/.test(text)) {
    value = BigInt(text);
  } else {
    // 1e3 or 5.0 are accepted as long as they denote an integer.
    const number = Number(text);
    if (!Number.isInteger(number)) throw invalidValue(field, json);
    value = BigInt(number);
  }
  const [min, max] = INTEGER_LIMITS[type];
  if (value < min || value > max) throw new ProtoJsonError(`value out of range for field ${field.fullName}: ${text}`);
  return SIXTY_FOUR_BIT_TYPES.has(type) ? value : Number(value);
}

function parseFloatingPoint(field, json) {
  let value;
  if (json instanceof JsonNumber) {
    value = Number(json.text);
  } else if (json === 'NaN' || json === 'Infinity' || json === '-Infinity') {
    value = Number(json);
  } else if (typeof json === 'string' && NUMERIC_TEXT.test(json)) {
    value = Number(json);
  } else {
    throw invalidValue(field, json);
  }
  if (field.type === FieldType.FLOAT && Number.isFinite(value) && Math.abs(value) > MAX_FLOAT32) {
    throw new ProtoJsonError(`value out of range for float field ${field.fullName}: ${json}`);
  }
  return value;
}

function parseEnum(field, json) {
  if (field.typeName === NULL_VALUE_ENUM && json === null) return 0;
  if (typeof json === 'string') {
    const value = field.enumType?.valueByName(json);
    if (!value) throw invalidValue(field, json);
    return value.number;
  }
  // Numbers are accepted even if undeclared: proto3 enums are open.
  if (json instanceof JsonNumber) return parseInteger(field, json, FieldType.INT32);
  throw invalidValue(field, json);
}

function parseBase64(field, json) {
  // Standard and URL-safe alphabets, padding optional, as Go's protojson accepts.
  if (typeof json !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(json)) throw invalidValue(field, json);
  return Buffer.from(json.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function parseMapKey(keyField, key) {
  switch (keyField.type) {
    case FieldType.STRING:
      return key;
    case FieldType.BOOL:
      if (key === 'true') return true;
      if (key === 'false') return false;
      throw invalidValue(keyField, key);
    default:
      return parseInteger(keyField, key);
  }
}

function expectString(json, messageType) {
  if (typeof json !== 'string') throw new ProtoJsonError(`expected a JSON string for ${messageType.fullName}`);
  return json;
}

// ---------------------------------------------------------------------------------------------
// Well-known type text forms

/** ".5", ".500000" or ".500000001": fractional seconds in groups of three digits, as protojson does. */
function formatNanos(nanos) {
  if (nanos === 0) return '';
  let digits = String(nanos).padStart(9, '0');
  while (digits.endsWith('000')) digits = digits.slice(0, -3);
  return `.${digits}`;
}

function formatTimestamp(seconds, nanos) {
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new ProtoJsonError(`google.protobuf.Timestamp out of range: ${seconds}s ${nanos}ns`);
  }
  const wholeSeconds = new Date(Number(seconds) * 1000).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  return `${wholeSeconds}${formatNanos(nanos)}Z`;
}

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function parseTimestamp(text) {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) throw new ProtoJsonError(`invalid google.protobuf.Timestamp value "${text}" (expected RFC 3339, e.g. 2024-01-02T03:04:05Z)`);
  const [, year, month, day, hour, minute, second, fraction = '', , offsetSign, offsetHours, offsetMinutes] = match;
  // setUTCFullYear, unlike Date.UTC, doesn't remap years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second));
  const roundTrips = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1
    && date.getUTCDate() === Number(day) && date.getUTCHours() === Number(hour)
    && date.getUTCMinutes() === Number(minute) && date.getUTCSeconds() === Number(second);
  if (!roundTrips) {
    throw new ProtoJsonError(`invalid google.protobuf.Timestamp value "${text}"`);
  }
  let seconds = BigInt(date.getTime() / 1000);
  if (offsetSign) {
    const offset = BigInt(Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
    seconds += offsetSign === '+' ? -offset : offset;
  }
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    throw new ProtoJsonError(`google.protobuf.Timestamp out of range: "${text}"`);
  }
  return { seconds, nanos: Number(fraction.padEnd(9, '0')) };
}

function formatDuration(seconds, nanos) {
  if (seconds < -MAX_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS || Math.abs(nanos) > 999_999_999
    || (seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) {
    throw new ProtoJsonError(`invalid google.protobuf.Duration: ${seconds}s ${nanos}ns`);
  }
  const sign = seconds < 0n || nanos < 0 ? '-' : '';
  const absoluteSeconds = seconds < 0n ? -seconds : seconds;
  return `${sign}${absoluteSeconds}${formatNanos(Math.abs(nanos))}s`;
}

function parseDuration(text) {
  const match = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) throw new ProtoJsonError(`invalid google.protobuf.Duration value "${text}" (expected e.g. "1.5s")`);
  const [, negative, wholeSeconds, fraction = ''] = match;
  const seconds = BigInt(wholeSeconds);
  if (seconds > MAX_DURATION_SECONDS) throw new ProtoJsonError(`google.protobuf.Duration out of range: "${text}"`);
  const nanos = Number(fraction.padEnd(9, '0'));
  return negative ? { seconds: -seconds, nanos: -nanos } : { seconds, nanos };
}

function formatFieldMaskPath(path) {
  return path.split('.').map((segment) => segment.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase())).join('.');
}

function parseFieldMask(text) {
  return text.split(',').filter(Boolean).map((path) =>
    path.split('.').map((segment) => segment.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)).join('.'));
}
