// Turns definitions parsed by protobufjs (proto-loader.mjs) into the FileDescriptorProtos protoc
// would produce for them, so -proto files feed the same DescriptorPool that server reflection
// does. protobufjs's ext/descriptor isn't enough for that: it makes one file per package, writes
// relative type names and drops imports, comments, JSON names and proto3 `optional`.

import protobuf from 'protobufjs';
import { FieldType, SOURCE_PATH, descriptorProtoType, encodeFileDescriptorProto, toJsonName } from './descriptors.mjs';
import { ProtoSourceError } from './proto-loader.mjs';

const { Enum, Field, MapField, Namespace, Service, Type } = protobuf;

const SCALAR_TYPES = {
  double: FieldType.DOUBLE, float: FieldType.FLOAT, int64: FieldType.INT64, uint64: FieldType.UINT64,
  int32: FieldType.INT32, fixed64: FieldType.FIXED64, fixed32: FieldType.FIXED32, bool: FieldType.BOOL,
  string: FieldType.STRING, bytes: FieldType.BYTES, uint32: FieldType.UINT32, sfixed32: FieldType.SFIXED32,
  sfixed64: FieldType.SFIXED64, sint32: FieldType.SINT32, sint64: FieldType.SINT64,
};

const Label = Object.freeze({ OPTIONAL: 1, REQUIRED: 2, REPEATED: 3 });

// protobufjs reads `max` in reserved ranges as the largest field number, also in enums.
const MAX_FIELD_NUMBER = 536870911;
const MAX_ENUM_NUMBER = 2147483647;

const OptionTypes = Object.fromEntries(
  ['FieldOptions', 'MessageOptions', 'EnumOptions', 'EnumValueOptions', 'OneofOptions', 'ServiceOptions', 'MethodOptions']
    .map((name) => [name, descriptorProtoType(name)]),
);

/**
 * @param {{files: import('./proto-loader.mjs').ProtoFile[]}} loaded  what loadProtoFiles returned
 * @returns {Uint8Array[]} one serialized FileDescriptorProto per file
 */
export function compileProtoFiles({ files }) {
  return files.map((file) => encodeFileDescriptorProto(new FileCompiler(file).compile()));
}

class FileCompiler {
  #file;
  #comments = [];

  /** @param {import('./proto-loader.mjs').ProtoFile} file */
  constructor(file) {
    this.#file = file;
  }

