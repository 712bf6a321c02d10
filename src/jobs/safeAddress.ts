/**
 * Which addresses a download may connect to: public unicast ones only. A result URL (or a redirect from it) must not
 * make the bot reach its own machine, the private network it runs in or the cloud's metadata service.
 */
import { BlockList, isIP } from 'node:net';

/** IPv4 ranges that are not public unicast. Node's BlockList also applies them to IPv4-mapped IPv6 (::ffff:a.b.c.d). */
const IPV4_RANGES: ReadonlyArray<readonly [string, number]> = [
	['0.0.0.0', 8], // "this network", unspecified
	['10.0.0.0', 8], // private
	['100.64.0.0', 10], // carrier-grade NAT
	['127.0.0.0', 8], // loopback
	['169.254.0.0', 16], // link-local (cloud metadata)
	['172.16.0.0', 12], // private
	['192.0.0.0', 24], // IETF protocol assignments
	['192.0.2.0', 24], // documentation
	['192.88.99.0', 24], // 6to4 relay anycast
	['192.168.0.0', 16], // private
	['198.18.0.0', 15], // benchmarking
	['198.51.100.0', 24], // documentation
	['203.0.113.0', 24], // documentation
	['224.0.0.0', 4], // multicast
	['240.0.0.0', 4], // reserved, broadcast
];

const IPV6_RANGES: ReadonlyArray<readonly [string, number]> = [
	['::', 96], // unspecified, loopback, IPv4-compatible (deprecated)
	['64:ff9b:1::', 48], // local-use NAT64
	['100::', 64], // discard-only
	['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
	['2001:db8::', 32], // documentation
	['fc00::', 7], // unique local
	['fe80::', 10], // link-local
	['fec0::', 10], // site-local (deprecated)
	['ff00::', 8], // multicast
];

const FORBIDDEN = new BlockList();
for (const [network, prefix] of IPV4_RANGES) {
	FORBIDDEN.addSubnet(network, prefix, 'ipv4');
	// The same IPv4 ranges reached through the IPv6 forms that embed an IPv4 address: NAT64 and 6to4.
	FORBIDDEN.addSubnet(`64:ff9b::${network}`, 96 + prefix, 'ipv6');
	FORBIDDEN.addSubnet(sixToFour(network), 16 + prefix, 'ipv6');
}
for (const [network, prefix] of IPV6_RANGES) FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** The 6to4 prefix (2002:AABB:CCDD::) of an IPv4 address. */
function sixToFour(ipv4: string): string {
	const hex = ipv4.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0'));
	return `2002:${hex[0]}${hex[1]}:${hex[2]}${hex[3]}::`;
}

/** Whether `address` (an IP address, without brackets) is one a download may connect to. Not an IP: false. */
export function isPublicAddress(address: string): boolean {
	const family = isIP(address);
	if (family === 0) return false;
	return !FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether the URL's host is on the allow-list of `host` or `host:port` entries (as normalised by the config): a
 * host without a port allows every port. Allow-listed hosts are fetched without the address check.
 */
export function isAllowListed(url: URL, allowHosts: readonly string[]): boolean {
	if (allowHosts.length === 0) return false;
	const port = url.port || (url.protocol === 'https:' ? '443' : '80');
	return allowHosts.includes(url.hostname) || allowHosts.includes(`${url.hostname}:${port}`);
}
