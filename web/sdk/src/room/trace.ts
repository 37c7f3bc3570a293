/**
 * W3C trace context for danmaku sends (docs/protocol.md, "Trace context"): a traced send carries the trace it
 * belongs to and the id of the client's own span for it, and the Edge, MessageService, the Kafka record and
 * StatsService continue that trace (docs/operations.md, "Following one message").
 */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zeros. */
  readonly traceId: string;
  /** The client's span for this send: 16 lowercase hex digits, not all zeros. */
  readonly spanId: string;
  /** W3C flag `sampled`: the services keep every span of a sampled trace. */
  readonly sampled: boolean;
}

export interface TracingOptions {
  /** The share of sends (0..1) that carry a trace context; 1 traces every send. */
  sampleRatio: number;
  /** The trace a send joins (e.g. the page's own trace id); when it returns undefined each send starts a new trace. */
  traceId?: () => string | undefined;
  /** Told the traceparent of everything traced (`what`: a send's text, a call's method), e.g. to log it for looking it up later. */
  onTraced?: (traceparent: string, what: string) => void;
}

/** Throws a RangeError unless `tracing.sampleRatio` is a share from 0 to 1. */
export function checkTracing(tracing: TracingOptions | undefined): void {
  const ratio = tracing?.sampleRatio;
  if (ratio !== undefined && !(ratio >= 0 && ratio <= 1)) {
    throw new RangeError(`tracing.sampleRatio is a share from 0 to 1; got ${ratio}`);
  }
}

/** A new send context when `draw` (0..1) falls within the sample ratio; undefined otherwise. */
export function sampleTrace(tracing: TracingOptions | undefined, draw: () => number): TraceContext | undefined {
  if (tracing === undefined || tracing.sampleRatio === 0 || draw() >= tracing.sampleRatio) {
    return undefined;
  }
  return newTraceContext(tracing.traceId?.());
}

/** Bytes a traced binary frame appends after its colour field: trace id, span id, flags. */
export const TRACE_CONTEXT_SIZE = 25;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new span of the send in `traceId` (validated), or in a new trace; sampled. */
export function newTraceContext(traceId?: string): TraceContext {
  if (traceId !== undefined) {
    checkId(traceId, TRACE_ID, "trace id", 32);
  }
  return { traceId: traceId ?? randomHex(16), spanId: randomHex(8), sampled: true };
}

/** Reads a W3C `traceparent` header value (version 00); throws a RangeError saying what is wrong. */
export function parseTraceparent(value: string): TraceContext {
  const match = TRACEPARENT.exec(value);
  if (!match) {
    throw new RangeError(`traceparent must be 00-<32 hex>-<16 hex>-<2 hex> in lowercase; got ${JSON.stringify(value.slice(0, 80))}`);
  }
  const context = { traceId: match[1]!, spanId: match[2]!, sampled: (parseInt(match[3]!, 16) & 1) === 1 };
  checkContext(context);
  return context;
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** Throws a RangeError unless both ids are well-formed and not all zeros (W3C: such a context is invalid). */
export function checkContext(context: TraceContext): void {
  checkId(context.traceId, TRACE_ID, "trace id", 32);
  checkId(context.spanId, SPAN_ID, "span id", 16);
}

/** Writes the 25 bytes of `context` at `offset`. */
export function writeTraceContext(frame: Uint8Array, offset: number, context: TraceContext): void {
  writeHex(frame, offset, context.traceId);
  writeHex(frame, offset + 16, context.spanId);
  frame[offset + 24] = context.sampled ? 1 : 0;
}

function checkId(id: string, shape: RegExp, what: string, digits: number): void {
  if (!shape.test(id)) {
    throw new RangeError(`a ${what} is ${digits} lowercase hex digits; got ${JSON.stringify(id.slice(0, 40))}`);
  }
  if (/^0+$/.test(id)) {
    throw new RangeError(`a ${what} of all zeros is invalid`);
  }
}

function writeHex(frame: Uint8Array, offset: number, hex: string): void {
  for (let i = 0; i < hex.length; i += 2) {
    frame[offset + i / 2] = parseInt(hex.slice(i, i + 2), 16);
  }
}

function randomHex(bytes: number): string {
  const random = new Uint8Array(bytes);
  do {
    globalThis.crypto.getRandomValues(random);
  } while (random.every((b) => b === 0));
  let hex = "";
  for (const b of random) {
    hex += b.toString(16).padStart(2, "0");
  }
  return hex;
}
