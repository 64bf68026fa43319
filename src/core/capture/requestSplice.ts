// The request record built from the body's own bytes. Agents send canonical JSON (what JSON.stringify would
// write), so the record's `request` is the body as it came and each part of `extract` is a span of it: the line
// costs one structural pass over the body and one copy, instead of JSON.parse, extract and JSON.stringify of the
// whole body (twice over: `request` and `extract` hold it both) every turn. The line is byte for byte what
// JSON.stringify(requestRecord(...)) writes; bodies this cannot vouch for (not canonical, not UTF-8, encoded,
// overflowed, not an object) are left to that path. Each wire's extraction mirrors wire.ts's extract().

import { isUtf8 } from 'node:buffer';
import type { RequestMeta } from './captureRecorder';
import { canonicalNode, scanCanonical, parseSpan, type EarlierScan, type SpanNode } from '../jsonScan';
import { SCHEMA_VERSION, type RequestRecord } from '../records';
import type { KnownValue } from '../secrets/secretScanner';
import type { TeeOverflow } from './requestCapture';

/** Nested tool namespaces deeper than this are not walked (wire.ts's MAX_NAMESPACE_DEPTH). */
const MAX_NAMESPACE_DEPTH = 16;

/** One piece of the line: a span of the body, or text we write. */
type Piece = SpanNode | string;

export interface SplicedRequest {
  meta: RequestMeta;
  body: Uint8Array;
  bodyBytes: number;
  overflowed: boolean | TeeOverflow;
  interrupted: boolean;
}

class Spans {
  constructor(readonly body: Buffer) {}

  /** The raw text of a short span, to compare with a canonical literal like `"system"`. */
  isText(span: SpanNode | undefined, canonical: string): boolean {
    if (!span || span.end - span.start !== canonical.length) return false;
    for (let index = 0; index < canonical.length; index++) {
      if (this.body[span.start + index] !== canonical.charCodeAt(index)) return false;
    }
    return true;
  }

  kind(span: SpanNode | undefined): 'absent' | 'object' | 'array' | 'string' | 'null' | 'other' {
    if (!span) return 'absent';
    const first = this.body[span.start];
    if (first === 0x7b) return 'object';
    if (first === 0x5b) return 'array';
    if (first === 0x22) return 'string';
    if (first === 0x6e) return 'null';
    return 'other';
  }

  entries(span: SpanNode): Map<string, SpanNode> {
    return canonicalNode(this.body, span).entries ?? new Map();
  }

  items(span: SpanNode): SpanNode[] {
    return canonicalNode(this.body, span).items ?? [];
  }

  /** Entry `key` of the object at `span`; undefined when absent or when `span` is not an object. */
  entry(span: SpanNode, key: string): SpanNode | undefined {
    return this.kind(span) === 'object' ? this.entries(span).get(key) : undefined;
  }

  /** An array value's items, or undefined when it is not an array. */
  arrayItems(span: SpanNode | undefined): SpanNode[] | undefined {
    return this.kind(span) === 'array' ? this.items(span as SpanNode) : undefined;
  }
}

function list(pieces: Piece[][]): Piece[] {
  const out: Piece[] = ['['];
  pieces.forEach((piece, index) => {
    if (index > 0) out.push(',');
    out.push(...piece);
  });
  out.push(']');
  return out;
}

/** wire.ts's field(): a missing key reads as null. */
function field(span: SpanNode | undefined): Piece[] {
  return [span ?? 'null'];
}

function extracted(system: Piece[], tools: Piece[], messages: Piece[]): Piece[] {
  return ['{"system":', ...system, ',"tools":', ...tools, ',"messages":', ...messages, '}'];
}

function claudeExtract(spans: Spans, body: Map<string, SpanNode>): Piece[] {
  const system = body.get('system');
  const messages = body.get('messages');
  const systemMessages = (spans.arrayItems(messages) ?? []).filter(
    (message) => spans.kind(message) === 'object' && spans.isText(spans.entry(message, 'role'), '"system"'),
  );
  if (systemMessages.length === 0) return extracted(field(system), field(body.get('tools')), field(messages));
  const blocks: Piece[][] = [];
  const kind = spans.kind(system);
  if (kind === 'string') {
    if (!spans.isText(system, '""')) blocks.push(['{"type":"text","text":', system as SpanNode, '}']);
  } else if (kind === 'array') {
    for (const item of spans.items(system as SpanNode)) blocks.push([item]);
  } else if (kind === 'object' || kind === 'other') {
    blocks.push([system as SpanNode]);
  }
  for (const message of systemMessages) blocks.push([message]);
  return extracted(list(blocks), field(body.get('tools')), field(messages));
}

