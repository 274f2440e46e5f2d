// Where a webhook may be delivered (issue 26 item 12): never into the district's own network unless
// WEBHOOK_ALLOW_PRIVATE=true. The name is resolved and every address checked when the endpoint is registered and
// again on every delivery, and the delivery connects to the address that was checked (the check is the connection's
// own DNS lookup), so a name that resolves elsewhere a second later does not pass. What the delivery log keeps of a
// failure is generic: the log must not become a port scanner's report.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { fieldRefusal } from '../../domain/messages';

/** Loopback, private, shared, link-local (cloud metadata at 169.254.169.254), multicast and reserved ranges. */
const PRIVATE = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3], // multicast and reserved, to 255.255.255.255
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local (and fd00:ec2::254, a cloud's metadata)
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Whether an address is one a webhook must not reach (an IPv4 address written as IPv6 is judged as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class WebhookTargetRefused extends Error {
  override name = 'WebhookTargetRefused';
}

/** Refuses, by the form's field, an endpoint the registration check turned down. */
export async function refuseUnreachableTarget(url: string, allowPrivate: boolean): Promise<void> {
  try {
    await checkWebhookTarget(url, allowPrivate);
  } catch (err) {
    if (err instanceof WebhookTargetRefused) throw fieldRefusal('url', err.message);
    throw err;
  }
}

const PRIVATE_REFUSAL =
  'must not reach a loopback, private, link-local or metadata address, and it is or resolves to one (WEBHOOK_ALLOW_PRIVATE=true allows them)';

/** The addresses a host name resolves to (an address stands for itself). */
async function addressesOf(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIP(bare)) return [bare];
  return (await dns.promises.lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * At registration: refuses an endpoint whose host is, or resolves to, an address it must not reach. A name that
 * does not resolve here is taken (the worker may see another DNS); each delivery checks it again.
 */
export async function checkWebhookTarget(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const addresses = await addressesOf(new URL(url).hostname).catch(() => [] as string[]);
  if (addresses.some(isPrivateAddress)) throw new WebhookTargetRefused(PRIVATE_REFUSAL);
}

/**
 * The connection's lookup: resolves the name and answers only when every address may be reached, so the socket
 * connects to an address that was checked.
 */
function checkedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses;
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address)))
        return callback(new WebhookTargetRefused(PRIVATE_REFUSAL), '', 4);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export interface WebhookPost {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

/**
 * POSTs one delivery and answers the receiver's status. A failure to reach it is thrown with a generic reason:
 * "refused: …" for an address it must not reach, "no answer within N s", or "could not connect".
 */
export async function postWebhook(url: string, post: WebhookPost): Promise<number> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!post.allowPrivate && net.isIP(host) && isPrivateAddress(host)) throw new WebhookTargetRefused(PRIVATE_REFUSAL);
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
        lookup: checkedLookup(post.allowPrivate),
        signal: AbortSignal.timeout(post.timeoutMs),
        agent: false,
      },
      (response) => {
        response.resume(); // the body is not read: only the status counts
        resolve(response.statusCode ?? 0);
      },
    );
    req.on('error', (err: Error) => {
      if (err instanceof WebhookTargetRefused) reject(err);
      else if (err.name === 'AbortError' || err.name === 'TimeoutError')
        reject(new Error(`no answer within ${post.timeoutMs / 1000} s`));
      else reject(new Error('could not connect'));
    });
    req.end(post.body);
  });
}
