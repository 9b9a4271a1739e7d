// EventContext: what an event says about its connection besides the address, and how it is read.
import { FieldPath } from './fields.js';
import { isInbound, parseNetfilter, type NetfilterFields } from './netfilter.js';
import { serviceOf } from './services.js';

export type Direction = 'inbound' | 'outbound';

/** The connection facts of an event, each absent when the event does not say. */
export interface EventContext {
  direction?: Direction;
  port?: number;
  protocol?: string;
  service?: string;
  process?: string;
}

/** Where the address came from, and the facts around it. */
export interface Extracted {
  /** The field that held the address ('message' for a netfilter line); null when none did. */
  field: string | null;
  /** The raw value of that field: undefined when no field was present. */
  value: unknown;
  context: EventContext;
}

// IANA protocol numbers as osquery and some EDR tables write them. A Map: a protocol text such as
// "toString" must not find Object.prototype's members.
const PROTOCOL_NUMBERS: ReadonlyMap<string, string> = new Map([
  ['1', 'icmp'],
  ['6', 'tcp'],
  ['17', 'udp'],
  ['58', 'icmpv6'],
  ['47', 'gre'],
  ['50', 'esp'],
  ['51', 'ah'],
  ['132', 'sctp'],
]);

/** A port number, or a string of 1–5 decimal digits ("0x1bb", "1e2" and " 443" are no ports). */
export function toPort(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? portOfDigits(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

/** The value of 1–5 ASCII digits, else NaN: read per record, so without a regular expression or Number(). */
function portOfDigits(v: string): number {
  const n = v.length;
  if (n === 0 || n > 5) return NaN;
  let port = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    port = port * 10 + d;
  }
  return port;
}

export function toProtocol(v: unknown): string | undefined {
  if (typeof v === 'number') return PROTOCOL_NUMBERS.get(String(v));
  if (typeof v !== 'string' || v === '' || isUnresolvedReference(v)) return undefined;
  // Netfilter's own names, met on every line: no new lower-case string for them.
  switch (v) {
    case 'TCP':
      return 'tcp';
    case 'UDP':
      return 'udp';
    case 'ICMP':
      return 'icmp';
    case 'tcp':
    case 'udp':
      return v;
  }
  return PROTOCOL_NUMBERS.get(v) ?? v.toLowerCase();
}

/**
 * What Logstash sends for a field the event does not have: the reference itself, `%{[process][executable]}`.
 * Such a value is no fact about the connection.
 */
export function isUnresolvedReference(v: string): boolean {
  return v.startsWith('%{') && v.endsWith('}');
}

/** A non-empty string that is not an unresolved reference, else undefined. */
function textFact(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && !isUnresolvedReference(v) ? v : undefined;
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
}

function withService(ctx: EventContext): EventContext {
  if (ctx.port !== undefined) {
    const s = serviceOf(ctx.port);
    if (s !== undefined) ctx.service = s;
  }
  return ctx;
}

function setIf<K extends keyof EventContext>(ctx: EventContext, key: K, v: EventContext[K] | undefined): void {
  if (v !== undefined) ctx[key] = v;
}

/** One configured address field, compiled with the sibling fields of its event shape. */
interface AddressSource {
  readonly path: FieldPath;
  read(event: unknown, value: unknown): Extracted;
}

/** Where an event shape keeps the remote side of an accepted connection, and what else it says. */
interface DirectionalShape {
  readonly isInbound: (event: unknown) => boolean;
  /** The remote side of an inbound event (the address field itself where a shape always names the remote side). */
  readonly sourceIp: FieldPath;
  readonly port: FieldPath;
  /** The service port of an inbound event, where the shape keeps it apart from `port`. */
  readonly inboundPort?: FieldPath;
  readonly protocol: FieldPath;
  readonly process: FieldPath;
}

/** Sysmon and ECS: the address field is the destination, or the source when the event is inbound. */
function directionalSource(path: FieldPath, shape: DirectionalShape): AddressSource {
  return {
    path,
    read(event, value) {
      const ctx: EventContext = {};
      let field = path.path;
      const inbound = shape.isInbound(event);
      if (inbound) {
        ctx.direction = 'inbound';
        value = shape.sourceIp.get(event);
        field = shape.sourceIp.path;
      } else {
        ctx.direction = 'outbound';
      }
      setIf(ctx, 'port', toPort((inbound && shape.inboundPort !== undefined ? shape.inboundPort : shape.port).get(event)));
      setIf(ctx, 'protocol', toProtocol(shape.protocol.get(event)));
      setIf(ctx, 'process', textFact(shape.process.get(event)));
      return { field, value, context: withService(ctx) };
    },
  };
}

function sysmonSource(path: FieldPath): AddressSource {
  const initiated = path.sibling('Initiated');
  return directionalSource(path, {
    // Sysmon logs an accepted connection (Initiated false) with the remote peer as its source.
    isInbound: (event) => isFalse(initiated.get(event)),
    sourceIp: path.sibling('SourceIp'),
    port: path.sibling('DestinationPort'),
    protocol: path.sibling('Protocol'),
    process: path.sibling('Image'),
  });
}

function ecsSource(path: FieldPath): AddressSource {
  const direction = new FieldPath('network.direction');
  return directionalSource(path, {
    isInbound: (event) => {
      const d = direction.get(event);
      return d === 'inbound' || d === 'ingress';
    },
    sourceIp: new FieldPath('source.ip'),
    port: new FieldPath('destination.port'),
    protocol: new FieldPath('network.transport'),
    process: new FieldPath('process.executable'),
  });
}

/**
 * Connection tables (Sophos `dst_addr,dst_port,process_uuid`; osquery `remote_address,remote_port,path`),
 * and Hayabusa's `Details` of a Sysmon 3 or Security 5156 event (`TgtIP`, `TgtPort`, `Proto`, `Proc`):
 * no direction is given, so none is said.
 */
function tableSource(path: FieldPath, portName: string, processNames: readonly string[], protocolName = 'protocol'): AddressSource {
  const port = path.sibling(portName);
  const protocol = path.sibling(protocolName);
  const processes = processNames.map((n) => path.sibling(n));
  return {
    path,
    read(event, value) {
      const ctx: EventContext = {};
      setIf(ctx, 'port', toPort(port.get(event)));
      setIf(ctx, 'protocol', toProtocol(protocol.get(event)));
      for (const p of processes) {
        const v = textFact(p.get(event));
        if (v !== undefined) {
          ctx.process = v;
          break;
        }
      }
      return { field: path.path, value, context: withService(ctx) };
    },
  };
}

/**
 * Windows Security event 5156 (the filtering platform allowed a connection): `DestAddress` is the
 * remote side in both directions; an inbound event's service port is its `SourcePort`.
 */
function wfpSource(path: FieldPath): AddressSource {
  const direction = path.sibling('Direction');
  return directionalSource(path, {
    // %%14592 and %%14593 are the message-table codes of Inbound and Outbound (un-rendered events).
    isInbound: (event) => {
      const d = direction.get(event);
      return d === '%%14592' || (typeof d === 'string' && d.toLowerCase() === 'inbound');
    },
    sourceIp: path,
    port: path.sibling('DestPort'),
    inboundPort: path.sibling('SourcePort'),
    protocol: path.sibling('Protocol'),
    process: path.sibling('Application'),
  });
}

/**
 * Azure Monitor VMConnection rows: `RemoteIp` is the remote side whatever the `Direction`; their
 * `DestinationIp` is the local machine on an inbound row, so this shape is told before Sysmon's.
 */
function vmConnectionSource(path: FieldPath): AddressSource {
  const direction = path.sibling('Direction');
  return directionalSource(path, {
    isInbound: (event) => {
      const d = direction.get(event);
      return typeof d === 'string' && d.toLowerCase() === 'inbound';
    },
    sourceIp: path,
    port: path.sibling('DestinationPort'),
    protocol: path.sibling('Protocol'),
    process: path.sibling('ProcessName'),
  });
}

function plainSource(path: FieldPath): AddressSource {
  return { path, read: (_event, value) => ({ field: path.path, value, context: {} }) };
}

function compileSource(field: string): AddressSource {
  const path = new FieldPath(field);
  if (field === 'destination.ip') return ecsSource(path);
  switch (path.last) {
    case 'DestinationIp':
      return sysmonSource(path);
    case 'DestAddress':
      return wfpSource(path);
    case 'RemoteIp':
      return vmConnectionSource(path);
    case 'dst_addr':
      return tableSource(path, 'dst_port', ['path', 'process', 'process_name', 'process_uuid']);
    case 'remote_address':
      return tableSource(path, 'remote_port', ['path', 'process', 'name']);
    case 'TgtIP':
      return tableSource(path, 'TgtPort', ['Proc'], 'Proto');
    default:
      return plainSource(path);
  }
}

const MESSAGE = new FieldPath('message');

/** Reads the address and its context from events, per `enrich.addressFields`; compiled once. */
export class AddressExtractor {
  readonly #sources: readonly AddressSource[];

  constructor(addressFields: readonly string[]) {
    this.#sources = addressFields.map(compileSource);
  }

  extract(event: unknown): Extracted {
    for (const s of this.#sources) {
      const v = s.path.get(event);
      if (v !== undefined && v !== null) return s.read(event, v);
    }
    // No address field: an iptables/netfilter line in `message`.
    const message = MESSAGE.get(event);
    if (typeof message === 'string') {
      const nf = parseNetfilter(message);
      if (nf !== null) return netfilterExtracted(nf);
    }
    return { field: null, value: undefined, context: {} };
  }
}

/** What a netfilter line says: the remote side (SRC when the packet came in, else DST), direction, port, protocol. */
export function netfilterExtracted(nf: NetfilterFields): Extracted {
  const inbound = isInbound(nf);
  const ctx: EventContext = { direction: inbound ? 'inbound' : 'outbound' };
  setIf(ctx, 'port', toPort(nf.dpt));
  setIf(ctx, 'protocol', toProtocol(nf.proto));
  return { field: 'message', value: inbound ? nf.src : nf.dst, context: withService(ctx) };
}
