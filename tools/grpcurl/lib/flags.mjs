// Command-line parsing that follows Go's `flag` package, because grpcurl is a Go program and
// people paste its invocations verbatim: `-flag` and `--flag` are equivalent, values are given
// as `-flag=value` or `-flag value` (booleans only take the `=` form), and parsing stops at the
// first positional argument or at `--`.

export class UsageError extends Error {}

/** Raised for -h/-help when no such flag is declared, mirroring Go's flag.ErrHelp. */
export class HelpRequested extends Error {}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * @param {string[]} argv
 * @param {Record<string, {kind: 'bool'|'string'|'number'|'list', default?: any}>} specs
 * @returns {{flags: Record<string, any>, args: string[], given: Set<string>}}
 */
export function parseFlags(argv, specs) {
  const flags = {};
  for (const [name, spec] of Object.entries(specs)) {
    flags[name] = spec.default ?? { bool: false, string: '', number: 0, list: [] }[spec.kind];
  }
  const given = new Set();

  let index = 0;
  while (index < argv.length) {
    const arg = argv[index];
    if (arg === '--') {
      index++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;

    const body = arg.slice(arg.startsWith('--') ? 2 : 1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      throw new UsageError(`bad flag syntax: ${arg}`);
    }
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const spec = specs[name];
    if (!spec) {
      if (name === 'h' || name === 'help') throw new HelpRequested();
      throw new UsageError(`flag provided but not defined: -${name}`);
    }

    let raw;
    if (equals >= 0) {
      raw = body.slice(equals + 1);
    } else if (spec.kind === 'bool') {
      raw = 'true';
    } else if (index + 1 < argv.length) {
      raw = argv[++index];
    } else {
      throw new UsageError(`flag needs an argument: -${name}`);
    }
    index++;

    flags[name] = convertFlagValue(name, spec.kind, raw, flags[name]);
    given.add(name);
  }
  return { flags, args: argv.slice(index), given };
}

function convertFlagValue(name, kind, raw, previous) {
  switch (kind) {
    case 'bool':
      if (GO_TRUE.has(raw)) return true;
      if (GO_FALSE.has(raw)) return false;
      throw new UsageError(`invalid boolean value "${raw}" for -${name}: parse error`);
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || Number.isNaN(value)) {
        throw new UsageError(`invalid value "${raw}" for flag -${name}: parse error`);
      }
      return value;
    }
    case 'list':
      return [...previous, raw];
    default:
      return raw;
  }
}
