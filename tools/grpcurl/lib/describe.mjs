// Renders descriptors as proto source, the way `grpcurl describe` shows them: type references
// fully qualified with a leading dot, comments kept when the server ships source info.

import { FieldType, toJsonName } from './descriptors.mjs';

const SCALAR_TYPE_NAMES = {
  [FieldType.DOUBLE]: 'double', [FieldType.FLOAT]: 'float', [FieldType.INT64]: 'int64', [FieldType.UINT64]: 'uint64',
  [FieldType.INT32]: 'int32', [FieldType.FIXED64]: 'fixed64', [FieldType.FIXED32]: 'fixed32', [FieldType.BOOL]: 'bool',
  [FieldType.STRING]: 'string', [FieldType.BYTES]: 'bytes', [FieldType.UINT32]: 'uint32', [FieldType.SFIXED32]: 'sfixed32',
  [FieldType.SFIXED64]: 'sfixed64', [FieldType.SINT32]: 'sint32', [FieldType.SINT64]: 'sint64',
};

const INDENT = '  ';
const MAX_FIELD_NUMBER = 536870911;
const MAX_ENUM_NUMBER = 2147483647;

/**
 * @returns {{fullName: string, kindLabel: string, text: string}} kindLabel completes
 *   "<fullName> is <kindLabel>:", the heading grpcurl prints above the definition.
 */
export function describeDescriptor(descriptor) {
  switch (descriptor.kind) {
    case 'service':
      return described(descriptor, 'a service', renderService(descriptor, ''));
    case 'method':
      return described(descriptor, 'a method', renderMethod(descriptor, ''));
    case 'message': {
      // A map's entry type is compiler-generated; the map field is what the user wrote.
      const mapField = descriptor.isMapEntry && descriptor.parent?.fields.find((field) => field.typeName === descriptor.fullName);
      if (mapField) return described(descriptor, 'the entry type for a map field', renderField(mapField, ''));
      return described(descriptor, 'a message', renderMessage(descriptor, ''));
    }
    case 'field':
      return described(descriptor, descriptor.isExtension ? 'an extension' : 'a field', renderField(descriptor, ''));
    case 'oneof':
      return described(descriptor, 'a one-of', renderOneof(descriptor, ''));
    case 'enum':
      return described(descriptor, 'an enum', renderEnum(descriptor, ''));
    case 'enumValue':
      return described(descriptor, 'an enum value', renderEnumValue(descriptor, ''));
    default:
      throw new Error(`descriptor has unrecognized kind ${descriptor.kind}`);
  }
}

/** The one-line signature used by `-v` output ("Resolved method descriptor"). */
export function methodSignature(method) {
  return renderMethod(method, '').join('\n');
}

function described(descriptor, kindLabel, lines) {
  return { fullName: descriptor.fullName, kindLabel, text: lines.join('\n') };
}

function renderComment(descriptor, indent) {
  const comment = descriptor.comment;
  if (!comment) return [];
  return comment.replace(/\n$/, '').split('\n').map((line) => `${indent}//${line}`);
}

function renderService(service, indent) {
  return [
    ...renderComment(service, indent),
    `${indent}service ${service.name} {`,
    ...(service.isDeprecated ? [`${indent}${INDENT}option deprecated = true;`] : []),
    ...service.methods.flatMap((method) => renderMethod(method, indent + INDENT)),
    `${indent}}`,
  ];
}

function renderMethod(method, indent) {
  const input = `${method.clientStreaming ? 'stream ' : ''}${method.proto.inputType}`;
  const output = `${method.serverStreaming ? 'stream ' : ''}${method.proto.outputType}`;
  const signature = `${indent}rpc ${method.name} ( ${input} ) returns ( ${output} )`;
  const body = method.isDeprecated
    ? [`${signature} {`, `${indent}${INDENT}option deprecated = true;`, `${indent}}`]
    : [`${signature};`];
  return [...renderComment(method, indent), ...body];
}

function renderMessage(message, indent) {
  const inner = indent + INDENT;
  const lines = [...renderComment(message, indent), `${indent}message ${message.name} {`];
  if (message.isDeprecated) lines.push(`${inner}option deprecated = true;`);

  // Fields in declaration order, each oneof printed as a block where its first member appears.
  const renderedOneofs = new Set();
  for (const field of message.fields) {
    const oneof = field.realOneof;
    if (!oneof) {
      lines.push(...renderField(field, inner));
    } else if (!renderedOneofs.has(oneof)) {
      renderedOneofs.add(oneof);
      lines.push(...renderOneof(oneof, inner));
    }
  }
  for (const enumInfo of message.nestedEnums) lines.push(...renderEnum(enumInfo, inner));
  for (const nested of message.nestedMessages) {
    if (!nested.isMapEntry) lines.push(...renderMessage(nested, inner));
  }
  lines.push(...renderExtensions(message.extensions, inner));

  const ranges = message.proto.extensionRange.map(({ start, end }) => formatRange(start, end, MAX_FIELD_NUMBER));
  if (ranges.length > 0) lines.push(`${inner}extensions ${ranges.join(', ')};`);
  lines.push(...renderReserved(message.proto, inner, { inclusiveEnd: false, max: MAX_FIELD_NUMBER }));
  lines.push(`${indent}}`);
  return lines;
}

