// `describe -msg-template`: an example JSON request with every field filled in with its default,
// so people can copy it and edit the values. Mirrors grpcurl's MakeTemplate.

import { FieldType } from './descriptors.mjs';
import { WRAPPER_TYPES } from './protojson.mjs';
import { defaultScalarValue } from './wire.mjs';

const WELL_KNOWN_TEMPLATES = {
  // An Any needs some type in its JSON form; Empty is the neutral choice.
  'google.protobuf.Any': () => new Map([['@type', 'type.googleapis.com/google.protobuf.Empty'], ['value', new Map()]]),
  'google.protobuf.Timestamp': () => '1970-01-01T00:00:00Z',
  'google.protobuf.Duration': () => '0s',
  'google.protobuf.FieldMask': () => '',
  'google.protobuf.Struct': () => new Map(),
  'google.protobuf.ListValue': () => [],
  'google.protobuf.Value': () => '',
  'google.protobuf.Empty': () => new Map(),
};

/**
 * @param {import('./descriptors.mjs').MessageInfo} messageType
 * @param {import('./protojson.mjs').ProtoJsonCodec} codec  formats scalars exactly like responses
 */
export function makeMessageTemplate(messageType, codec, enclosingTypes = new Set()) {
  const wellKnown = WELL_KNOWN_TEMPLATES[messageType.fullName];
  if (wellKnown) return wellKnown();
  if (WRAPPER_TYPES.has(messageType.fullName)) return codec.toJson(messageType, {});
  if (enclosingTypes.has(messageType.fullName)) return new Map(); // stop at recursive types
  const innerTypes = new Set(enclosingTypes).add(messageType.fullName);

  const template = new Map();
  const filledOneofs = new Set();
  for (const field of messageType.fields) {
    // Only one member of a oneof may be set in a valid request.
    if (field.realOneof) {
      if (filledOneofs.has(field.realOneof)) continue;
      filledOneofs.add(field.realOneof);
    }
    let value;
    if (field.isMap) {
      const key = codec.singularValueToJson(field.mapKeyField, defaultScalarValue(field.mapKeyField));
      value = new Map([[String(key), singularTemplate(field.mapValueField, codec, innerTypes)]]);
    } else if (field.isRepeated) {
      value = [singularTemplate(field, codec, innerTypes)];
    } else {
      value = singularTemplate(field, codec, innerTypes);
    }
    template.set(field.jsonName, value);
  }
  return template;
}

function singularTemplate(field, codec, enclosingTypes) {
  if (field.type === FieldType.MESSAGE || field.type === FieldType.GROUP) {
    return makeMessageTemplate(field.messageType, codec, enclosingTypes);
  }
  return codec.singularValueToJson(field, defaultScalarValue(field));
}
