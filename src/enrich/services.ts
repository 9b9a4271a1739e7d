// Ports → service families, as analysts group traffic (dns, ntp, https, …).

// IANA service names for the common ports, folded into families: `http` also for 8080, `https`
// also for 8443, `smtp` for submission ports, `imap`/`pop3` for their TLS ports.
const FAMILIES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['ftp', [20, 21]],
  ['ssh', [22]],
  ['telnet', [23]],
  ['smtp', [25, 465, 587]],
  ['dns', [53]],
  ['dhcp', [67, 68, 546, 547]],
  ['tftp', [69]],
  ['http', [80, 8000, 8008, 8080]],
  ['kerberos', [88, 464]],
  ['pop3', [110, 995]],
  ['ntp', [123]],
  ['msrpc', [135]],
  ['netbios', [137, 138, 139]],
  ['imap', [143, 993]],
  ['snmp', [161, 162]],
  ['ldap', [389, 636, 3268, 3269]],
  ['https', [443, 8443]],
  ['smb', [445]],
  ['isakmp', [500, 4500]],
  ['syslog', [514, 6514]],
  ['rtsp', [554]],
  ['ipp', [631]],
  ['dot', [853]],
  ['rsync', [873]],
  ['ftps', [989, 990]],
  ['socks', [1080]],
  ['openvpn', [1194]],
  ['mssql', [1433, 1434]],
  ['oracle', [1521]],
  ['pptp', [1723]],
  ['radius', [1812, 1813]],
  ['mqtt', [1883, 8883]],
  ['ssdp', [1900]],
  ['nfs', [2049]],
  ['docker', [2375, 2376]],
  ['mysql', [3306]],
  ['rdp', [3389]],
  ['stun', [3478]],
  ['sip', [5060, 5061]],
  ['xmpp', [5222, 5269]],
  ['mdns', [5353]],
  ['llmnr', [5355]],
  ['postgresql', [5432]],
  ['amqp', [5671, 5672]],
  ['vnc', [5900]],
  ['winrm', [5985, 5986]],
  ['redis', [6379]],
  ['kubernetes', [6443]],
  ['irc', [6667, 6697]],
  ['wsus', [8530, 8531]],
  ['tor', [9001, 9050]],
  ['elasticsearch', [9200]],
  ['kafka', [9092]],
  ['memcached', [11211]],
  ['mongodb', [27017]],
];

const BY_PORT: ReadonlyMap<number, string> = new Map(FAMILIES.flatMap(([name, ports]) => ports.map((p) => [p, name] as const)));

/** The service family of a destination port, or undefined for ports without a common name. */
export function serviceOf(port: number): string | undefined {
  return BY_PORT.get(port);
}
