// The ARP claimer's counters as metric samples, for /metrics.

import { RELEASE_REASONS, type ArpClaimer } from '../arp/arp-claimer.ts';
import { ARP_DECODE_REASONS } from '../wire/arp.ts';
import { counter, counters, gauge, type MetricSample } from './metric-sample.ts';

export function arpSamples(a: ArpClaimer): MetricSample[] {
  const c = a.counters;
  return [
    counter('synbait_arp_frames_received_total', 'ARP frames seen by the claimer', c.framesReceived),
    ...ARP_DECODE_REASONS.map((reason, i) => counter('synbait_decode_failures_total', 'Frames dropped as malformed or unsupported, by reason', c.decodeFailures[i]!, { reason })),
    ...RELEASE_REASONS.map((reason, i) => counter('synbait_arp_releases_total', 'Claimed addresses given up because another host showed it is alive, by evidence', c.releases[i]!, { reason })),
    counter('synbait_arp_claims_total', 'Addresses claimed after unanswered requests and probes', c.claims),
    counter('synbait_arp_candidates_dropped_total', 'Addresses not claimed because another host showed it is alive', c.candidatesDropped),
    ...counters('synbait_arp_requests_ignored_total', 'ARP requests not counted nor answered', 'reason', {
      ineligible: c.requestsIneligible, owner_recently_seen: c.requestsOwnerRecent, probing: c.requestsVerifying, own_mac: c.ownFrames,
    }),
    counter('synbait_arp_replies_sent_total', 'ARP replies sent for claimed addresses', c.repliesSent),
    counter('synbait_arp_probes_sent_total', 'RFC 5227 ARP probes sent before claiming', c.probesSent),
    ...counters('synbait_arp_rate_limited_total', 'ARP frames not sent because of the rate limit', 'kind', { reply: c.replyRateLimited, probe: c.probeRateLimited }),
    counter('synbait_arp_send_errors_total', 'ARP frames the capture device refused to send', c.sendErrors),
    ...counters('synbait_table_overflows_total', 'Entries dropped because a cap was hit (oldest first)', 'table', {
      arp_claimed: c.evictedClaimed, arp_candidates: c.evictedCandidates, arp_owners: c.evictedOwners,
    }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', c.notClaimed, { reason: 'not_claimed' }),
    gauge('synbait_arp_claimed_addresses', 'Addresses answered for with our MAC', a.claimedCount),
    gauge('synbait_arp_candidate_addresses', 'Addresses with unanswered requests being counted', a.candidateCount),
    gauge('synbait_arp_known_owners', 'Addresses recently seen alive (never claimed)', a.ownerCount),
  ];
}