function chatExtract(spans: Spans, body: Map<string, SpanNode>): Piece[] {
  const messages = body.get('messages');
  const items = spans.arrayItems(messages);
  let system: Piece[] = ['null'];
  if (items) {
    const systemMessages = items.filter(
      (message) => spans.kind(message) === 'object' && spans.isText(spans.entry(message, 'role'), '"system"'),
    );
    if (systemMessages.length > 0) system = list(systemMessages.map((message) => [message]));
  }
  return extracted(system, field(body.get('tools')), field(messages));
}

function isInstructionItem(spans: Spans, item: SpanNode): boolean {
  if (spans.kind(item) !== 'object') return false;
  const type = spans.entry(item, 'type');
  const isMessage = type === undefined || spans.isText(type, '"message"');
  const role = spans.entry(item, 'role');
  return isMessage && (spans.isText(role, '"developer"') || spans.isText(role, '"system"'));
}

function isNamespace(spans: Spans, entry: SpanNode): boolean {
  return spans.kind(entry) === 'object' && spans.kind(spans.entry(entry, 'tools')) === 'array';
}

/** wire.ts's flattenTools over spans: a tool taken out of a namespace gains a `namespace` key. */
function flattenTools(spans: Spans, entries: SpanNode[], namespace?: string, depth = 0): Piece[][] {
  const found: Piece[][] = [];
  for (const entry of entries) {
    if (isNamespace(spans, entry) && depth < MAX_NAMESPACE_DEPTH) {
      const nameSpan = spans.entry(entry, 'name');
      const name = spans.kind(nameSpan) === 'string' ? (parseSpan(spans.body, nameSpan!.start, nameSpan!.end) as string) : undefined;
      const qualified = namespace && name ? `${namespace}.${name}` : name ?? namespace;
      found.push(...flattenTools(spans, spans.items(spans.entry(entry, 'tools') as SpanNode), qualified, depth + 1));
    } else if (namespace && spans.kind(entry) === 'object' && spans.entry(entry, 'namespace') === undefined) {
      // {...entry, namespace}: the entry's own text, one key longer.
      const added = `"namespace":${JSON.stringify(namespace)}}`;
      if (entry.end - entry.start === 2) {
        found.push([`{${added}`]);
      } else {
        found.push([{ start: entry.start, end: entry.end - 1 }, `,${added}`]);
      }
    } else {
      found.push([entry]);
    }
  }
  return found;
}

function responsesExtract(spans: Spans, body: Map<string, SpanNode>): Piece[] {
  const instructions = body.get('instructions');
  const input = body.get('input');
  const inputItems = spans.arrayItems(input) ?? [];
  const promptItems = inputItems.filter((item) => isInstructionItem(spans, item));
  let system: Piece[];
  if (promptItems.length === 0) {
    system = field(instructions);
  } else {
    const items: Piece[][] = [];
    const kind = spans.kind(instructions);
    if (kind === 'string') {
      if (!spans.isText(instructions, '""')) items.push(['{"type":"instructions","text":', instructions as SpanNode, '}']);
    } else if (kind === 'array') {
      for (const item of spans.items(instructions as SpanNode)) items.push([item]);
    }
    for (const item of promptItems) items.push([item]);
    system = list(items);
  }

  const toolCarriers = inputItems.filter(
    (item) => spans.kind(item) === 'object' && spans.isText(spans.entry(item, 'type'), '"additional_tools"'),
  );
  const topLevelTools = body.get('tools');
  const topItems = spans.arrayItems(topLevelTools);
  const hasNamespaces = topItems !== undefined && topItems.some((entry) => isNamespace(spans, entry));
  let tools: Piece[];
  if (toolCarriers.length === 0 && !hasNamespaces) {
    tools = field(topLevelTools);
  } else {
    const flat: Piece[][] = topItems ? flattenTools(spans, topItems) : [];
    for (const carrier of toolCarriers) {
      const carried = spans.arrayItems(spans.entry(carrier, 'tools'));
      if (carried) flat.push(...flattenTools(spans, carried));
      const namespaces = spans.arrayItems(spans.entry(carrier, 'namespaces'));
      if (namespaces) flat.push(...flattenTools(spans, namespaces));
    }
    tools = list(flat);
  }
  return extracted(system, tools, field(input));
}

function extractPieces(spans: Spans, root: SpanNode, wire: RequestMeta['wire']): Piece[] {
  const body = root.entries ?? new Map<string, SpanNode>();
  switch (wire) {
    case 'claude-messages':
      return claudeExtract(spans, body);
    case 'codex-responses':
      return responsesExtract(spans, body);
    case 'codex-chat':
      return chatExtract(spans, body);
    case 'unknown':
      return ['null'];
  }
}

