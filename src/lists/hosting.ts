// Hosting: whether a provider's prefix is its own service (first-party) or space its customers run code or content on, by one table.
import type { ListFormat } from './formats/index.js';

export type Hosting = 'first-party' | 'customer';

/** One row of the table: a service of a provider list, what it is, and why. */
export interface HostingRule {
  readonly service: string;
  readonly hosting: Hosting;
  readonly why: string;
}

/** A provider list format's rows: the services that say nothing alone, the default, the rows. */
export interface ProviderHosting {
  /** What a service not in the rows is: `customer` everywhere, since an attacker can rent it. */
  readonly default: Hosting;
  readonly why: string;
  /** Services that cover the provider's whole space (AzureCloud, AMAZON): they say nothing about this prefix. */
  readonly supersets: readonly string[];
  readonly rules: readonly HostingRule[];
}

const fp = (service: string, why: string): HostingRule => ({ service, hosting: 'first-party', why });
const cu = (service: string, why: string): HostingRule => ({ service, hosting: 'customer', why });

/**
 * The table. When in doubt a row says customer: a first-party label makes a rule drop the
 * connection, and a real C2 on a rented VM must never look like Windows telemetry. Azure service
 * tags are matched by name, then by the part before the first dot (`Storage.WestEurope` → `Storage`,
 * `AzureCloud.eastus` → `AzureCloud`). docs/attribution.md explains it; test/lists/hosting.test.ts
 * reads the raw files independently and checks every prefix follows it.
 */
