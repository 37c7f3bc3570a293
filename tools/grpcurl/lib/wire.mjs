// Binary protobuf codec for messages known only at run time (through a MessageInfo).
//
// A decoded message is a plain object keyed by proto field name, holding only the fields that
// were present on the wire:  64-bit integers are BigInt, other numbers and enums are numbers,
// bytes are Uint8Array, nested messages are objects, repeated fields are arrays and maps are
// Maps with typed keys. encodeMessage takes the same shape. Unknown fields are skipped.

import protobuf from 'protobufjs';
import { FieldType } from './descriptors.mjs';

const { Reader, Writer } = protobuf;

const WireType = Object.freeze({ VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 });

const MAX_NESTING_DEPTH = 100;

/** How each scalar type is read, written and laid out on the wire. */
const SCALARS = {
  [FieldType.DOUBLE]: { wireType: WireType.FIXED64, read: (r) => r.double(), write: (w, v) => w.double(v) },
  [FieldType.FLOAT]: { wireType: WireType.FIXED32, read: (r) => r.float(), write: (w, v) => w.float(v) },
  [FieldType.INT64]: { wireType: WireType.VARINT, read: (r) => signed64(r.int64()), write: (w, v) => w.int64(longBits(v)) },
  [FieldType.UINT64]: { wireType: WireType.VARINT, read: (r) => unsigned64(r.uint64()), write: (w, v) => w.uint64(longBits(v)) },
  [FieldType.INT32]: { wireType: WireType.VARINT, read: (r) => r.int32(), write: (w, v) => w.int32(v) },
  [FieldType.FIXED64]: { wireType: WireType.FIXED64, read: (r) => unsigned64(r.fixed64()), write: (w, v) => w.fixed64(longBits(v)) },
  [FieldType.FIXED32]: { wireType: WireType.FIXED32, read: (r) => r.fixed32(), write: (w, v) => w.fixed32(v) },
  [FieldType.BOOL]: { wireType: WireType.VARINT, read: (r) => r.bool(), write: (w, v) => w.bool(v) },
  [FieldType.STRING]: { wireType: WireType.LENGTH_DELIMITED, read: (r) => r.string(), write: (w, v) => w.string(v) },
  [FieldType.BYTES]: { wireType: WireType.LENGTH_DELIMITED, read: (r) => r.bytes(), write: (w, v) => w.bytes(v) },
  [FieldType.UINT32]: { wireType: WireType.VARINT, read: (r) => r.uint32(), write: (w, v) => w.uint32(v) },
  [FieldType.ENUM]: { wireType: WireType.VARINT, read: (r) => r.int32(), write: (w, v) => w.int32(v) },
  [FieldType.SFIXED32]: { wireType: WireType.FIXED32, read: (r) => r.sfixed32(), write: (w, v) => w.sfixed32(v) },
  [FieldType.SFIXED64]: { wireType: WireType.FIXED64, read: (r) => signed64(r.sfixed64()), write: (w, v) => w.sfixed64(longBits(v)) },
  [FieldType.SINT32]: { wireType: WireType.VARINT, read: (r) => r.sint32(), write: (w, v) => w.sint32(v) },
  [FieldType.SINT64]: { wireType: WireType.VARINT, read: (r) => signed64(r.sint64()), write: (w, v) => w.sint64(longBits(v)) },
};

function signed64(long) {
  return BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
}

function unsigned64(long) {
  return BigInt.asUintN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
}

/** protobufjs writers accept any {low, high} pair, which avoids a lossy trip through Number. */
function longBits(value) {
  const bits = BigInt.asUintN(64, BigInt(value));
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0 };
}

/** The value a field has when it is absent from the wire. */
export function defaultScalarValue(field) {
  switch (field.type) {
    case FieldType.INT64: case FieldType.UINT64: case FieldType.FIXED64: case FieldType.SFIXED64: case FieldType.SINT64:
      return 0n;
    case FieldType.BOOL:
      return false;
    case FieldType.STRING:
      return '';
    case FieldType.BYTES:
      return new Uint8Array(0);
    case FieldType.ENUM:
      // proto3 enums default to 0; proto2 enums to their first declared value.
      return field.enumType?.values[0]?.number ?? 0;
    default:
      return 0;
  }
}

export function isDefaultScalarValue(field, value) {
  if (field.type === FieldType.BYTES) return value.length === 0;
  if (field.type === FieldType.DOUBLE || field.type === FieldType.FLOAT) return value === 0 && !Object.is(value, -0);
  return value === defaultScalarValue(field);
}

// ---------------------------------------------------------------------------------------------
// Decoding

export function decodeMessage(messageType, bytes) {
  const reader = Reader.create(bytes);
  return readMessage(reader, messageType, reader.len, undefined, {}, 0);
}