function renderOneof(oneof, indent) {
  return [
    ...renderComment(oneof, indent),
    `${indent}oneof ${oneof.name} {`,
    ...oneof.fields.flatMap((field) => renderField(field, indent + INDENT)),
    `${indent}}`,
  ];
}

function renderField(field, indent) {
  const options = [];
  if (field.proto.defaultValue !== undefined) options.push(`default = ${formatDefault(field)}`);
  if (field.proto.jsonName && field.proto.jsonName !== toJsonName(field.name)) {
    options.push(`json_name = ${JSON.stringify(field.proto.jsonName)}`);
  }
  if (field.proto.options?.packed !== undefined) options.push(`packed = ${field.proto.options.packed}`);
  if (field.isDeprecated) options.push('deprecated = true');
  const optionText = options.length > 0 ? ` [${options.join(', ')}]` : '';
  const declaration = `${fieldLabel(field)}${fieldTypeText(field)} ${field.name} = ${field.number}${optionText};`;
  return [...renderComment(field, indent), indent + declaration];
}

function fieldLabel(field) {
  if (field.isMap || field.realOneof) return '';
  if (field.isRepeated) return 'repeated ';
  if (field.isRequired) return 'required ';
  if (field.isProto3Optional || field.file.syntax === 'proto2') return 'optional ';
  return '';
}

function fieldTypeText(field) {
  if (field.isMap) {
    const entry = field.pool.lookup(field.typeName);
    return `map<${fieldTypeText(entry.fieldByNumber(1))}, ${fieldTypeText(entry.fieldByNumber(2))}>`;
  }
  if (field.type === FieldType.GROUP) return `group .${field.typeName}`;
  return SCALAR_TYPE_NAMES[field.type] ?? `.${field.typeName}`;
}

function formatDefault(field) {
  const value = field.proto.defaultValue;
  if (field.type === FieldType.STRING || field.type === FieldType.BYTES) return JSON.stringify(value);
  return value;
}

function renderExtensions(extensions, indent) {
  const byExtendee = new Map();
  for (const field of extensions) byExtendee.set(field.proto.extendee, [...(byExtendee.get(field.proto.extendee) ?? []), field]);
  return [...byExtendee].flatMap(([extendee, fields]) => [
    `${indent}extend ${extendee} {`,
    ...fields.flatMap((field) => renderField(field, indent + INDENT)),
    `${indent}}`,
  ]);
}

function renderEnum(enumInfo, indent) {
  const inner = indent + INDENT;
  return [
    ...renderComment(enumInfo, indent),
    `${indent}enum ${enumInfo.name} {`,
    ...(enumInfo.proto.options?.allowAlias ? [`${inner}option allow_alias = true;`] : []),
    ...(enumInfo.isDeprecated ? [`${inner}option deprecated = true;`] : []),
    ...enumInfo.values.flatMap((value) => renderEnumValue(value, inner)),
    // Enum reserved ranges are inclusive, message ones exclusive.
    ...renderReserved(enumInfo.proto, inner, { inclusiveEnd: true, max: MAX_ENUM_NUMBER }),
    `${indent}}`,
  ];
}

function renderEnumValue(value, indent) {
  const options = value.isDeprecated ? ' [deprecated = true]' : '';
  return [...renderComment(value, indent), `${indent}${value.name} = ${value.number}${options};`];
}

function renderReserved(proto, indent, { inclusiveEnd, max }) {
  const lines = [];
  const ranges = proto.reservedRange.map(({ start, end }) => formatRange(start, inclusiveEnd ? end + 1 : end, max));
  if (ranges.length > 0) lines.push(`${indent}reserved ${ranges.join(', ')};`);
  if (proto.reservedName.length > 0) lines.push(`${indent}reserved ${proto.reservedName.map((name) => JSON.stringify(name)).join(', ')};`);
  return lines;
}

/** Formats a half-open [start, end) range as proto source writes it. */
function formatRange(start, end, max) {
  const last = end - 1;
  if (last === start) return String(start);
  return `${start} to ${last >= max ? 'max' : last}`;
}