export const HOSTING: Readonly<Partial<Record<ListFormat, ProviderHosting>>> = Object.freeze({
  'azure-service-tags': {
    default: 'customer',
    why: 'an Azure tag not named here may hold customers’ resources',
    supersets: ['AzureCloud'],
    rules: [
      fp('AzureActiveDirectory', 'Entra ID sign-in and token endpoints, run by Microsoft'),
      fp('AzureFrontDoor.FirstParty', 'Front Door serving Microsoft’s own services (the tag exists to tell them apart)'),
      fp('AzureFrontDoor.Backend', 'Front Door’s own egress to origins'),
      cu('AzureFrontDoor.Frontend', 'customers’ Front Door endpoints: content anyone can publish'),
      fp('AzureMonitor', 'Azure Monitor / Log Analytics ingestion endpoints'),
      fp('AzureResourceManager', 'the management API'),
      fp('AzurePortal', 'the portal'),
      fp('AzureUpdateDelivery', 'Windows Update delivery'),
      fp('MicrosoftDefenderForEndpoint', 'Defender for Endpoint cloud service'),
      fp('AzureSecurityCenter', 'Defender for Cloud service endpoints'),
      fp('AzureSentinel', 'Sentinel service endpoints'),
      fp('OneDsCollector', 'Microsoft telemetry collection'),
      fp('EOPExternalPublishedIPs', 'Exchange Online Protection'),
      fp('M365ManagementActivityApi', 'Microsoft 365 management activity API'),
      fp('GatewayManager', 'Azure’s own gateway management'),
      fp('AzureTrafficManager', 'Traffic Manager’s health probes'),
      fp('AzureInformationProtection', 'Purview information protection service'),
      fp('MicrosoftCloudAppSecurity', 'Defender for Cloud Apps service'),
      fp('WindowsVirtualDesktop', 'the Virtual Desktop control plane'),
      cu('AppService', 'web apps and functions customers deploy'),
      cu('Storage', 'customers’ storage accounts: anyone can host a payload there'),
      cu('AzureCosmosDB', 'customers’ databases'),
      cu('Sql', 'customers’ databases'),
      cu('EventHub', 'customers’ namespaces'),
      cu('ServiceBus', 'customers’ namespaces'),
      cu('AzureContainerRegistry', 'customers’ registries'),
      cu('AzureKeyVault', 'customers’ vaults'),
      cu('ApiManagement', 'customers’ API gateways'),
      cu('AzureDevOps', 'customers’ pipelines run code'),
      cu('LogicApps', 'customers’ workflows'),
      cu('AzureSignalR', 'customers’ hubs'),
      cu('AzureWebPubSub', 'customers’ hubs'),
      cu('CognitiveServicesFrontend', 'customers’ AI endpoints'),
      cu('AzureMachineLearning', 'customers’ workspaces run code'),
      cu('AzureDatabricks', 'customers’ clusters run code'),
      cu('BatchNodeManagement', 'customers’ batch pools'),
    ],
  },
  'msft-public-ip-csv': {
    default: 'customer',
    why: 'the CSV is all of Microsoft’s space, Azure’s rentable ranges included, with no service named',
    supersets: [],
    rules: [],
  },
  'm365-endpoints': {
    default: 'first-party',
    why: 'Microsoft 365 service endpoints (Exchange Online, SharePoint, Teams, Common) are Microsoft’s own services',
    supersets: [],
    rules: [],
  },
  'aws-ip-ranges': {
    default: 'customer',
    why: 'an AWS service not named here may front customers’ code or content',
    supersets: ['AMAZON'],
    rules: [
      cu('EC2', 'instances anyone can rent'),
      cu('S3', 'customers’ buckets'),
      cu('CLOUDFRONT', 'distributions serve customers’ content'),
      cu('API_GATEWAY', 'customers’ APIs'),
      cu('GLOBALACCELERATOR', 'in front of customers’ endpoints'),
      cu('CODEBUILD', 'customers’ builds run code'),
      cu('CLOUD9', 'customers’ environments'),
      fp('ROUTE53', 'Route 53 name servers'),
      fp('ROUTE53_HEALTHCHECKS', 'Route 53’s health checkers'),
      fp('ROUTE53_HEALTHCHECKS_PUBLISHING', 'Route 53’s health check publishing'),
      fp('CHIME_MEETINGS', 'Chime meetings service'),
      fp('CHIME_VOICECONNECTOR', 'Chime voice service'),
      fp('AMAZON_CONNECT', 'Connect contact-centre service'),
      fp('EC2_INSTANCE_CONNECT', 'the Instance Connect service endpoint'),
      fp('WORKSPACES_GATEWAYS', 'WorkSpaces gateways'),
    ],
  },
  'google-ip-ranges': {
    // cloud.json entries carry their service ("Google Cloud"); goog.json's carry none.
    default: 'first-party',
    why: 'goog.json less cloud.json is Google’s own services; a prefix also in cloud.json is customer space (Classifier)',
    supersets: [],
    rules: [cu('Google Cloud', 'cloud.json: Google Cloud, space customers rent')],
  },
  geofeed: { default: 'customer', why: 'hosting providers’ geofeeds (DigitalOcean, Linode) are rented machines', supersets: [], rules: [] },
  cloudflare: { default: 'customer', why: 'Cloudflare proxies and runs customers’ sites, Workers and tunnels', supersets: [], rules: [] },
  'fastly-ip-list': { default: 'customer', why: 'Fastly’s edge serves and runs customers’ content', supersets: [], rules: [] },
  'oracle-ip-ranges': {
    default: 'customer',
    why: 'Oracle Cloud space customers rent',
    supersets: [],
    rules: [
      cu('OCI', 'compute anyone can rent'),
      cu('OBJECT_STORAGE', 'customers’ buckets'),
      cu('OSN', 'Oracle Services Network: customer-facing service endpoints'),
    ],
  },
  'github-meta': {
    default: 'customer',
    why: 'a GitHub key not named here may run or serve users’ content',
    supersets: [],
    rules: [
      fp('web', 'github.com'),
      fp('api', 'the API'),
      fp('git', 'git over SSH/HTTPS'),
      fp('hooks', 'GitHub’s webhook senders'),
      fp('importer', 'GitHub’s importer'),
      fp('github_enterprise_importer', 'GitHub’s importer'),
      fp('dependabot', 'Dependabot, run by GitHub'),
      fp('copilot', 'Copilot service'),
      cu('actions', 'hosted runners run anyone’s workflows'),
      cu('actions_macos', 'hosted runners run anyone’s workflows'),
      cu('codespaces', 'users’ dev environments'),
      cu('pages', 'users’ sites'),
      cu('packages', 'users’ packages'),
    ],
  },
});

/**
 * The hosting of one list entry from its format's table, or undefined for a list that is no
 * provider's (text, csv, netset …). Supersets are set aside; a service the table does not name
 * takes the format's default; then any customer service makes it customer, all first-party:
 * first-party; nothing left: the default.
 */
export function hostingOf(format: string, services: readonly string[]): Hosting | undefined {
  const table = HOSTING[format as ListFormat];
  if (table === undefined) return undefined;
  let first = false;
  for (const s of services) {
    if (table.supersets.includes(s) || table.supersets.includes(baseOf(s))) continue;
    const rule = table.rules.find((r) => r.service === s) ?? table.rules.find((r) => r.service === baseOf(s));
    const h = rule?.hosting ?? table.default;
    if (h === 'customer') return 'customer';
    first = true;
  }
  return first ? 'first-party' : table.default;
}

function baseOf(service: string): string {
  const dot = service.indexOf('.');
  return dot < 0 ? service : service.slice(0, dot);
}