function readMessage(reader, messageType, end, groupNumber, message, depth) {
  if (depth > MAX_NESTING_DEPTH) throw new Error('message nesting too deep');
  while (reader.pos < end) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WireType.END_GROUP) {
      if (number !== groupNumber) throw new Error(`unexpected end-group tag for field ${number}`);
      return message;
    }
    const field = messageType.fieldByNumber(number);
    if (!field || !readField(reader, field, wireType, message, depth)) reader.skipType(wireType);
  }
  if (groupNumber !== undefined) throw new Error(`missing end-group tag for field ${groupNumber}`);
  return message;
}

/** Reads one occurrence of a known field; returns false if the wire type doesn't fit it. */
function readField(reader, field, wireType, message, depth) {
  if (field.isMap) {
    if (wireType !== WireType.LENGTH_DELIMITED) return false;
    const entryType = field.messageType;
    const entry = readMessage(reader, entryType, reader.uint32() + reader.pos, undefined, {}, depth + 1);
    const keyField = entryType.fieldByNumber(1);
    const valueField = entryType.fieldByNumber(2);
    const map = (message[field.name] ??= new Map());
    map.set(entry.key ?? defaultScalarValue(keyField), entry.value ?? defaultValueOf(valueField));
    return true;
  }

  if (field.isRepeated && field.isPackable && wireType === WireType.LENGTH_DELIMITED) {
    const list = (message[field.name] ??= []);
    const end = reader.uint32() + reader.pos;
    while (reader.pos < end) list.push(SCALARS[field.type].read(reader));
    return true;
  }

  let value;
  if (field.type === FieldType.MESSAGE) {
    if (wireType !== WireType.LENGTH_DELIMITED) return false;
    // A repeated singular message on the wire is merged into the previous occurrence.
    const target = field.isRepeated ? {} : (message[field.name] ?? {});
    value = readMessage(reader, field.messageType, reader.uint32() + reader.pos, undefined, target, depth + 1);
  } else if (field.type === FieldType.GROUP) {
    if (wireType !== WireType.START_GROUP) return false;
    const target = field.isRepeated ? {} : (message[field.name] ?? {});
    value = readMessage(reader, field.messageType, reader.len, field.number, target, depth + 1);
  } else {
    const scalar = SCALARS[field.type];
    if (wireType !== scalar.wireType) return false;
    value = scalar.read(reader);
  }

  if (field.isRepeated) {
    (message[field.name] ??= []).push(value);
  } else {
    clearOtherOneofMembers(message, field);
    message[field.name] = value;
  }
  return true;
}

function defaultValueOf(field) {
  return field.isMessage ? {} : defaultScalarValue(field);
}

export function clearOtherOneofMembers(message, field) {
  for (const member of field.realOneof?.fields ?? []) {
    if (member !== field) delete message[member.name];
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeMessage(messageType, message) {
  return writeMessage(Writer.create(), messageType, message).finish();
}

function writeMessage(writer, messageType, message) {
  for (const field of [...messageType.fields].sort((a, b) => a.number - b.number)) {
    const value = message[field.name];
    if (value === undefined) continue;
    if (field.isMap) {
      for (const [key, entryValue] of value) {
        writer.uint32(tag(field.number, WireType.LENGTH_DELIMITED)).fork();
        writeSingular(writer, field.mapKeyField, key);
        writeSingular(writer, field.mapValueField, entryValue);
        writer.ldelim();
      }
    } else if (field.isRepeated && field.isPacked) {
      if (value.length === 0) continue;
      writer.uint32(tag(field.number, WireType.LENGTH_DELIMITED)).fork();
      for (const element of value) SCALARS[field.type].write(writer, element);
      writer.ldelim();
    } else if (field.isRepeated) {
      for (const element of value) writeSingular(writer, field, element);
    } else if (field.hasPresence || !isDefaultScalarValue(field, value)) {
      writeSingular(writer, field, value);
    }
  }
  return writer;
}

function writeSingular(writer, field, value) {
  if (field.type === FieldType.MESSAGE) {
    writer.uint32(tag(field.number, WireType.LENGTH_DELIMITED)).fork();
    writeMessage(writer, field.messageType, value).ldelim();
  } else if (field.type === FieldType.GROUP) {
    writer.uint32(tag(field.number, WireType.START_GROUP));
    writeMessage(writer, field.messageType, value).uint32(tag(field.number, WireType.END_GROUP));
  } else {
    const scalar = SCALARS[field.type];
    scalar.write(writer.uint32(tag(field.number, scalar.wireType)), value);
  }
}

function tag(number, wireType) {
  return ((number << 3) | wireType) >>> 0;
}