/**
 * The request's JSONL line (with its newline) assembled from the body's bytes, as the pieces to write one after
 * the other (most are views of the body); undefined when the body is not one this can vouch for, and the caller
 * then serializes requestRecord() as before.
 */
export function splicedRequestLine(request: SplicedRequest): Uint8Array[] | undefined {
  return spliceRequest(request)?.line;
}

/** A request record's first fields, in the record's order (requestRecord() and the spliced line both start so). */
export function requestHead(meta: RequestMeta): Pick<RequestRecord, 'id' | 'kind' | 'ts' | 'agent' | 'wire' | 'method' | 'path' | 'headers_kept'> {
  return {
    id: meta.id,
    kind: 'request',
    ts: meta.ts,
    agent: meta.agent,
    wire: meta.wire,
    method: meta.method,
    path: meta.path,
    headers_kept: meta.headers_kept,
  };
}

/** The body's bytes as a Buffer (the tee's copy may be any view). */
export function bodyBytes(request: Pick<SplicedRequest, 'body'>): Buffer {
  return Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
}

/**
 * The body's objects the scan digested (each message, system block, tool: jsonScan.ts EarlierScan) that are not
 * empty (KnownValue: the scanner cuts before their `{"`), in body order.
 */
function digestedObjects(body: Buffer, root: SpanNode): SpanNode[] {
  const found: SpanNode[] = [];
  for (const value of root.entries?.values() ?? []) {
    for (const child of value.items ?? value.entries?.values() ?? []) {
      if (child.digest !== undefined && body[child.start] === 0x7b && child.end - child.start > 2) found.push(child);
    }
  }
  return found;
}

/** The first of `objects` (in body order) that starts at or after `at`. */
function firstFrom(objects: SpanNode[], at: number): number {
  let low = 0;
  let high = objects.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (objects[middle].start < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * splicedRequestLine(), and the body's canonical tree, with digests when `keepDigests` (for the next turn to lean
 * on). With `earlier`, the values this body shares with an earlier one are not validated again (jsonScan.ts
 * EarlierScan). `known`: where the line holds the digested objects (in the body and in the extract's views of it),
 * so the secret scanner knows them by the scan's digests and does not hash them again (KnownValue).
 */
export function spliceRequest(
  request: SplicedRequest,
  earlier?: EarlierScan,
  keepDigests = earlier !== undefined,
): { line: Uint8Array[]; root: SpanNode; known: KnownValue[] } | undefined {
  const { meta } = request;
  const body = bodyBytes(request);
  if (request.overflowed || body.length === 0 || body[0] !== 0x7b) return undefined;
  if (meta.contentEncoding && meta.contentEncoding.toLowerCase() !== 'identity') return undefined;
  if (!isUtf8(body)) return undefined;
  // With digests whenever it leans on an earlier tree or may be leant on (the recorder's calls): see EarlierScan.
  const root = scanCanonical(body, { digests: keepDigests, earlier });
  if (!root) return undefined;
  const spans = new Spans(body);
  const pieces = extractPieces(spans, root, meta.wire);

  // The same keys in the same order as requestRecord(); JSON.stringify writes the small ones.
  const head = JSON.stringify(requestHead(meta));
  const tail: Record<string, unknown> = { schema: SCHEMA_VERSION, request_bytes: request.bodyBytes };
  if (meta.contentEncoding) tail.content_encoding = meta.contentEncoding;
  if (request.interrupted) tail.note = 'the request body was cut off before it ended';
  const tailText = JSON.stringify(tail);

  // Views of the body, not copies: the log stream writes them with one writev.
  const parts: Uint8Array[] = [];
  const known: KnownValue[] = [];
  const objects = keepDigests ? digestedObjects(body, root) : [];
  let offset = 0;
  const push = (part: Uint8Array) => {
    parts.push(part);
    offset += part.byteLength;
  };
  const pushSpan = (span: SpanNode) => {
    for (let index = firstFrom(objects, span.start); index < objects.length && objects[index].end <= span.end; index += 1) {
      const object = objects[index];
      known.push({ start: offset + object.start - span.start, end: offset + object.end - span.start, digest: object.digest as string });
    }
    push(body.subarray(span.start, span.end));
  };
  push(Buffer.from(`${head.slice(0, -1)},"request":`));
  pushSpan(root);
  push(Buffer.from(',"extract":'));
  let text = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    if (text) push(Buffer.from(text));
    text = '';
    pushSpan(piece);
  }
  push(Buffer.from(`${text},${tailText.slice(1)}\n`));
  return { line: parts, root, known };
}