  compile() {
    const file = this.#file;
    const proto = {
      name: file.name,
      package: file.package || undefined,
      dependency: file.dependencies,
      weakDependency: file.weakDependencies,
      // protoc leaves syntax unset for proto2.
      syntax: file.syntax === 'proto2' ? undefined : file.syntax,
      edition: file.edition ? `EDITION_${file.edition}` : undefined,
      messageType: [],
      enumType: [],
      service: [],
      extension: [],
    };
    for (const object of file.declarations) {
      if (object instanceof Type) {
        proto.messageType.push(this.#message(object, [SOURCE_PATH.FILE_MESSAGE, proto.messageType.length]));
      } else if (object instanceof Service) {
        proto.service.push(this.#service(object, [SOURCE_PATH.FILE_SERVICE, proto.service.length]));
      } else if (object instanceof Enum) {
        proto.enumType.push(this.#enum(object, [SOURCE_PATH.FILE_ENUM, proto.enumType.length]));
      } else if (object instanceof Field) {
        proto.extension.push(this.#field(object, [SOURCE_PATH.FILE_EXTENSION, proto.extension.length]));
      }
    }
    if (this.#comments.length > 0) proto.sourceCodeInfo = { location: this.#comments };
    return proto;
  }

  #message(type, path) {
    this.#comment(type.comment, path);
    // protoc lists the synthetic oneofs of proto3 `optional` fields after all real ones.
    const oneofs = [...type.oneofsArray.filter((oneof) => !isSyntheticOneof(oneof)), ...type.oneofsArray.filter(isSyntheticOneof)];
    // Extensions of this type declared elsewhere show up as "sister" fields; they aren't its own.
    const fields = type.fieldsArray.filter((field) => !field.declaringField);
    const message = {
      name: type.name,
      field: fields.map((field, i) => this.#field(field, [...path, SOURCE_PATH.MESSAGE_FIELD, i], oneofs)),
      nestedType: [],
      enumType: [],
      extension: [],
      oneofDecl: oneofs.map((oneof, i) => {
        this.#comment(oneof.comment, [...path, SOURCE_PATH.MESSAGE_ONEOF, i]);
        return { name: oneof.name, options: descriptorOptions(oneof.options, OptionTypes.OneofOptions) };
      }),
      extensionRange: (type.extensions ?? []).map(([start, end]) => ({ start, end: end + 1 })),
      reservedRange: reservedRanges(type.reserved).map(([start, end]) => ({ start, end: end + 1 })),
      reservedName: reservedNames(type.reserved),
      options: descriptorOptions(type.options, OptionTypes.MessageOptions),
    };
    for (const nested of type.nestedArray) {
      if (nested instanceof Type) {
        message.nestedType.push(this.#message(nested, [...path, SOURCE_PATH.MESSAGE_NESTED, message.nestedType.length]));
      } else if (nested instanceof Enum) {
        message.enumType.push(this.#enum(nested, [...path, SOURCE_PATH.MESSAGE_ENUM, message.enumType.length]));
      } else if (nested instanceof Field) {
        message.extension.push(this.#field(nested, [...path, SOURCE_PATH.MESSAGE_EXTENSION, message.extension.length]));
      }
    }
    for (const field of fields) {
      if (field instanceof MapField) message.nestedType.push(this.#mapEntry(field));
    }
    return message;
  }

  /** A field, map field or extension; its scope for type names is where it is declared. */
  #field(field, path, oneofs = []) {
    this.#comment(field.comment, path);
    const scope = field.parent;
    const proto = {
      name: field.name,
      number: field.id,
      label: fieldLabel(field),
      jsonName: field.options?.json_name ?? toJsonName(field.name),
      options: descriptorOptions(field.options, OptionTypes.FieldOptions),
    };
    if (field instanceof MapField) {
      proto.type = FieldType.MESSAGE;
      proto.typeName = `${scope.fullName}.${mapEntryName(field.name)}`;
    } else {
      Object.assign(proto, this.#fieldType(field));
    }
    if (field.extend !== undefined) {
      const extendee = this.#resolve(field.extend, scope, `extension ${qualifiedName(field)}`);
      if (!(extendee instanceof Type)) throw this.#error(`extension ${qualifiedName(field)}: "${field.extend}" is not a message type`);
      proto.extendee = extendee.fullName;
    }
    if (field.partOf) proto.oneofIndex = oneofs.indexOf(field.partOf);
    if (field.options?.proto3_optional) proto.proto3Optional = true;
    if (field.options?.default !== undefined) proto.defaultValue = formatDefault(field.options.default);
    return proto;
  }

  /** The entry message protoc generates for a map field: `map<K, V> foo_bar` -> FooBarEntry. */
  #mapEntry(field) {
    return {
      name: mapEntryName(field.name),
      field: [
        { name: 'key', number: 1, label: Label.OPTIONAL, type: SCALAR_TYPES[field.keyType], jsonName: 'key' },
        { name: 'value', number: 2, label: Label.OPTIONAL, jsonName: 'value', ...this.#fieldType(field) },
      ],
      options: { mapEntry: true },
    };
  }

  /** type and typeName for a field's declared type (the value type of a map field). */
  #fieldType(field) {
    const scalar = SCALAR_TYPES[field.type];
    if (scalar) return { type: scalar };
    const target = this.#resolve(field.type, field.parent, `field ${qualifiedName(field)}`);
    if (target instanceof Enum) return { type: FieldType.ENUM, typeName: target.fullName };
    const delimited = target.group || field.options?.features?.message_encoding === 'DELIMITED';
    return { type: delimited ? FieldType.GROUP : FieldType.MESSAGE, typeName: target.fullName };
  }

  #enum(enumType, path) {
    this.#comment(enumType.comment, path);
    return {
      name: enumType.name,
      value: Object.entries(enumType.values).map(([name, number], i) => {
        this.#comment(enumType.comments[name], [...path, SOURCE_PATH.ENUM_VALUE, i]);
        return { name, number, options: descriptorOptions(enumType.valuesOptions?.[name], OptionTypes.EnumValueOptions) };
      }),
      // Enum reserved ranges include their end, unlike message ones.
      reservedRange: reservedRanges(enumType.reserved)
        .map(([start, end]) => ({ start, end: end === MAX_FIELD_NUMBER ? MAX_ENUM_NUMBER : end })),
      reservedName: reservedNames(enumType.reserved),
      options: descriptorOptions(enumType.options, OptionTypes.EnumOptions),
    };
  }

  #service(service, path) {
    this.#comment(service.comment, path);
    return {
      name: service.name,
      method: service.methodsArray.map((method, i) => {
        this.#comment(method.comment, [...path, SOURCE_PATH.SERVICE_METHOD, i]);
        return {
          name: method.name,
          inputType: this.#messageTypeName(method.requestType, method),
          outputType: this.#messageTypeName(method.responseType, method),
          clientStreaming: method.requestStream || undefined,
          serverStreaming: method.responseStream || undefined,
          options: descriptorOptions(method.options, OptionTypes.MethodOptions),
        };
      }),
      options: descriptorOptions(service.options, OptionTypes.ServiceOptions),
    };
  }

  #messageTypeName(reference, method) {
    const target = this.#resolve(reference, method.parent, `method ${qualifiedName(method)}`);
    if (!(target instanceof Type)) throw this.#error(`method ${qualifiedName(method)}: "${reference}" is not a message type`);
    return target.fullName;
  }

  #resolve(reference, scope, context) {
    const target = resolveTypeReference(reference, scope);
    if (!target) throw this.#error(`${context}: "${reference}" is not defined`);
    return target;
  }

  /**
   * protobufjs gives comments without their `//` and the space after it; protoc keeps that
   * space, and describe.mjs prints comments the way protoc stores them. (When an element has no
   * leading comment, protobufjs hands over its trailing one; it's shown the same way.)
   */
  #comment(text, path) {
    if (typeof text !== 'string' || text === '') return;
    const leadingComments = `${text.split('\n').map((line) => (line ? ` ${line}` : '')).join('\n')}\n`;
    this.#comments.push({ path, leadingComments });
  }

  #error(message) {
    return new ProtoSourceError(`${this.#file.name}: ${message}`);
  }
}

/**
 * Finds the message or enum a type reference names, by protoc's scoping rules: the first name
 * component is looked up from the innermost scope outwards, the rest inside what it names.
 * protobufjs's own lookup tries a name as fully-qualified first, which can pick another type.
 */
function resolveTypeReference(reference, scope) {
  const parts = reference.replace(/^\./, '').split('.');
  if (reference.startsWith('.')) return lookupPath(scope.root, parts);
  for (let namespace = scope; namespace; namespace = namespace.parent) {
    const found = namespace.get(parts[0]);
    if (!found) continue;
    if (parts.length === 1 && isTypeDeclaration(found)) return found;
    // A package, message or enum ends the search even if the rest isn't in it, as in protoc.
    if (parts.length > 1 && (found instanceof Namespace || found instanceof Enum)) return lookupPath(namespace, parts);
  }
  return null;
}

function lookupPath(namespace, parts) {
  let current = namespace;
  for (const part of parts) {
    current = current instanceof Namespace ? current.get(part) : null;
    if (!current) return null;
  }
  return isTypeDeclaration(current) ? current : null;
}

function isTypeDeclaration(object) {
  return object instanceof Type || object instanceof Enum;
}

function fieldLabel(field) {
  if (field.repeated || field instanceof MapField) return Label.REPEATED;
  // Not field.required: that reads editions features, which protobufjs resolves only on demand.
  return field.rule === 'required' ? Label.REQUIRED : Label.OPTIONAL;
}

function isSyntheticOneof(oneof) {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0].options?.proto3_optional === true;
}

/** protoc's MapEntryName: CamelCase of the field name plus "Entry". */
function mapEntryName(fieldName) {
  return `${fieldName.replace(/(?:^|_+)(.?)/g, (_, next) => next.toUpperCase())}Entry`;
}

function reservedRanges(reserved) {
  return (reserved ?? []).filter((entry) => Array.isArray(entry));
}

function reservedNames(reserved) {
  return (reserved ?? []).filter((entry) => typeof entry === 'string');
}

/** Defaults as protoc writes them in descriptors (protobufjs has parsed them to values). */
function formatDefault(value) {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  return String(value);
}

/**
 * protobufjs keeps options as written (`{json_name: 'x', deprecated: true, '(my.ext)': 1}`).
 * Keep the ones descriptor.proto defines, in protobufjs's camelCase form for fromObject. Custom
 * options are left out: their definitions aren't part of descriptor.proto, and nothing shows them.
 */
function descriptorOptions(options, optionsType) {
  if (!options) return undefined;
  const result = {};
  for (const [name, value] of Object.entries(options)) {
    const field = optionsType.fields[protobuf.util.camelCase(name)];
    if (!field) continue;
    const valueType = field.resolve().resolvedType;
    const converted = valueType instanceof Type ? descriptorOptions(value, valueType) : value;
    // A repeated option set once, e.g. `targets = TARGET_TYPE_FIELD`, is still a list.
    result[field.name] = field.repeated && !Array.isArray(converted) ? [converted] : converted;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function qualifiedName(object) {
  return object.fullName.replace(/^\./, '');
}
